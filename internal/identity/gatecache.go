package identity

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/riverqueue/river"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/ent/customer"
	"github.com/idgate/idgate/ent/gatechange"
	"github.com/idgate/idgate/ent/hook"
	"github.com/idgate/idgate/internal/auth"
	"github.com/idgate/idgate/internal/clock"
	"github.com/idgate/idgate/internal/store"
)

// GateBound is how long after another replica commits a change to a customer's gate
// columns this replica may still answer from what it held before: while its last
// successful read of the change feed started longer ago than this, the gate reads the
// database instead.
const GateBound = time.Second

// gapWait is how long the feed reader waits for a feed id below one it has read (a
// transaction that took its id earlier and commits later) before passing over it.
const gapWait = 10 * time.Second

// gateColumns are the customer columns a gate answer depends on.
var gateColumns = []string{customer.FieldSubaccountID, customer.FieldIdentityVerificationRequired, customer.FieldIdentityStatus, customer.FieldIdentityLastErrorCode, customer.FieldIdentityVerificationPath}

// gateEntry is one customer's gate columns.
type gateEntry struct {
	subaccount string
	required   bool
	status     *string
	code       string
	path       Path
}

// gateCache is the gate's in-process state. Invalidation is one mechanism: an ent hook on
// every Customer mutation that touches gateColumns appends the customer to the
// gate_changes feed inside the committing transaction and evicts it here once the commit
// returns; every replica reads the feed every poll interval and evicts what others
// changed. Fills are guarded by a generation taken before the database read, so a read
// that raced an eviction is never stored.
type gateCache struct {
	entries *lru.Cache[string, gateEntry] // nil: no cache
	clock   clock.Clock
	store   *store.Store
	log     *slog.Logger

	mu  sync.Mutex // orders fills against evictions
	gen uint64     // bumped by every eviction

	hits   atomic.Uint64
	fresh  atomic.Int64 // clock time (ns) at which the last successful feed read started; 0: never
	cursor int          // every feed id ≤ cursor has been read (poller only)
	seen   map[int]time.Time
}

func newGateCache(st *store.Store, clk clock.Clock, log *slog.Logger) *gateCache {
	return &gateCache{clock: clk, store: st, log: log, seen: map[int]time.Time{}}
}

// size bounds the cache to n customers (0: none), before it serves.
func (g *gateCache) size(n int) {
	g.entries = nil
	if n > 0 {
		g.entries, _ = lru.New[string, gateEntry](n) // errors only for n <= 0
	}
}

// usable reports whether cached entries may answer now.
func (g *gateCache) usable() bool {
	f := g.fresh.Load()
	return g.entries != nil && f != 0 && g.clock.Now().Sub(time.Unix(0, f)) <= GateBound
}

func (g *gateCache) get(id string) (gateEntry, bool) {
	if !g.usable() {
		return gateEntry{}, false
	}
	e, ok := g.entries.Get(id)
	if ok {
		g.hits.Add(1)
	}
	return e, ok
}

// generation is taken before a database read whose result may be stored with fill.
func (g *gateCache) generation() uint64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.gen
}

// fill stores what a read begun at generation gen found, unless anything was evicted since.
func (g *gateCache) fill(id string, e gateEntry, gen uint64) {
	if !g.usable() {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.gen == gen {
		g.entries.Add(id, e)
	}
}

func (g *gateCache) evict(ids ...string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.gen++
	if g.entries != nil {
		for _, id := range ids {
			g.entries.Remove(id)
		}
	}
}

func (g *gateCache) purge() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.gen++
	if g.entries != nil {
		g.entries.Purge()
	}
}

// hook sees every Customer mutation. One that touches gateColumns must run inside a
// transaction; at its commit the changed customers are appended to the feed (in the
// transaction) and evicted here (after it, whatever the commit's outcome).
func (g *gateCache) hook(next ent.Mutator) ent.Mutator {
	return hook.CustomerFunc(func(ctx context.Context, m *ent.CustomerMutation) (ent.Value, error) {
		if m.Op().Is(ent.OpCreate) || !touchesGate(m) { // a new customer was never cached
			return next.Mutate(ctx, m)
		}
		tx, err := m.Tx()
		if err != nil {
			return nil, fmt.Errorf("a change to a customer's gate columns must run in store.InTx: %w", err)
		}
		ids, err := m.IDs(ctx)
		if err != nil {
			return nil, fmt.Errorf("gate change: %w", err)
		}
		v, err := next.Mutate(ctx, m)
		if err != nil || len(ids) == 0 {
			return v, err
		}
		tx.OnCommit(func(next ent.Committer) ent.Committer {
			return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
				now := g.clock.Now().UTC()
				rows := make([]*ent.GateChangeCreate, len(ids))
				for i, id := range ids {
					rows[i] = tx.GateChange.Create().SetCustomerID(id).SetCreatedAt(now)
				}
				if err := tx.GateChange.CreateBulk(rows...).Exec(ctx); err != nil {
					return fmt.Errorf("gate change feed: %w", err)
				}
				err := next.Commit(ctx, tx)
				g.evict(ids...) // also when the commit's outcome is unknown
				return err
			})
		})
		return v, nil
	})
}

func touchesGate(m *ent.CustomerMutation) bool {
	if m.Op().Is(ent.OpDelete | ent.OpDeleteOne) {
		return true
	}
	for _, f := range gateColumns {
		if _, set := m.Field(f); set || m.FieldCleared(f) {
			return true
		}
	}
	return false
}

// follow reads the feed every interval until ctx ends.
func (g *gateCache) follow(ctx context.Context, every time.Duration) error {
	ctx = auth.WithActor(ctx, auth.System)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := g.poll(ctx); err != nil && ctx.Err() == nil {
			g.log.WarnContext(ctx, "gate change feed unreadable: the gate reads the database until it is back", "error", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// poll evicts every customer changed in the feed since the last read. The first read, and
// the first after the feed was unreadable for longer than GateBound, drop the whole cache:
// what changed meanwhile may already be pruned from the feed.
func (g *gateCache) poll(ctx context.Context) error {
	start := g.clock.Now()
	last := g.fresh.Load()
	if last == 0 {
		n, err := g.store.Reader.GateChange.Query().Order(ent.Desc(gatechange.FieldID)).FirstID(ctx)
		if err != nil && !ent.IsNotFound(err) {
			return fmt.Errorf("gate feed position: %w", err)
		}
		g.cursor = n
	}
	for {
		rows, err := g.store.Reader.GateChange.Query().Where(gatechange.IDGT(g.cursor)).
			Order(ent.Asc(gatechange.FieldID)).Limit(1000).All(ctx)
		if err != nil {
			return err
		}
		var ids []string
		for _, r := range rows {
			if _, done := g.seen[r.ID]; !done {
				g.seen[r.ID] = start
				ids = append(ids, r.CustomerID)
			}
		}
		if len(ids) > 0 {
			g.evict(ids...)
		}
		g.advance(start)
		if len(rows) < 1000 {
			break
		}
	}
	if last == 0 || start.Sub(time.Unix(0, last)) > GateBound {
		g.purge()
	}
	g.fresh.Store(start.UnixNano())
	return nil
}

// advance moves the cursor over the ids read, and over a missing id once an id above it
// has waited gapWait (its transaction rolled back, or took longer than that to commit).
func (g *gateCache) advance(now time.Time) {
	for len(g.seen) > 0 {
		next := g.cursor + 1
		if _, ok := g.seen[next]; ok {
			delete(g.seen, next)
			g.cursor = next
			continue
		}
		lowest, at := 0, now
		for id, t := range g.seen {
			if lowest == 0 || id < lowest {
				lowest, at = id, t
			}
		}
		if now.Sub(at) < gapWait {
			return
		}
		g.cursor = lowest - 1
	}
}

// GatePruneArgs is the periodic job that deletes gate feed entries every replica has
// long read.
type GatePruneArgs struct{}

// Kind names the job.
func (GatePruneArgs) Kind() string { return "gate_prune_changes" }

// GatePruneWorker works GatePruneArgs jobs.
type GatePruneWorker struct {
	river.WorkerDefaults[GatePruneArgs]
	s *Service
}

// NewGatePruneWorker returns the worker.
func NewGatePruneWorker(s *Service) *GatePruneWorker { return &GatePruneWorker{s: s} }

// Work deletes feed entries older than an hour.
func (w *GatePruneWorker) Work(ctx context.Context, _ *river.Job[GatePruneArgs]) error {
	_, err := w.s.store.Ent.GateChange.Delete().Where(gatechange.CreatedAtLT(w.s.now().Add(-time.Hour))).Exec(ctx)
	return err
}

// GateCacheHits counts the gate checks answered from the in-process state.
func (s *Service) GateCacheHits() uint64 { return s.gate.hits.Load() }

// FollowGateChanges keeps the gate's in-process state in step with other replicas' changes
// until ctx ends; every replica runs it.
func (s *Service) FollowGateChanges(ctx context.Context, every time.Duration) error {
	return s.gate.follow(ctx, every)
}
