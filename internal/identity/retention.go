package identity

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/idgate/idgate/ent/customer"
	"github.com/idgate/idgate/internal/jobs"
)

// RetentionArgs is the periodic job that wipes the verified personal data of customers
// inactive for longer than the retention period.
type RetentionArgs struct{}

// Kind names the job.
func (RetentionArgs) Kind() string { return "customer_retention" }

// NewRetentionWorker returns the worker of RetentionArgs for a retention period.
func NewRetentionWorker(s *Service, period time.Duration) river.Worker[RetentionArgs] {
	return jobs.Batches[RetentionArgs](500, func(ctx context.Context, limit int) (int, error) {
		return s.ExpireInactive(ctx, s.now().Add(-period), limit)
	})
}

// ExpireInactive wipes the verified data (names, date of birth, address, document details,
// manual-verification notes) of up to limit customers not changed since cutoff. Their
// verification status stays: the gate still knows they verified.
func (s *Service) ExpireInactive(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	ids, err := s.store.Ent.Customer.Query().Where(
		customer.UpdatedAtLT(cutoff),
		customer.Or(
			customer.IdentityFirstNameNEQ(""), customer.IdentityLastNameNEQ(""), customer.IdentityDobNEQ(""),
			customer.IdentityAddressNEQ(""), customer.IdentityIDNumberLast4NEQ(""), customer.IdentityIDTypeNEQ(""),
			customer.IdentityManualVerificationNotesNEQ(""),
		),
	).Limit(limit).IDs(ctx)
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		err := s.store.Ent.Customer.UpdateOneID(id).
			SetIdentityFirstName("").SetIdentityLastName("").SetIdentityDob("").SetIdentityAddress("").
			SetIdentityIDNumberLast4("").SetIdentityIDType("").SetIdentityIssuingCountry("").
			SetIdentityExpirationDate("").SetIdentityManualVerificationNotes("").Exec(ctx)
		if err != nil {
			return 0, err
		}
	}
	if len(ids) > 0 {
		s.log.InfoContext(ctx, "retention wiped verified data of inactive customers", "customers", len(ids))
	}
	return len(ids), nil
}
