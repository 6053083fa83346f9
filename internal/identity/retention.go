package identity

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/idgate/idgate/ent/customer"
)

// RetentionArgs is the periodic job that wipes the verified personal data of customers
// inactive for longer than the retention period.
type RetentionArgs struct{}

// Kind names the job.
func (RetentionArgs) Kind() string { return "customer_retention" }

// RetentionWorker works RetentionArgs.
type RetentionWorker struct {
	river.WorkerDefaults[RetentionArgs]
	svc    *Service
	period time.Duration
}

// NewRetentionWorker returns the worker for a retention period.
func NewRetentionWorker(s *Service, period time.Duration) *RetentionWorker {
	return &RetentionWorker{svc: s, period: period}
}

// Work wipes every customer past the period, a batch at a time.
func (w *RetentionWorker) Work(ctx context.Context, _ *river.Job[RetentionArgs]) error {
	cutoff := w.svc.now().Add(-w.period)
	for {
		n, err := w.svc.ExpireInactive(ctx, cutoff, 500)
		if err != nil || n == 0 {
			return err
		}
	}
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
