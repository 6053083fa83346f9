package identity

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

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

// gateKey is a customer id as a map key without pointers, and packed a gateEntry without
// them, so that the garbage collector never walks the cache: a million customers' worth
// of strings made every collection walk a million objects, and the gate slower the more
// customers it held. Ids are at most 32 bytes (store.NewID makes 31) and hold no NUL;
// others are never cached.
type gateKey [32]byte

func keyOf(id string) (gateKey, bool) {
	var k gateKey
	if len(id) > len(k) || strings.IndexByte(id, 0) >= 0 {
		return k, false
	}
	copy(k[:], id)
	return k, true
}

// packed is a gateEntry whose strings are indexes into gateCache.strs (status: 0 is NULL,
// else index+1).
type packed struct {
	subaccount, code, status, path uint32
	required                       bool
}

// gateCache is the gate's in-process state: every customer's gate columns, up to a
// capacity, loaded in bulk when the replica starts (and again after it lost the change
// feed) and filled on a miss. Invalidation is one mechanism: an ent hook on every Customer
// mutation that touches gateColumns appends the customer to the gate_changes feed inside
// the committing transaction and evicts it here once the commit returns; every replica
// reads the feed every poll interval and evicts what others changed. A read that raced an
// eviction of what it read is never stored: single fills are guarded by a generation taken
// before the read, bulk pages by the set of customers evicted while the page was read.
type gateCache struct {
	clock clock.Clock
	store *store.Store
	log   *slog.Logger

	mu       sync.RWMutex
	entries  map[gateKey]packed // nil: no cache
	strs     []string           // interned subaccount ids, statuses and error codes
	index    map[string]uint32  // strs' indexes
	capacity int
	gen      uint64              // bumped by every eviction
	dirty    map[string]struct{} // evicted while a bulk page is read; nil when none is
	dropped  bool                // the cache was purged while a bulk page was read

	hits   atomic.Uint64
	fresh  atomic.Int64  // clock time (ns) at which the last successful feed read started; 0: never
	reload chan struct{} // the poller asks the loader for a bulk load
	cursor int           // every feed id ≤ cursor has been read (poller only)
	seen   map[int]time.Time
}

func newGateCache(st *store.Store, clk clock.Clock, log *slog.Logger) *gateCache {
	return &gateCache{clock: clk, store: st, log: log, seen: map[int]time.Time{}, reload: make(chan struct{}, 1)}
}

// size bounds the cache to n customers (0: none), before it serves.
func (g *gateCache) size(n int) {
	g.entries, g.capacity = nil, n
	if n > 0 {
		g.entries, g.index = map[gateKey]packed{}, map[string]uint32{}
	}
}

// usable reports whether cached entries may answer now.
func (g *gateCache) usable() bool {
	f := g.fresh.Load()
	return g.entries != nil && f != 0 && g.clock.Now().Sub(time.Unix(0, f)) <= GateBound
}

func (g *gateCache) get(id string) (gateEntry, bool) {
	k, ok := keyOf(id)
	if !ok || !g.usable() {
		return gateEntry{}, false
	}
	g.mu.RLock()
	p, ok := g.entries[k]
	var e gateEntry
	if ok {
		e = gateEntry{subaccount: g.strs[p.subaccount], required: p.required, code: g.strs[p.code], path: Path(g.strs[p.path])}
		if p.status > 0 {
			st := g.strs[p.status-1]
			e.status = &st
		}
	}
	g.mu.RUnlock()
	if ok {
		g.hits.Add(1)
	}
	return e, ok
}

// generation is taken before a database read whose result may be stored with fill.
func (g *gateCache) generation() uint64 {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.gen
}

// fill stores what a read begun at generation gen found, unless anything was evicted since
// or the cache is full.
func (g *gateCache) fill(id string, e gateEntry, gen uint64) {
	if !g.usable() {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.gen == gen {
		g.put(id, e)
	}
}

// put stores e under g.mu, within capacity.
func (g *gateCache) put(id string, e gateEntry) {
	k, ok := keyOf(id)
	if !ok {
		return
	}
	if _, held := g.entries[k]; !held && len(g.entries) >= g.capacity {
		return
	}
	p := packed{subaccount: g.intern(e.subaccount), code: g.intern(e.code), path: g.intern(string(e.path)), required: e.required}
	if e.status != nil {
		p.status = g.intern(*e.status) + 1
	}
	g.entries[k] = p
}

// intern is s's index in g.strs, under g.mu.
func (g *gateCache) intern(s string) uint32 {
	i, ok := g.index[s]
	if !ok {
		i = uint32(len(g.strs))
		g.strs = append(g.strs, strings.Clone(s))
		g.index[s] = i
	}
	return i
}

// beginPage starts recording evictions before a bulk page is read.
func (g *gateCache) beginPage() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.dirty, g.dropped = map[string]struct{}{}, false
}

// endPage stores a bulk page read since beginPage, but for the customers evicted
// meanwhile; it reports whether the cache has room for more.
func (g *gateCache) endPage(ids []string, rows []gateEntry) bool {
	usable := g.usable()
	g.mu.Lock()
	defer g.mu.Unlock()
	if usable && !g.dropped {
		for i, id := range ids {
			if _, evicted := g.dirty[id]; !evicted {
				g.put(id, rows[i])
			}
		}
	}
	g.dirty = nil
	return len(g.entries) < g.capacity
}

func (g *gateCache) evict(ids ...string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.gen++
	for _, id := range ids {
		if k, ok := keyOf(id); ok {
			delete(g.entries, k)
		}
		if g.dirty != nil {
			g.dirty[id] = struct{}{}
		}
	}
}

func (g *gateCache) purge() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.gen++
	clear(g.entries)
	g.dropped = true
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

// follow reads the feed every interval until ctx ends, and loads the gate state in bulk
// beside it whenever poll asks.
func (g *gateCache) follow(ctx context.Context, every time.Duration) error {
	ctx = auth.WithActor(ctx, auth.System)
	if g.entries != nil {
		done := make(chan struct{})
		go func() { defer close(done); g.loader(ctx) }()
		defer func() { <-done }()
	}
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

// loadPage is how many customers a bulk load reads per query.
const loadPage = 10_000

// loader runs a bulk load each time poll asks for one, until ctx ends.
func (g *gateCache) loader(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-g.reload:
		}
		if err := g.load(ctx); err != nil && ctx.Err() == nil {
			g.log.WarnContext(ctx, "gate state not loaded in bulk: checks of customers not yet held read the database", "error", err)
		}
	}
}

// load reads every customer's gate columns, in pages ordered by id, until the cache is full.
func (g *gateCache) load(ctx context.Context) error {
	stmt, err := g.store.PrepareRead(ctx, "SELECT id, "+strings.Join(gateColumns, ", ")+" FROM customers WHERE id > ? ORDER BY id LIMIT ?")
	if err != nil {
		return fmt.Errorf("prepare gate load: %w", err)
	}
	defer stmt.Close()
	ids := make([]string, 0, loadPage)
	rows := make([]gateEntry, 0, loadPage)
	for after := ""; ; after = ids[len(ids)-1] {
		ids, rows = ids[:0], rows[:0]
		g.beginPage()
		if err := readPage(ctx, stmt, after, &ids, &rows); err != nil {
			g.endPage(nil, nil)
			return err
		}
		if room := g.endPage(ids, rows); !room || len(ids) < loadPage {
			return nil
		}
	}
}

func readPage(ctx context.Context, stmt *sql.Stmt, after string, ids *[]string, rows *[]gateEntry) error {
	r, err := stmt.QueryContext(ctx, after, loadPage)
	if err != nil {
		return fmt.Errorf("gate load: %w", err)
	}
	defer r.Close()
	for r.Next() {
		var (
			id, sub, code string
			path          Path
			required      bool
			status        sql.NullString
		)
		if err := r.Scan(&id, &sub, &required, &status, &code, &path); err != nil {
			return fmt.Errorf("gate load: %w", err)
		}
		var st *string
		if status.Valid {
			st = &status.String
		}
		*ids = append(*ids, id)
		*rows = append(*rows, gateEntry{subaccount: sub, required: required, status: st, code: code, path: path})
	}
	if err := r.Err(); err != nil {
		return fmt.Errorf("gate load: %w", err)
	}
	return nil
}

// poll evicts every customer changed in the feed since the last read. The first read, and
// the first after the feed was unreadable for longer than GateBound, drop the whole cache
// (what changed meanwhile may already be pruned from the feed) and ask for a bulk load.
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
	reload := last == 0 || start.Sub(time.Unix(0, last)) > GateBound
	if reload {
		g.purge()
	}
	g.fresh.Store(start.UnixNano())
	if reload && g.entries != nil {
		select {
		case g.reload <- struct{}{}:
		default: // one is already asked for
		}
	}
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

// GateCacheEntries is how many customers the in-process state holds.
func (s *Service) GateCacheEntries() int {
	s.gate.mu.RLock()
	defer s.gate.mu.RUnlock()
	return len(s.gate.entries)
}

// FollowGateChanges keeps the gate's in-process state in step with other replicas' changes
// until ctx ends; every replica runs it.
func (s *Service) FollowGateChanges(ctx context.Context, every time.Duration) error {
	return s.gate.follow(ctx, every)
}
