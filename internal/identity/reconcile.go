package identity

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/idgate/idgate/ent/verificationsession"
)

// ReconcileArgs is the periodic job that repairs what missed webhooks left behind: sessions
// that have been open without news for too long are read back from Stripe.
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

// Reconcile reads back from Stripe the open sessions with no news since cutoff and applies
// what Stripe says, as the latest word on each. It returns how many it refreshed.
func (s *Service) Reconcile(ctx context.Context, cutoff time.Time, limit int) (int, error) {
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
