package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/riverqueue/river"
	"golang.org/x/sync/errgroup"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/ent/stripeevent"
	"github.com/idgate/idgate/internal/auth"
	"github.com/idgate/idgate/internal/store"
)

// Event is a stored Stripe event as handlers see it. Object is data.object, raw: each
// handler decodes only the fields it needs, so events from newer API versions still parse.
type Event struct {
	ID                 string
	Type               string
	Account            string
	Livemode           bool
	APIVersion         string
	Created            time.Time
	Object             json.RawMessage
	PreviousAttributes json.RawMessage
}

// Handler processes one event type. It must be idempotent and tolerate order: Stripe
// delivers at least once, in any order, for up to three days. It applies the event through
// its object's Order.Apply, or calls Skip; returning nil having done neither fails the
// event. An error retries the event with backoff.
type Handler func(ctx context.Context, ev Event) error

// Registry maps event types to their handlers. Types with no handler are stored and
// marked ignored.
type Registry struct{ handlers map[string]Handler }

// Types lists the event types with a handler, sorted.
func (r *Registry) Types() []string { return slices.Sorted(maps.Keys(r.handlers)) }

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{handlers: map[string]Handler{}} }

// Handle registers h for eventType. Registering a type twice is a programming error.
func (r *Registry) Handle(eventType string, h Handler) {
	if _, dup := r.handlers[eventType]; dup {
		panic("webhook: second handler for " + eventType)
	}
	r.handlers[eventType] = h
}

// ByMetadata routes an event to ifSet when its data.object carries metadata[key], else to
// otherwise: one event type, two owners (a customer's or a merchant's session).
func ByMetadata(key string, ifSet, otherwise Handler) Handler {
	return func(ctx context.Context, ev Event) error {
		var obj struct {
			Metadata map[string]string `json:"metadata"`
		}
		if json.Unmarshal(ev.Object, &obj) == nil && obj.Metadata[key] != "" {
			return ifSet(ctx, ev)
		}
		return otherwise(ctx, ev)
	}
}

// ProcessArgs is the job that processes stored events: the events of one intake batch
// (EventIDs), or one (EventID: a retry an operator asked for, or a job queued before batches).
type ProcessArgs struct {
	EventID  string   `json:"event_id,omitempty"`
	EventIDs []string `json:"event_ids,omitempty"`
}

// Kind names the job.
func (ProcessArgs) Kind() string { return "stripe_event" }

func (a ProcessArgs) ids() []string {
	if a.EventID != "" {
		return append([]string{a.EventID}, a.EventIDs...)
	}
	return a.EventIDs
}

// batchWorkers is how many of one job's events are processed at once.
const batchWorkers = 16

// Processor works ProcessArgs jobs.
type Processor struct {
	river.WorkerDefaults[ProcessArgs]
	store    *store.Store
	registry *Registry
	log      *slog.Logger
	outcomes *committer[*recording]
}

// NewProcessor returns the worker for stored events. The outcomes of events processed
// together are recorded together, in one transaction, as b says (as intake stores
// deliveries).
func NewProcessor(st *store.Store, r *Registry, log *slog.Logger, b Batching) *Processor {
	p := &Processor{store: st, registry: r, log: log}
	p.outcomes = newCommitter(b, st.Dialect, p.storeOutcomes)
	return p
}

// Work processes the job's events that are not processed yet, each as an attempt of its
// own: its handler runs and the outcome is recorded on the event. When handlers fail, their
// errors are recorded and returned so the queue retries the job, and with it only the
// events still pending (each event's attempts and backoff are the job's); after the last
// attempt they are marked failed and stay listed for operators.
func (p *Processor) Work(ctx context.Context, job *river.Job[ProcessArgs]) error {
	ids := job.Args.ids()
	// Read on a read connection: on SQLite the writer is for writes (and intake).
	rows, err := p.store.Reader.StripeEvent.Query().
		Where(stripeevent.IDIn(ids...), stripeevent.StateNotIn(stripeevent.StateProcessed, stripeevent.StateIgnored)).
		All(ctx)
	if err != nil {
		return store.MapError(err, fmt.Sprintf("stripe events %v", ids))
	}
	final := job.Attempt >= job.MaxAttempts
	var g errgroup.Group
	g.SetLimit(batchWorkers)
	errs := make([]error, len(rows))
	for i, row := range rows {
		g.Go(func() error {
			errs[i] = p.attempt(ctx, row, job.Attempt, final)
			return nil
		})
	}
	_ = g.Wait()
	return errors.Join(errs...)
}

// attempt runs the event's handler and records the outcome. A failure is returned, and
// recorded with the event left pending for the next attempt, or failed when final.
func (p *Processor) attempt(ctx context.Context, row *ent.StripeEvent, attempt int, final bool) error {
	log := p.log.With("event_id", row.ID, "event_type", row.Type, "attempt", attempt)
	h, ok := p.registry.handlers[row.Type]
	if !ok {
		return p.finish(ctx, row, stripeevent.StateIgnored, outcomeNone, "")
	}
	ev, err := decode(row)
	var o outcome
	if err == nil {
		// Changes made by the handler are audited as caused by this event.
		hctx, decision := withDecision(auth.WithActor(ctx, auth.Actor{Type: "stripe_event", ID: row.ID}))
		err = h(hctx, ev)
		if o = decision(); err == nil && o == outcomeNone {
			// Every handler goes through Order.Apply or Skip: one that does neither bypasses
			// the ordering rule, which is a bug to fix, not an event to acknowledge.
			err = fmt.Errorf("the %s handler neither applied nor skipped the event (a bug: it must use webhook.Order.Apply or webhook.Skip)", row.Type)
			log.Error("stripe event undecided", "err", err)
		}
	}
	if err == nil {
		if o == outcomeStale {
			log.Info("stale stripe event ignored")
		} else {
			log.Info("processed stripe event", "outcome", o.String())
		}
		return p.finish(ctx, row, stripeevent.StateProcessed, o, "")
	}
	state := stripeevent.StatePending
	if final {
		state = stripeevent.StateFailed
	}
	log.Warn("stripe event handler failed", "err", err, "final", final)
	if ferr := p.finish(ctx, row, state, outcomeNone, err.Error()); ferr != nil {
		log.Error("record handler failure", "err", ferr)
	}
	return fmt.Errorf("stripe event %s: %w", row.ID, err)
}

// recording is the outcome of one attempt at an event, waiting for its batch.
type recording struct {
	id        string
	state     stripeevent.State
	outcome   outcome
	lastError string
	done      chan error // buffered: the batch never waits for its recordings
}

// finish records the attempt's outcome on the event, in one transaction with the outcomes
// of other events finished meanwhile, and returns once that transaction committed.
func (p *Processor) finish(ctx context.Context, row *ent.StripeEvent, state stripeevent.State, o outcome, lastError string) error {
	r := &recording{id: row.ID, state: state, outcome: o, lastError: lastError, done: make(chan error, 1)}
	p.outcomes.add(ctx, r)
	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("record the outcome of stripe event %s: %w", row.ID, ctx.Err())
	}
}

// storeOutcomes records a batch of outcomes and answers each. When the transaction fails
// for anything but an outage, each is recorded alone, so one failure fails only its own.
func (p *Processor) storeOutcomes(ctx context.Context, rs []*recording) {
	err := p.record(ctx, rs)
	if err != nil && len(rs) > 1 && !store.Unavailable(err) {
		for _, r := range rs {
			r.done <- p.record(ctx, []*recording{r})
		}
		return
	}
	for _, r := range rs {
		r.done <- err
	}
}

// record stores the outcomes of rs in one transaction, with one UPDATE for the events
// that share an outcome (usually all of them: processed, no error).
func (p *Processor) record(ctx context.Context, rs []*recording) error {
	type key struct {
		state     stripeevent.State
		outcome   outcome
		lastError string
	}
	groups := map[key][]string{}
	var keys []key
	for _, r := range rs {
		k := key{r.state, r.outcome, r.lastError}
		if groups[k] == nil {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], r.id)
	}
	at := time.Now().UTC()
	return p.store.InTx(ctx, func(tx store.Tx) error {
		for _, k := range keys {
			// Update, not UpdateOne: UpdateOne reads the whole row (payload and all) back.
			u := tx.StripeEvent.Update().Where(stripeevent.IDIn(groups[k]...)).SetState(k.state).SetOutcome(k.outcome.String()).AddAttempts(1).SetLastError(k.lastError)
			if k.state == stripeevent.StateProcessed || k.state == stripeevent.StateIgnored {
				u.SetProcessedAt(at)
			}
			if err := u.Exec(ctx); err != nil {
				return fmt.Errorf("update stripe events %v: %w", groups[k], err)
			}
		}
		return nil
	})
}

func decode(row *ent.StripeEvent) (Event, error) {
	var env struct {
		Data struct {
			Object             json.RawMessage `json:"object"`
			PreviousAttributes json.RawMessage `json:"previous_attributes"`
		} `json:"data"`
	}
	if err := json.Unmarshal(row.Payload, &env); err != nil {
		return Event{}, fmt.Errorf("decode event %s: %w", row.ID, err)
	}
	return Event{
		ID: row.ID, Type: row.Type, Account: row.Account, Livemode: row.Livemode, APIVersion: row.APIVersion,
		Created: row.StripeCreatedAt, Object: env.Data.Object, PreviousAttributes: env.Data.PreviousAttributes,
	}, nil
}
