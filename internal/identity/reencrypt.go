package identity

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/idgate/idgate/ent/customer"
	"github.com/idgate/idgate/ent/predicate"
	"github.com/idgate/idgate/internal/jobs"
	"github.com/idgate/idgate/internal/store"
)

// ReencryptArgs is the job that moves personal data to the current data key, a batch at a
// time; it enqueues itself again until no customer has data under an older key.
type ReencryptArgs struct{}

// Kind names the job.
func (ReencryptArgs) Kind() string { return "reencrypt_customer_pii" }

// InsertOpts keep one such job at a time.
func (ReencryptArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// NewReencryptWorker returns the worker of ReencryptArgs.
func NewReencryptWorker(s *Service) river.Worker[ReencryptArgs] {
	return jobs.Batches[ReencryptArgs](500, s.Reencrypt)
}

// Reencrypt re-seals up to limit customers whose personal data is under an older key and
// returns how many it moved.
func (s *Service) Reencrypt(ctx context.Context, limit int) (int, error) {
	stale := func(f func(string) predicate.Customer) predicate.Customer {
		return customer.And(f("v1."), customer.Not(f("v1."+s.pii.Current()+".")))
	}
	rows, err := s.store.Ent.Customer.Query().Where(customer.Or(
		stale(customer.EmailHasPrefix), stale(customer.PhoneHasPrefix),
		stale(customer.IdentityFirstNameHasPrefix), stale(customer.IdentityLastNameHasPrefix),
		stale(customer.IdentityDobHasPrefix), stale(customer.IdentityAddressHasPrefix),
		stale(customer.IdentityIDNumberLast4HasPrefix),
	)).Limit(limit).All(ctx)
	if err != nil {
		return 0, err
	}
	for _, r := range rows {
		err := s.store.InTx(ctx, func(tx store.Tx) error {
			c, err := s.fromRow(r)
			if err != nil {
				return err
			}
			addr := ""
			if a := c.Identity.Address; a != nil {
				b, _ := json.Marshal(a)
				addr = string(b)
			}
			sealed, err := s.seal(r.ID, map[string]string{
				"email": c.Email, "phone": c.Phone, "identity_first_name": c.Identity.FirstName,
				"identity_last_name": c.Identity.LastName, "identity_dob": c.Identity.DOB,
				"identity_address": addr, "identity_id_number_last4": c.Identity.IDNumberLast4,
			})
			if err != nil {
				return err
			}
			return tx.Customer.UpdateOneID(r.ID).SetEmail(sealed["email"]).SetPhone(sealed["phone"]).
				SetIdentityFirstName(sealed["identity_first_name"]).SetIdentityLastName(sealed["identity_last_name"]).
				SetIdentityDob(sealed["identity_dob"]).SetIdentityAddress(sealed["identity_address"]).
				SetIdentityIDNumberLast4(sealed["identity_id_number_last4"]).Exec(ctx)
		})
		if err != nil {
			return 0, fmt.Errorf("re-encrypt customer %s: %w", r.ID, err)
		}
	}
	if len(rows) > 0 {
		s.log.InfoContext(ctx, "re-encrypted customer personal data", "customers", len(rows), "key", s.pii.Current())
	}
	return len(rows), nil
}
