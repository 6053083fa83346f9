package webhook_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/idgate/idgate/internal/testenv"
	"github.com/idgate/idgate/internal/webhook"
)

func TestSupersedes(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	v := func(at time.Time, status, detail, tie string) webhook.Version {
		return webhook.SessionOrder.Version(webhook.Event{ID: tie, Created: at}, status, detail)
	}
	latest, earliest := webhook.Order{}, webhook.Order{Earliest: true}
	for _, tc := range []struct {
		name        string
		order       webhook.Order
		applied, in webhook.Version
		want        bool
	}{
		{"nothing applied yet", webhook.SessionOrder, webhook.Version{}, v(t0, "processing", "", "evt_a"), true},
		{"later second", webhook.SessionOrder, v(t0, "processing", "", "evt_b"), v(t0.Add(time.Second), "requires_input", "", "evt_a"), true},
		{"older after newer", webhook.SessionOrder, v(t0.Add(time.Second), "requires_input", "", "evt_a"), v(t0, "processing", "", "evt_b"), false},
		{"same second, sub-second order does not count", webhook.SessionOrder, v(t0.Add(900*time.Millisecond), "processing", "", "evt_a"), v(t0, "processing", "", "evt_b"), true},
		{"same second, further along wins", webhook.SessionOrder, v(t0, "requires_input", "document_expired", "evt_z"), v(t0, "processing", "", "evt_a"), false},
		{"same second, further along wins (other way)", webhook.SessionOrder, v(t0, "processing", "", "evt_a"), v(t0, "requires_input", "document_expired", "evt_z"), true},
		{"same second, back with an error beats waiting", webhook.SessionOrder, v(t0, "requires_input", "", "evt_z"), v(t0, "requires_input", "selfie_mismatch", "evt_a"), true},
		{"same second and rank: greater tie wins", webhook.SessionOrder, v(t0, "processing", "", "evt_a"), v(t0, "processing", "", "evt_b"), true},
		{"same second and rank: smaller tie loses", webhook.SessionOrder, v(t0, "processing", "", "evt_b"), v(t0, "processing", "", "evt_a"), false},
		{"the same event again", webhook.SessionOrder, v(t0, "processing", "", "evt_a"), v(t0, "processing", "", "evt_a"), false},
		{"verified is terminal", webhook.SessionOrder, v(t0, "verified", "", "evt_a"), v(t0.Add(time.Hour), "requires_input", "x", "evt_b"), false},
		{"canceled is terminal", webhook.SessionOrder, v(t0, "canceled", "", "evt_a"), v(t0.Add(time.Hour), "verified", "", "evt_b"), false},
		{"a terminal state arriving late is the last word", webhook.SessionOrder, v(t0.Add(time.Hour), "requires_input", "x", "evt_z"), v(t0, "verified", "", "evt_a"), true},
		{"same second, terminal beats back with an error", webhook.SessionOrder, v(t0, "requires_input", "x", "evt_z"), v(t0, "canceled", "", "evt_a"), true},
		{"no rank: same second, greater tie", latest, webhook.Version{At: t0, Tie: "evt_a"}, webhook.Version{At: t0, Tie: "evt_b"}, true},
		{"earliest: an earlier second wins", earliest, webhook.Version{At: t0.Add(time.Second), Tie: "ch_a"}, webhook.Version{At: t0, Tie: "ch_b"}, true},
		{"earliest: a later second loses", earliest, webhook.Version{At: t0, Tie: "ch_b"}, webhook.Version{At: t0.Add(time.Second), Tie: "ch_a"}, false},
		{"earliest: same second, smaller tie wins", earliest, webhook.Version{At: t0, Tie: "ch_b"}, webhook.Version{At: t0, Tie: "ch_a"}, true},
		{"earliest: the same charge again", earliest, webhook.Version{At: t0, Tie: "ch_a"}, webhook.Version{At: t0, Tie: "ch_a"}, false},
		{"earliest: first one", earliest, webhook.Version{}, webhook.Version{At: t0, Tie: "ch_a"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.order.Supersedes(tc.applied, tc.in); got != tc.want {
				t.Fatalf("Supersedes(%+v, %+v) = %v, want %v", tc.applied, tc.in, got, tc.want)
			}
		})
	}
}

// Whatever order two or three versions come in, applying each through Supersedes ends in
// the same one.
func TestSupersedesIsOrderIndependent(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	ev := func(at time.Time, id string) webhook.Event { return webhook.Event{ID: id, Created: at} }
	sets := [][]webhook.Version{
		{webhook.SessionOrder.Version(ev(t0, "evt_c"), "processing", ""), webhook.SessionOrder.Version(ev(t0, "evt_a"), "requires_input", "selfie_mismatch"), webhook.SessionOrder.Version(ev(t0, "evt_b"), "requires_input", "")},
		{webhook.SessionOrder.Version(ev(t0, "evt_c"), "processing", ""), webhook.SessionOrder.Version(ev(t0, "evt_a"), "verified", ""), webhook.SessionOrder.Version(ev(t0.Add(time.Second), "evt_b"), "requires_input", "x")},
		{webhook.SessionOrder.Version(ev(t0, "evt_a"), "processing", ""), webhook.SessionOrder.Version(ev(t0, "evt_b"), "processing", ""), webhook.SessionOrder.Version(ev(t0, "evt_c"), "processing", "")},
	}
	for i, set := range sets {
		var want webhook.Version
		for n, perm := range permutations(len(set)) {
			var applied webhook.Version
			for _, j := range perm {
				if webhook.SessionOrder.Supersedes(applied, set[j]) {
					applied = set[j]
				}
			}
			if n == 0 {
				want = applied
			} else if applied != want {
				t.Fatalf("set %d, order %v ends in %+v, order %v in %+v", i, perm, applied, permutations(len(set))[0], want)
			}
		}
	}
}

func permutations(n int) [][]int {
	if n == 1 {
		return [][]int{{0}}
	}
	var out [][]int
	for _, p := range permutations(n - 1) {
		for i := 0; i <= len(p); i++ {
			q := append(append(append([]int{}, p[:i]...), n-1), p[i:]...)
			out = append(out, q)
		}
	}
	return out
}

// The processor refuses a handler that neither applies nor skips: the event is retried
// and ends failed, named as a bug; handlers that decide end processed with their outcome.
func TestProcessorRequiresADecision(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			order := webhook.Order{}
			applied := webhook.Version{At: time.Now().Add(time.Hour), Tie: "evt_newer"}
			f := newFixture(t, db, 2, map[string]webhook.Handler{
				"customer.created": func(context.Context, webhook.Event) error { return nil },
				"customer.updated": func(ctx context.Context, _ webhook.Event) error { webhook.Skip(ctx); return nil },
				"charge.succeeded": func(ctx context.Context, ev webhook.Event) error {
					_, err := order.Apply(ctx, order.Version(ev, "", ""), func() (webhook.Version, error) { return webhook.Version{}, nil }, func() error { return nil })
					return err
				},
				"charge.updated": func(ctx context.Context, ev webhook.Event) error {
					_, err := order.Apply(ctx, order.Version(ev, "", ""), func() (webhook.Version, error) { return applied, nil }, func() error {
						t.Error("a stale event was applied")
						return nil
					})
					return err
				},
			})
			for id, typ := range map[string]string{"evt_undecided": "customer.created", "evt_skip": "customer.updated", "evt_apply": "charge.succeeded", "evt_stale": "charge.updated"} {
				f.receive(t, id, typ)
			}
			if r := f.settled(t, "evt_undecided"); r.State != "failed" || r.Attempts != 2 || !strings.Contains(r.LastError, "neither applied nor skipped") {
				t.Fatalf("undecided event: %+v, want failed after 2 attempts, named as a bug", r)
			}
			for id, want := range map[string]string{"evt_skip": "skipped", "evt_apply": "applied", "evt_stale": "stale"} {
				if r := f.settled(t, id); r.State != "processed" || r.Outcome != want {
					t.Fatalf("%s: %+v, want processed, %s", id, r, want)
				}
			}
		})
	}
}

// Settled lets a handler skip an event that is stale against a committed version read
// without the lock, which is right only if staleness never wears off: whatever is applied
// afterwards (each version applied superseding the one before), the settled event would
// not supersede it either. Checked over every sequence of applies drawn from a small set of
// versions (two seconds, each status and rank, three ties), for each kind of order.
func TestSettledStaysStale(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	orders := map[string]webhook.Order{"session": webhook.SessionOrder, "latest": {}, "earliest": {Earliest: true}}
	for name, o := range orders {
		var vs []webhook.Version
		for _, at := range []time.Time{t0, t0.Add(time.Second)} {
			for _, st := range [][2]string{{"requires_input", ""}, {"processing", ""}, {"requires_input", "x"}, {"verified", ""}, {"canceled", ""}} {
				for _, tie := range []string{"evt_a", "evt_b", "evt_c"} {
					vs = append(vs, o.Version(webhook.Event{ID: tie, Created: at}, st[0], st[1]))
				}
			}
		}
		// applied walks every chain of versions, each superseding the one before, from
		// start; it fails when in, settled against start, supersedes one of them.
		var walk func(applied, in webhook.Version, depth int)
		walk = func(applied, in webhook.Version, depth int) {
			if o.Supersedes(applied, in) {
				t.Fatalf("%s: %+v was settled as stale, then superseded %+v applied later", name, in, applied)
			}
			if depth == 0 {
				return
			}
			for _, next := range vs {
				if o.Supersedes(applied, next) {
					walk(next, in, depth-1)
				}
			}
		}
		settled := 0
		for _, start := range vs {
			for _, in := range vs {
				if o.Settled(context.Background(), start, in) {
					settled++
					walk(start, in, 2)
				}
			}
		}
		if settled == 0 {
			t.Fatalf("%s: nothing was ever settled; the check checked nothing", name)
		}
	}
}
