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
