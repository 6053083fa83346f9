package notify_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/idgate/idgate/internal/jobs"
	"github.com/idgate/idgate/internal/notify"
	"github.com/idgate/idgate/internal/store"
	"github.com/idgate/idgate/internal/testenv"
)

// delivery is one request the platform's endpoint received.
type delivery struct{ header, bodyID string }

// The platform's endpoint fails the first delivery; the retry carries the same id, in the
// header and in the body, so the platform can tell it is the same notification.
func TestRetriedDeliveryCarriesTheSameID(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			ctx := testenv.System(t)
			st := testenv.Store(t, db)
			var mu sync.Mutex
			var got []delivery
			accepted := make(chan struct{})
			sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				var p notify.Payload
				if err := json.Unmarshal(body, &p); err != nil {
					t.Errorf("body: %v", err)
				}
				mu.Lock()
				defer mu.Unlock()
				got = append(got, delivery{r.Header.Get(notify.IDHeader), p.ID})
				if len(got) == 1 {
					http.Error(w, "try again", http.StatusServiceUnavailable)
					return
				}
				close(accepted)
			}))
			t.Cleanup(sink.Close)

			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			workers := river.NewWorkers()
			river.AddWorker(workers, notify.NewDeliverer(st, notify.Sink{URL: sink.URL, Secret: "notify-secret-for-tests"}, log))
			q, err := jobs.New(st, workers, jobs.Options{Work: true, Workers: 1, PollInterval: 20 * time.Millisecond, RetryBase: 10 * time.Millisecond}, log)
			if err != nil {
				t.Fatal(err)
			}
			if err := q.Start(ctx); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = q.Stop(context.Background()) })
			if err := st.InTx(ctx, func(tx store.Tx) error {
				return notify.NewOutbox(q).Add(ctx, tx, "sub_1", notify.Customer("cust_1"), notify.Verified())
			}); err != nil {
				t.Fatal(err)
			}
			select {
			case <-accepted:
			case <-ctx.Done():
				t.Fatal("the notification was not delivered again after the failed delivery")
			}
			n, err := st.Ent.Notification.Query().Only(ctx)
			if err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			for i, d := range got {
				if d.header != n.ID || d.bodyID != n.ID {
					t.Errorf("delivery %d: %s %q, body id %q; want both %q", i+1, notify.IDHeader, d.header, d.bodyID, n.ID)
				}
			}
		})
	}
}
