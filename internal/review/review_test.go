package review_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/auth"
	"github.com/idgate/idgate/internal/review"
	"github.com/idgate/idgate/internal/testenv"
)

// TestResolveClaimsTheTaskFirst: while one resolution's resolver runs, a second resolution
// of the same task is refused without running the resolver; a resolver that fails
// releases the task, which is then resolved once.
func TestResolveClaimsTheTaskFirst(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			ctx := testenv.System(t)
			st := testenv.Store(t, db)
			if err := st.Ent.Subaccount.Create().SetID("sub_1").SetName("market").Exec(ctx); err != nil {
				t.Fatal(err)
			}
			if err := st.Ent.ReviewTask.Create().SetID("rev_1").SetSubaccountID("sub_1").SetSubjectType("customer").
				SetSubjectID("cus_1").SetReason("max_attempts_exceeded").SetPriority("urgent").Exec(ctx); err != nil {
				t.Fatal(err)
			}
			var runs atomic.Int32
			inside, release := make(chan struct{}), make(chan struct{})
			fail := errors.New("the subject's domain is down")
			svc := review.NewService(st, map[string]review.Resolver{"customer": func(ctx context.Context, subject, decision, notes string) error {
				switch runs.Add(1) {
				case 1: // holds the task until the second resolution has been answered
					close(inside)
					<-release
					return fail
				default:
					return nil
				}
			}})
			alice := auth.WithActor(ctx, auth.Actor{Type: "api_key", ID: "key_alice", Role: auth.RoleOperator})
			bob := auth.WithActor(ctx, auth.Actor{Type: "api_key", ID: "key_bob", Role: auth.RoleOperator})

			first := make(chan error, 1)
			go func() {
				_, err := svc.Resolve(alice, "rev_1", review.Approve, "passport checked on a video call")
				first <- err
			}()
			<-inside
			if _, err := svc.Resolve(bob, "rev_1", review.Reject, "looks wrong"); apperr.KindOf(err) != apperr.KindFailedPrecondition {
				t.Fatalf("a resolution while another acts: %v, want FailedPrecondition", err)
			}
			close(release)
			if err := <-first; !errors.Is(err, fail) {
				t.Fatalf("the first resolution: %v, want its resolver's failure", err)
			}
			if n := runs.Load(); n != 1 {
				t.Fatalf("the resolver ran %d times while the task was held, want 1", n)
			}
			// Released: the task is open again, and the next resolution acts and closes it.
			if got, _ := svc.List(alice, "open", "", 0); len(got) != 1 {
				t.Fatalf("open tasks after the failure: %+v", got)
			}
			done, err := svc.Resolve(bob, "rev_1", review.Reject, "looks wrong")
			if err != nil || done.Status != "resolved" || done.Resolution != review.Reject || done.ResolvedBy != "key_bob" || runs.Load() != 2 {
				t.Fatalf("resolution after the release: %+v %v (resolver ran %d times)", done, err, runs.Load())
			}
		})
	}
}
