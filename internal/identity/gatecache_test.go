package identity

import (
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/idgate/idgate/internal/clock"
	"github.com/idgate/idgate/internal/store"
	"github.com/idgate/idgate/internal/testenv"
)

func freshGateCache(t *testing.T) (*gateCache, *clock.Fake) {
	t.Helper()
	clk := &clock.Fake{}
	g := newGateCache(nil, clk, slog.New(slog.DiscardHandler))
	g.size(10)
	g.fresh.Store(clk.Now().UnixNano()) // as after a successful feed read
	return g, clk
}

// TestGateEntryKeepsEveryField: what the cache answers is what was stored, field for field,
// for every field of gateEntry (each set to a value other than its zero, by reflection, so
// a field added to the gate's state and not packed fails here).
func TestGateEntryKeepsEveryField(t *testing.T) {
	g, _ := freshGateCache(t)
	var want gateEntry
	v := reflect.ValueOf(&want).Elem()
	for i := range v.NumField() {
		f := reflect.NewAt(v.Field(i).Type(), v.Field(i).Addr().UnsafePointer()).Elem()
		name := v.Type().Field(i).Name
		switch f.Kind() {
		case reflect.String:
			f.SetString("x_" + name)
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Pointer:
			if f.Type().Elem().Kind() != reflect.String {
				t.Fatalf("gateEntry.%s: teach this test its type %s", name, f.Type())
			}
			s := "x_" + name
			f.Set(reflect.ValueOf(&s))
		default:
			t.Fatalf("gateEntry.%s: teach this test its type %s", name, f.Type())
		}
	}
	for _, via := range []string{"fill", "bulk page"} {
		id := "cust_" + strings.ReplaceAll(via, " ", "_")
		if via == "fill" {
			g.fill(id, want, g.generation())
		} else {
			g.beginPage()
			g.endPage([]string{id}, []gateEntry{want})
		}
		got, ok := g.get(id)
		if !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("after %s: %+v (cached %v), want %+v", via, got, ok, want)
		}
	}
}

// A read that began before an eviction of its customer must not store what it read: the
// row it holds may be the one the eviction was for.
func TestGateFillAfterEvictionIsDropped(t *testing.T) {
	g, _ := freshGateCache(t)
	old := gateEntry{subaccount: "sa_1"}
	gen := g.generation()
	g.evict("cust_1") // a commit requiring verification lands while the read is in flight
	g.fill("cust_1", old, gen)
	if _, ok := g.get("cust_1"); ok {
		t.Fatal("a read begun before an eviction was cached after it")
	}
	gen = g.generation()
	g.fill("cust_1", old, gen)
	if _, ok := g.get("cust_1"); !ok {
		t.Fatal("a read with no eviction since was not cached")
	}
}

// Ids that do not fit the cache's pointer-free key (over 32 bytes, or holding a NUL, which
// would read as the key's padding) are never answered from it: "cust_1\x00" is not cust_1.
func TestGateKeyNeverAliases(t *testing.T) {
	g, _ := freshGateCache(t)
	g.fill("cust_1", gateEntry{subaccount: "sa_1"}, g.generation())
	long := "cust_" + strings.Repeat("x", 28)
	g.fill(long, gateEntry{subaccount: "sa_1"}, g.generation())
	for _, id := range []string{"cust_1\x00", long} {
		if _, ok := g.get(id); ok {
			t.Errorf("get(%q) answered from the cache", id)
		}
	}
	if e, ok := g.get("cust_1"); !ok || e.subaccount != "sa_1" {
		t.Fatalf("get(cust_1) = %+v, %v; want sa_1's entry", e, ok)
	}
}

// A bulk page stores what it read but for the customers evicted while it was read, and
// nothing when the cache was dropped meanwhile; the cache stops at its capacity.
func TestGateBulkPageRacingEvictions(t *testing.T) {
	g, _ := freshGateCache(t)
	e := gateEntry{subaccount: "sa_1"}
	g.beginPage()
	g.evict("cust_2") // committed while the page was read
	g.endPage([]string{"cust_1", "cust_2"}, []gateEntry{e, e})
	if _, ok := g.get("cust_1"); !ok {
		t.Fatal("a bulk page did not store a customer nothing evicted")
	}
	if _, ok := g.get("cust_2"); ok {
		t.Fatal("a bulk page stored a customer evicted while it was read")
	}

	g.beginPage()
	g.purge()
	g.endPage([]string{"cust_3"}, []gateEntry{e})
	if _, ok := g.get("cust_3"); ok {
		t.Fatal("a bulk page read across a purge was stored")
	}

	ids := make([]string, 12)
	rows := make([]gateEntry, 12)
	for i := range ids {
		ids[i], rows[i] = fmt.Sprintf("cust_%d", 10+i), e
	}
	g.beginPage()
	if room := g.endPage(ids, rows); room {
		t.Fatal("endPage reports room after 12 customers in a cache of 10")
	}
	if n := len(g.entries); n != 10 {
		t.Fatalf("%d customers held, want the capacity, 10", n)
	}
}

// Past the bound since the last successful feed read, nothing is answered or stored.
func TestGateCacheUnusablePastBound(t *testing.T) {
	g, clk := freshGateCache(t)
	g.fill("cust_1", gateEntry{subaccount: "sa_1"}, g.generation())
	clk.Advance(GateBound + time.Millisecond)
	if _, ok := g.get("cust_1"); ok {
		t.Fatal("cached entry answered past the bound")
	}
	g.fill("cust_2", gateEntry{subaccount: "sa_1"}, g.generation())
	g.fresh.Store(clk.Now().UnixNano())
	if _, ok := g.get("cust_2"); ok {
		t.Fatal("an entry filled past the bound was stored")
	}
}

// The feed cursor waits at a missing id (a transaction that took it has not committed
// yet) so that it is read when it commits, and passes it after gapWait.
func TestGateFeedCursorWaitsForGaps(t *testing.T) {
	g, clk := freshGateCache(t)
	now := clk.Now()
	g.seen[1], g.seen[3] = now, now
	g.advance(now)
	if g.cursor != 1 {
		t.Fatalf("cursor %d after reading 1 and 3, want 1 (2 may still commit)", g.cursor)
	}
	g.advance(now.Add(gapWait / 2))
	if g.cursor != 1 {
		t.Fatalf("cursor %d before gapWait, want 1", g.cursor)
	}
	g.seen[2] = now.Add(gapWait / 2) // 2 committed and was read
	g.advance(now.Add(gapWait / 2))
	if g.cursor != 3 || len(g.seen) != 0 {
		t.Fatalf("cursor %d, seen %v after 2 arrived, want 3 and none", g.cursor, g.seen)
	}
	g.seen[5] = now
	g.advance(now.Add(gapWait))
	if g.cursor != 5 {
		t.Fatalf("cursor %d after gapWait, want 5 (4 given up)", g.cursor)
	}
}

// The mechanism on a real database: a committed change to a gate column evicts locally and
// is in the feed; a change outside a transaction is refused; the prune job empties the
// feed of what is older than an hour.
func TestGateFeedOnCommit(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			ctx := testenv.System(t)
			st := testenv.Store(t, db)
			clk := &clock.Fake{}
			s := NewService(st, nil, nil, nil, nil, clk, slog.New(slog.DiscardHandler))
			s.CacheGate(10)
			if err := s.gate.poll(ctx); err != nil {
				t.Fatal(err)
			}
			if err := st.Ent.Subaccount.Create().SetID("sub_1").SetName("fleet").Exec(ctx); err != nil {
				t.Fatal(err)
			}
			if err := st.Ent.Customer.Create().SetID("cust_1").SetSubaccountID("sub_1").SetExternalID("rider").Exec(ctx); err != nil {
				t.Fatal(err)
			}
			if d, err := s.CheckAccess(ctx, "cust_1", "ride_start"); err != nil || !d.Allowed {
				t.Fatalf("CheckAccess before: %+v, %v; want allowed", d, err)
			}
			if _, ok := s.gate.get("cust_1"); !ok {
				t.Fatal("the gate did not cache what it read")
			}

			err := st.InTx(ctx, func(tx store.Tx) error {
				return tx.Customer.UpdateOneID("cust_1").SetIdentityVerificationRequired(true).Exec(ctx)
			})
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := s.gate.get("cust_1"); ok {
				t.Fatal("the committed change did not evict the customer")
			}
			if d, err := s.CheckAccess(ctx, "cust_1", "ride_start"); err != nil || d.Allowed {
				t.Fatalf("CheckAccess after the change: %+v, %v; want denied", d, err)
			}
			feed, err := st.Ent.GateChange.Query().All(ctx)
			if err != nil || len(feed) != 1 || feed[0].CustomerID != "cust_1" {
				t.Fatalf("gate_changes after one change: %v, %v; want one row for cust_1", feed, err)
			}

			if err := st.Ent.Customer.UpdateOneID("cust_1").SetIdentityVerificationRequired(false).Exec(ctx); err == nil {
				t.Fatal("a gate column changed outside a transaction, where no feed row commits with it")
			}
			// Columns the gate does not read change anywhere, and leave no feed row.
			if err := st.Ent.Customer.UpdateOneID("cust_1").SetEmail("").Exec(ctx); err != nil {
				t.Fatal(err)
			}

			clk.Advance(2 * time.Hour)
			if err := NewGatePruneWorker(s).Work(ctx, nil); err != nil {
				t.Fatal(err)
			}
			if n, err := st.Ent.GateChange.Query().Count(ctx); err != nil || n != 0 {
				t.Fatalf("gate_changes after pruning: %d, %v; want 0", n, err)
			}
		})
	}
}

// The bulk load on a real database: after the first feed read, every customer's gate
// columns are held (across tenants: tenancy is checked on each answer), and answer as the
// database does.
func TestGateBulkLoad(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			ctx := testenv.System(t)
			st := testenv.Store(t, db)
			s := NewService(st, nil, nil, nil, nil, &clock.Fake{}, slog.New(slog.DiscardHandler))
			s.CacheGate(10)
			for _, sub := range []string{"sub_1", "sub_2"} {
				if err := st.Ent.Subaccount.Create().SetID(sub).SetName(sub).Exec(ctx); err != nil {
					t.Fatal(err)
				}
			}
			want := map[string]bool{"cust_1": true, "cust_2": false, "cust_3": true}
			for id, allowed := range want {
				sub := "sub_1"
				if id == "cust_3" {
					sub = "sub_2"
				}
				if err := st.Ent.Customer.Create().SetID(id).SetSubaccountID(sub).SetExternalID(id).SetIdentityVerificationRequired(!allowed).Exec(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.gate.poll(ctx); err != nil {
				t.Fatal(err)
			}
			select {
			case <-s.gate.reload:
			default:
				t.Fatal("the first feed read did not ask for a bulk load")
			}
			if err := s.gate.load(ctx); err != nil {
				t.Fatal(err)
			}
			if n := s.GateCacheEntries(); n != len(want) {
				t.Fatalf("%d customers held after the bulk load, want %d", n, len(want))
			}
			for id, allowed := range want {
				before := s.GateCacheHits()
				d, err := s.CheckAccess(ctx, id, "ride_start")
				if err != nil || d.Allowed != allowed {
					t.Fatalf("CheckAccess %s: %+v, %v; want allowed=%v", id, d, err, allowed)
				}
				if s.GateCacheHits() != before+1 {
					t.Fatalf("CheckAccess %s was not answered from the bulk-loaded state", id)
				}
			}
		})
	}
}
