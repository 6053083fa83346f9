package identity

import (
	"context"

	"github.com/riverqueue/river"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/ent/biometricconsent"
	"github.com/idgate/idgate/ent/notification"
	"github.com/idgate/idgate/ent/verificationsession"
	"github.com/idgate/idgate/internal/pii"
	"github.com/idgate/idgate/internal/store"
)

// RedactCustomerIdentity deletes the customer's personal data (seed 001): every field
// ent/schema marks personal (verified data, contact details, manual-verification notes) is
// wiped here at once, and the Stripe customer id unlinked; notification texts
// are blanked, what other domains hold is erased (AlsoRedact), and a job asks Stripe to
// redact each session. The customer row keeps only ids and timestamps that prove it
// happened; identity_redacted_at is set when Stripe has confirmed every session (or at once
// when there are none).
func (s *Service) RedactCustomerIdentity(ctx context.Context, id string) (Customer, error) {
	return s.update(ctx, id, func(tx store.Tx, row *ent.Customer) (*ent.Customer, error) {
		if row.IdentityRedactionRequestedAt != nil {
			return row, nil
		}
		now := s.now()
		upd := row.Update().SetIdentityRedactionRequestedAt(now).ClearStripeCustomerID()
		if err := pii.Wipe(upd.Mutation()); err != nil {
			return nil, err
		}
		sessions, err := tx.VerificationSession.Query().Where(verificationsession.CustomerID(id), verificationsession.RedactedAtIsNil()).All(ctx)
		if err != nil {
			return nil, err
		}
		if len(sessions) == 0 {
			upd.SetIdentityRedactedAt(now)
		}
		if row, err = upd.Save(ctx); err != nil {
			return nil, err
		}
		if err := tx.Notification.Update().Where(notification.CustomerID(id)).SetTitle("").SetBody("").Exec(ctx); err != nil {
			return nil, err
		}
		// Their answers to the biometric check go too (where they were given from is
		// personal data); the path they led to stays on the customer.
		if _, err := tx.BiometricConsent.Delete().Where(biometricconsent.CustomerID(id)).Exec(ctx); err != nil {
			return nil, err
		}
		for _, f := range s.forget {
			if err := f(ctx, tx, id); err != nil {
				return nil, err
			}
		}
		for _, vs := range sessions {
			if err := vs.Update().SetRedactionRequestedAt(now).Exec(ctx); err != nil {
				return nil, err
			}
			if _, err := s.jobs.InsertTx(ctx, tx.SQL, RedactSessionArgs{SessionID: vs.ID}, nil); err != nil {
				return nil, err
			}
		}
		s.log.InfoContext(ctx, "customer identity redaction requested", "customer_id", id, "sessions", len(sessions))
		return row, nil
	})
}

// Forget erases what another domain holds about a customer, inside the transaction of the
// customer's redaction.
type Forget func(ctx context.Context, tx store.Tx, customerID string) error

// AlsoRedact adds f to what RedactCustomerIdentity erases. Call it while wiring, before
// serving.
func (s *Service) AlsoRedact(f Forget) { s.forget = append(s.forget, f) }

// RedactSessionArgs is the job that asks Stripe to redact one session.
type RedactSessionArgs struct {
	SessionID string `json:"session_id"`
}

// Kind names the job.
func (RedactSessionArgs) Kind() string { return "redact_verification_session" }

// RedactWorker works RedactSessionArgs jobs; Stripe's redacted event completes the deletion.
type RedactWorker struct {
	river.WorkerDefaults[RedactSessionArgs]
	svc *Service
}

// NewRedactWorker returns the worker.
func NewRedactWorker(s *Service) *RedactWorker { return &RedactWorker{svc: s} }

// Work calls Stripe; an error retries with backoff.
func (w *RedactWorker) Work(ctx context.Context, job *river.Job[RedactSessionArgs]) error {
	return w.svc.stripe.RedactVerificationSession(ctx, job.Args.SessionID, "redact:"+job.Args.SessionID)
}
