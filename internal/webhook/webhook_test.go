package webhook_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	stripewebhook "github.com/stripe/stripe-go/v76/webhook"

	"github.com/idgate/idgate/internal/jobs"
	"github.com/idgate/idgate/internal/store"
	"github.com/idgate/idgate/internal/testenv"
	"github.com/idgate/idgate/internal/webhook"
)

const secret = "whsec_unit"

type fixture struct {
	store  *store.Store
	intake *webhook.Intake
	lister *webhook.Lister
}

// newFixture runs the real intake and a working queue over db, with the given handlers.
func newFixture(t testing.TB, db testenv.DB, maxAttempts int, handlers map[string]webhook.Handler) *fixture {
	t.Helper()
	ctx := testenv.Context(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st := testenv.Store(t, db)
	reg := webhook.NewRegistry()
	for typ, h := range handlers {
		reg.Handle(typ, h)
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, webhook.NewProcessor(st, reg, log, webhook.Batching{Window: time.Millisecond, Max: 16}))
	q, err := jobs.New(st, workers, jobs.Options{Work: true, Workers: 2, PollInterval: 20 * time.Millisecond, RetryBase: 5 * time.Millisecond}, log)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = q.Stop(stopCtx)
	})
	return &fixture{
		store:  st,
		intake: webhook.NewIntake(st, q, map[webhook.Endpoint][]string{webhook.EndpointPlatform: {secret}}, 300*time.Second, maxAttempts, webhook.Batching{Window: time.Millisecond, Max: 16}),
		lister: webhook.NewLister(st),
	}
}

func (f *fixture) receive(t *testing.T, id, typ string) {
	t.Helper()
	payload := []byte(fmt.Sprintf(`{"id":%q,"object":"event","api_version":"2023-10-16","created":%d,"livemode":false,"type":%q,"data":{"object":{"id":"obj_1","amount":42}}}`, id, time.Now().Unix(), typ))
	sig := stripewebhook.GenerateTestSignedPayload(&stripewebhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: time.Now()}).Header
	if _, err := f.intake.Receive(context.Background(), webhook.EndpointPlatform, payload, sig); err != nil {
		t.Fatalf("receive %s: %v", id, err)
	}
}

// settled waits for event id to leave "pending".
func (f *fixture) settled(t *testing.T, id string) webhook.Record {
	t.Helper()
	var got webhook.Record
	testenv.Eventually(t, "event "+id+" to leave pending", func() bool {
		recs, _, err := f.lister.List(context.Background(), "", 500, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if r.ID == id && r.State != "pending" {
				got = r
				return true
			}
		}
		return false
	})
	return got
}

func TestHandlerFailsTwiceThenSucceeds(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			var mu sync.Mutex
			calls := 0
			var seen webhook.Event
			f := newFixture(t, db, 25, map[string]webhook.Handler{
				"charge.succeeded": func(ctx context.Context, ev webhook.Event) error {
					mu.Lock()
					defer mu.Unlock()
					calls++
					seen = ev
					if calls <= 2 {
						return errors.New("stripe is having a moment")
					}
					webhook.Skip(ctx)
					return nil
				},
			})
			f.receive(t, "evt_flaky", "charge.succeeded")
			r := f.settled(t, "evt_flaky")
			mu.Lock()
			defer mu.Unlock()
			if r.State != "processed" || r.Attempts != 3 || calls != 3 || r.LastError != "" || r.ProcessedAt == nil {
				t.Fatalf("record %+v after %d calls, want processed on the 3rd attempt with the error cleared", r, calls)
			}
			if seen.ID != "evt_flaky" || seen.Type != "charge.succeeded" || string(seen.Object) != `{"id":"obj_1","amount":42}` {
				t.Fatalf("handler saw %+v, want the event with its data.object", seen)
			}
		})
	}
}

func TestHandlerThatKeepsFailingIsListedAsFailed(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			f := newFixture(t, db, 3, map[string]webhook.Handler{
				"charge.succeeded": func(context.Context, webhook.Event) error { return errors.New("downstream refused") },
			})
			f.receive(t, "evt_doomed", "charge.succeeded")
			f.receive(t, "evt_other", "customer.created")
			r := f.settled(t, "evt_doomed")
			if r.State != "failed" || r.Attempts != 3 || r.LastError != "downstream refused" {
				t.Fatalf("record %+v, want failed after 3 attempts with the last error", r)
			}
			failed, _, err := f.lister.List(context.Background(), "failed", 10, "")
			if err != nil || len(failed) != 1 || failed[0].ID != "evt_doomed" {
				t.Fatalf("failed events: %+v %v, want evt_doomed alone", failed, err)
			}
			if r := f.settled(t, "evt_other"); r.State != "ignored" {
				t.Fatalf("event with no handler: %+v, want ignored", r)
			}
		})
	}
}

func TestListPages(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			f := newFixture(t, db, 1, nil)
			for i := range 7 {
				f.receive(t, fmt.Sprintf("evt_page_%d", i), "customer.created")
			}
			seen := map[string]bool{}
			token := ""
			for pages := 0; ; pages++ {
				recs, next, err := f.lister.List(context.Background(), "", 3, token)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range recs {
					if seen[r.ID] {
						t.Fatalf("%s listed twice", r.ID)
					}
					seen[r.ID] = true
				}
				if token = next; token == "" {
					if pages != 2 || len(seen) != 7 {
						t.Fatalf("%d pages, %d events; want 3 pages with all 7", pages+1, len(seen))
					}
					break
				}
			}
			if _, _, err := f.lister.List(context.Background(), "", 3, "garbage!"); err == nil {
				t.Fatal("a forged page token was accepted")
			}
		})
	}
}
