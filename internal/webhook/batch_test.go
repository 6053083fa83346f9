package webhook

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	stripewebhook "github.com/stripe/stripe-go/v76/webhook"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/ent/stripeevent"
	"github.com/idgate/idgate/internal/jobs"
	"github.com/idgate/idgate/internal/testenv"
)

// A delivery whose caller went away while it led a batch (here: its context is cancelled
// before it even joins) still stores the batch: the others are answered and stored, and
// so is its own event, which Stripe's next delivery then finds a duplicate.
func TestCancelledLeaderStoresItsBatch(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			st := testenv.Store(t, db)
			workers := river.NewWorkers()
			river.AddWorker(workers, NewProcessor(st, NewRegistry(), log, Batching{Window: time.Millisecond, Max: 16}))
			q, err := jobs.New(st, workers, jobs.Options{}, log)
			if err != nil {
				t.Fatal(err)
			}
			const secret = "whsec_unit"
			// The batch is stored when its fifth delivery joins, never by the window.
			in := NewIntake(st, q, map[Endpoint][]string{EndpointPlatform: {secret}}, time.Minute, 1, Batching{Window: time.Hour, Max: 5})
			deliver := func(ctx context.Context, id string) (Receipt, error) {
				payload := []byte(fmt.Sprintf(`{"id":%q,"object":"event","created":1700000000,"type":"customer.created","data":{"object":{}}}`, id))
				sig := stripewebhook.GenerateTestSignedPayload(&stripewebhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: time.Now()}).Header
				return in.Receive(ctx, EndpointPlatform, payload, sig)
			}
			gone, cancel := context.WithCancel(context.Background())
			cancel()
			leaderDone := make(chan struct{})
			go func() {
				defer close(leaderDone)
				_, _ = deliver(gone, "evt_gone")
			}()
			testenv.Eventually(t, "the cancelled delivery to lead a batch", func() bool {
				in.batches.mu.Lock()
				defer in.batches.mu.Unlock()
				return in.batches.open != nil && len(in.batches.open.ds) == 1
			})
			var wg sync.WaitGroup
			for i := range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if r, err := deliver(context.Background(), fmt.Sprintf("evt_stays_%d", i)); err != nil || r.Duplicate {
						t.Errorf("delivery %d: %+v %v, want stored", i, r, err)
					}
				}()
			}
			wg.Wait()
			<-leaderDone
			for _, id := range []string{"evt_gone", "evt_stays_0", "evt_stays_1", "evt_stays_2", "evt_stays_3"} {
				if _, err := st.Ent.StripeEvent.Get(context.Background(), id); err != nil {
					t.Errorf("event %s not stored: %v", id, err)
				}
			}
			in.batches.batching.Max = 1
			if r, err := deliver(context.Background(), "evt_gone"); err != nil || !r.Duplicate {
				t.Errorf("redelivery of the cancelled one: %+v %v, want a duplicate", r, err)
			}
		})
	}
}

// A batch of outcomes that differ (applied, stale, a failure to retry, an event ignored)
// records each on its own event, in one transaction, and answers each.
func TestOutcomesRecordedTogether(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			ctx := testenv.Context(t)
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			st := testenv.Store(t, db)
			p := NewProcessor(st, NewRegistry(), log, Batching{Window: time.Hour, Max: 4})
			workers := river.NewWorkers()
			river.AddWorker(workers, p)
			q, err := jobs.New(st, workers, jobs.Options{}, log)
			if err != nil {
				t.Fatal(err)
			}
			const secret = "whsec_unit"
			in := NewIntake(st, q, map[Endpoint][]string{EndpointPlatform: {secret}}, time.Minute, 1, Batching{Window: time.Millisecond, Max: 1})
			ids := []string{"evt_applied", "evt_stale", "evt_failing", "evt_ignored"}
			for _, id := range ids {
				payload := []byte(fmt.Sprintf(`{"id":%q,"object":"event","created":1700000000,"type":"customer.created","data":{"object":{}}}`, id))
				sig := stripewebhook.GenerateTestSignedPayload(&stripewebhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: time.Now()}).Header
				if _, err := in.Receive(ctx, EndpointPlatform, payload, sig); err != nil {
					t.Fatal(err)
				}
			}
			want := map[string]struct {
				state   stripeevent.State
				outcome outcome
				err     string
			}{
				"evt_applied": {stripeevent.StateProcessed, outcomeApplied, ""},
				"evt_stale":   {stripeevent.StateProcessed, outcomeStale, ""},
				"evt_failing": {stripeevent.StatePending, outcomeNone, "stripe answered 500"},
				"evt_ignored": {stripeevent.StateIgnored, outcomeNone, ""},
			}
			// The batch is full (Max 4) when the fourth joins: stored together, never by the window.
			errs := make(chan error, len(ids))
			for _, id := range ids {
				go func() {
					w := want[id]
					errs <- p.finish(ctx, &ent.StripeEvent{ID: id}, w.state, w.outcome, w.err)
				}()
			}
			for range ids {
				if err := <-errs; err != nil {
					t.Fatalf("finish: %v", err)
				}
			}
			for _, id := range ids {
				row, err := st.Ent.StripeEvent.Get(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				w := want[id]
				if row.State != w.state || row.Outcome != w.outcome.String() || row.LastError != w.err || row.Attempts != 1 {
					t.Errorf("%s: state %s, outcome %q, last error %q, attempts %d; want %s, %q, %q, 1", id, row.State, row.Outcome, row.LastError, row.Attempts, w.state, w.outcome, w.err)
				}
				if done := row.ProcessedAt != nil; done != (w.state != stripeevent.StatePending) {
					t.Errorf("%s: processed_at %v for state %s", id, row.ProcessedAt, row.State)
				}
			}
		})
	}
}
