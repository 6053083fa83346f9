package identity

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/idgate/idgate/ent/verificationsession"
)

// ReconcileArgs is the periodic job that repairs what missed webhooks left behind: sessions
// that have been open without news for too long, and redactions Stripe has not confirmed
// for as long, are read back from Stripe.
type ReconcileArgs struct{}

// Kind names the job.
func (ReconcileArgs) Kind() string { return "reconcile_verification_sessions" }

// ReconcileWorker works ReconcileArgs.
type ReconcileWorker struct {
	river.WorkerDefaults[ReconcileArgs]
	svc   *Service
	after time.Duration
}

// NewReconcileWorker returns the worker; sessions quiet for longer than after are refreshed.
func NewReconcileWorker(s *Service, after time.Duration) *ReconcileWorker {
	return &ReconcileWorker{svc: s, after: after}
}

// reconcileBatch bounds the Stripe calls of one run.
const reconcileBatch = 100

// Work refreshes up to reconcileBatch quiet sessions; a Stripe failure is retried with the
// job.
func (w *ReconcileWorker) Work(ctx context.Context, _ *river.Job[ReconcileArgs]) error {
	_, err := w.svc.Reconcile(ctx, w.svc.now().Add(-w.after), reconcileBatch)
	return err
}

// Reconcile reads back from Stripe the open sessions with no news since cutoff, and the
// sessions whose redaction was asked for before cutoff and not confirmed, and applies what
// Stripe says, as the latest word on each. It returns how many it read back.
func (s *Service) Reconcile(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	open, err := s.reconcileOpen(ctx, cutoff, limit)
	if err != nil {
		return open, err
	}
	redacted, err := s.reconcileRedactions(ctx, cutoff, limit-open)
	return open + redacted, err
}

func (s *Service) reconcileOpen(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	stale, err := s.store.Reader.VerificationSession.Query().Where(
		verificationsession.StatusIn("requires_input", "processing"),
		verificationsession.LastErrorCode(""),
		verificationsession.RedactionRequestedAtIsNil(),
		verificationsession.Or(
			verificationsession.StatusEventAtLT(cutoff),
			verificationsession.And(verificationsession.StatusEventAtIsNil(), verificationsession.CreatedAtLT(cutoff)),
		),
	).Limit(limit).All(ctx)
	if err != nil {
		return 0, err
	}
	for _, vs := range stale {
		got, err := s.stripe.GetVerifiedSession(ctx, vs.ID)
		if err != nil {
			return 0, err
		}
		u := sessionUpdate{SessionID: vs.ID, Status: got.Status, ErrorCode: got.LastErrorCode, At: s.now(), CustomerID: vs.CustomerID}
		if got.Status == "verified" {
			u.Verified = got.Verified
		}
		if err := s.applySession(ctx, u); err != nil {
			return 0, err
		}
	}
	if len(stale) > 0 {
		s.log.InfoContext(ctx, "reconciled quiet verification sessions with Stripe", "sessions", len(stale))
	}
	return len(stale), nil
}

// reconcileRedactions confirms the redactions whose identity.verification_session.redacted
// event never came: without it, identity_redacted_at would stay unset although Stripe and
// idgate both hold nothing any more.
func (s *Service) reconcileRedactions(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	if limit <= 0 {
		return 0, nil
	}
	waiting, err := s.store.Reader.VerificationSession.Query().Where(
		verificationsession.RedactionRequestedAtLT(cutoff),
		verificationsession.RedactedAtIsNil(),
	).Limit(limit).All(ctx)
	if err != nil {
		return 0, err
	}
	confirmed := 0
	for _, vs := range waiting {
		got, err := s.stripe.GetVerifiedSession(ctx, vs.ID)
		if err != nil {
			return 0, err
		}
		if !got.Redacted {
			continue // the redaction job has not succeeded yet; it retries by itself
		}
		if err := s.applySession(ctx, sessionUpdate{SessionID: vs.ID, Status: got.Status, At: s.now(), CustomerID: vs.CustomerID, Redacted: true}); err != nil {
			return 0, err
		}
		confirmed++
	}
	if confirmed > 0 {
		s.log.InfoContext(ctx, "confirmed verification session redactions with Stripe", "sessions", confirmed)
	}
	return len(waiting), nil
}
