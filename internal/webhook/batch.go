package webhook

import (
	"context"
	"fmt"
	"sync"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/riverqueue/river"

	"github.com/idgate/idgate/ent/stripeevent"
	"github.com/idgate/idgate/internal/config"
	"github.com/idgate/idgate/internal/store"
)

// Batching is how intake groups deliveries that arrive together into one transaction
// (group commit).
type Batching struct {
	// Window is how long the first delivery of a batch waits for others to join it.
	Window time.Duration
	// Max deliveries make a full batch, which is stored without waiting out the window.
	Max int
	// Writers is how many batches PostgreSQL stores at once (0 is 1). SQLite has one writer.
	Writers int
}

// writers is how many batches are stored at once.
func (b Batching) writers(dialect string) int {
	if dialect == config.DialectPostgres {
		return max(b.Writers, 1)
	}
	return 1
}

// delivery is one verified delivery waiting for its batch to be stored.
type delivery struct {
	ep         Endpoint
	ev         header
	payload    []byte
	receivedAt time.Time
	done       chan result // buffered: the batch never waits for its deliveries
	twins      []*delivery // later deliveries of the same event in the same batch
	duplicate  bool        // set by insert: the event was already stored
}

type result struct {
	r   Receipt
	err error
}

func (d *delivery) answer(err error) {
	d.done <- result{Receipt{EventID: d.ev.ID, Type: d.ev.Type, Duplicate: d.duplicate}, err}
	for _, t := range d.twins {
		t.done <- result{Receipt{EventID: t.ev.ID, Type: t.ev.Type, Duplicate: true}, err}
	}
}

// committer gathers items (deliveries, outcomes) into batches. The first item of a batch
// leads it: it waits out the window (or until the batch is full), then for a free writer,
// while more items may still join, and then stores the batch. store answers every item of
// its batch with that batch's result.
type committer[T any] struct {
	batching Batching
	writers  chan struct{} // a batch holds one while it is stored
	store    func(ctx context.Context, items []T)

	mu   sync.Mutex
	open *batch[T] // the batch new items join; nil when none is gathering
}

type batch[T any] struct {
	ds   []T
	full chan struct{} // closed when the batch reached Batching.Max
}

func newCommitter[T any](b Batching, dialect string, store func(context.Context, []T)) *committer[T] {
	return &committer[T]{batching: b, writers: make(chan struct{}, b.writers(dialect)), store: store}
}

// add puts d in the gathering batch, and stores that batch when d leads it; the caller
// then waits for d's answer. An item whose caller went away stays in its batch: the
// others are stored as if it were there, and so is it.
func (c *committer[T]) add(ctx context.Context, d T) {
	c.mu.Lock()
	b := c.open
	lead := b == nil
	if lead {
		b = &batch[T]{full: make(chan struct{})}
		c.open = b
	}
	b.ds = append(b.ds, d)
	if len(b.ds) >= c.batching.Max {
		c.open = nil
		close(b.full)
	}
	c.mu.Unlock()
	if lead {
		// The leader stores everyone's items: its own caller leaving must not stop it.
		c.lead(context.WithoutCancel(ctx), b)
	}
}

func (c *committer[T]) lead(ctx context.Context, b *batch[T]) {
	t := time.NewTimer(c.batching.Window)
	select {
	case <-t.C:
	case <-b.full:
	}
	t.Stop()
	c.writers <- struct{}{}
	defer func() { <-c.writers }()
	c.mu.Lock()
	if c.open == b {
		c.open = nil
	}
	ds := b.ds
	c.mu.Unlock()
	c.store(ctx, ds)
}

// submit stores d with the deliveries that arrive with it and waits for its result, or
// for ctx to end (Stripe's next delivery of it is then a duplicate).
func (in *Intake) submit(ctx context.Context, d *delivery) (Receipt, error) {
	in.batches.add(ctx, d)
	select {
	case o := <-d.done:
		return o.r, o.err
	case <-ctx.Done():
		return Receipt{}, fmt.Errorf("wait for the event to be stored: %w", ctx.Err())
	}
}

// storeBatch stores a batch in one transaction and answers each of its deliveries. A
// delivery of an event stored before, or earlier in the same batch, is a duplicate. When
// the transaction fails for anything but an outage, each event is stored alone, so that
// one bad row fails only its own delivery; an outage fails them all, as it would have.
func (in *Intake) storeBatch(ctx context.Context, ds []*delivery) {
	first := make(map[string]*delivery, len(ds))
	unique := make([]*delivery, 0, len(ds))
	for _, d := range ds {
		if f := first[d.ev.ID]; f != nil {
			f.twins = append(f.twins, d)
			continue
		}
		first[d.ev.ID] = d
		unique = append(unique, d)
	}
	err := in.insert(ctx, unique)
	if err != nil && len(unique) > 1 && !store.Unavailable(err) {
		for _, d := range unique {
			d.answer(in.insert(ctx, []*delivery{d}))
		}
		return
	}
	for _, d := range unique {
		d.answer(err)
	}
}

// insert stores the events of ds (distinct ids) that are not stored yet, with their
// processing jobs, in one transaction, and marks the others duplicates.
func (in *Intake) insert(ctx context.Context, ds []*delivery) error {
	d := dialect.SQLite
	if in.store.Dialect == config.DialectPostgres {
		d = dialect.Postgres
	}
	q := entsql.Dialect(d).Insert(stripeevent.Table).Columns(
		stripeevent.FieldID, stripeevent.FieldEndpoint, stripeevent.FieldType, stripeevent.FieldAccount,
		stripeevent.FieldLivemode, stripeevent.FieldAPIVersion, stripeevent.FieldStripeCreatedAt,
		stripeevent.FieldPayload, stripeevent.FieldReceivedAt, stripeevent.FieldState,
		stripeevent.FieldAttempts, stripeevent.FieldOutcome, stripeevent.FieldLastError)
	for _, d := range ds {
		q.Values(d.ev.ID, string(d.ep), d.ev.Type, d.ev.Account, d.ev.Livemode, d.ev.APIVersion,
			time.Unix(d.ev.Created, 0).UTC(), d.payload, d.receivedAt, stripeevent.StatePending.String(), 0, "", "")
	}
	query, args := q.OnConflict(entsql.ConflictColumns(stripeevent.FieldID), entsql.DoNothing()).
		Returning(stripeevent.FieldID).Query()
	return in.store.InTx(ctx, func(tx store.Tx) error {
		stored, err := insertedIDs(ctx, tx, query, args)
		if err != nil {
			return fmt.Errorf("store events: %w", err)
		}
		ids := make([]string, 0, len(stored))
		for _, d := range ds {
			d.duplicate = !stored[d.ev.ID]
			if !d.duplicate {
				ids = append(ids, d.ev.ID)
			}
		}
		if len(ids) == 0 {
			return nil
		}
		// One job processes the batch's events (each still an attempt of its own, see
		// Processor.Work): on SQLite River inserts and completes jobs one statement each.
		if _, err := in.jobs.InsertTx(ctx, tx.SQL, ProcessArgs{EventIDs: ids}, &river.InsertOpts{MaxAttempts: in.attempts}); err != nil {
			return fmt.Errorf("enqueue events: %w", err)
		}
		return nil
	})
}

// insertedIDs runs an INSERT … RETURNING id and returns the ids it inserted.
func insertedIDs(ctx context.Context, tx store.Tx, query string, args []any) (map[string]bool, error) {
	rows, err := tx.SQL.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids[id] = true
	}
	return ids, rows.Err()
}
