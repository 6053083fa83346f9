package stepup

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/idgate/idgate/ent/paymentstepup"
	"github.com/idgate/idgate/ent/webauthnchallenge"
	"github.com/idgate/idgate/ent/webauthncredential"
	"github.com/idgate/idgate/internal/identity"
	"github.com/idgate/idgate/internal/store"
)

// Forget is the step-up part of a customer's redaction, in its transaction: the passkeys
// and challenges are deleted (a redacted customer enrols again), and Stripe is asked to
// redact the selfie sessions of identity step-ups. The payments' step-up records stay: they
// hold ids and outcomes, which prove what was approved.
func (s *Service) Forget(ctx context.Context, tx store.Tx, customerID string) error {
	if _, err := tx.WebAuthnChallenge.Delete().Where(webauthnchallenge.CustomerID(customerID)).Exec(ctx); err != nil {
		return err
	}
	if _, err := tx.WebAuthnCredential.Delete().Where(webauthncredential.CustomerID(customerID)).Exec(ctx); err != nil {
		return err
	}
	sessions, err := tx.PaymentStepUp.Query().
		Where(paymentstepup.CustomerID(customerID), paymentstepup.IdentitySessionIDNEQ("")).
		Select(paymentstepup.FieldIdentitySessionID).Strings(ctx)
	if err != nil {
		return err
	}
	for _, id := range sessions {
		if _, err := s.jobs.InsertTx(ctx, tx.SQL, identity.RedactSessionArgs{SessionID: id}, nil); err != nil {
			return err
		}
	}
	return nil
}

// SweepArgs is the periodic job that deletes challenges a day past their expiry: used or
// not, they can no longer be answered, and the payments keep their outcome.
type SweepArgs struct{}

// Kind names the job.
func (SweepArgs) Kind() string { return "stepup_sweep_challenges" }

// SweepWorker works SweepArgs jobs.
type SweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	s *Service
}

// NewSweepWorker returns the worker.
func NewSweepWorker(s *Service) *SweepWorker { return &SweepWorker{s: s} }

// Work deletes the old challenges.
func (w *SweepWorker) Work(ctx context.Context, _ *river.Job[SweepArgs]) error {
	n, err := w.s.store.Ent.WebAuthnChallenge.Delete().
		Where(webauthnchallenge.ExpiresAtLT(w.s.now().Add(-24 * time.Hour))).Exec(ctx)
	if n > 0 {
		w.s.log.InfoContext(ctx, "old WebAuthn challenges deleted", "count", n)
	}
	return err
}
