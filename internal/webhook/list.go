package webhook

import (
	"context"
	"fmt"
	"time"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/ent/predicate"
	"github.com/idgate/idgate/ent/stripeevent"
	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/store"
)

// Record is what idgate knows of one stored event, without its payload.
type Record struct {
	ID, Type, Account, APIVersion, State, Outcome, LastError string
	Livemode                                                 bool
	Attempts                                                 int
	Created, ReceivedAt                                      time.Time
	ProcessedAt                                              *time.Time
}

// Lister lists stored events for operators.
type Lister struct{ store *store.Store }

// NewLister returns a Lister.
func NewLister(st *store.Store) *Lister { return &Lister{store: st} }

// List returns events newest first, optionally only those in state, a page at a time.
func (l *Lister) List(ctx context.Context, state string, pageSize int, pageToken string) ([]Record, string, error) {
	var preds []predicate.StripeEvent
	if state != "" {
		s := stripeevent.State(state)
		if err := stripeevent.StateValidator(s); err != nil {
			return nil, "", apperr.Invalid("state", "use pending, processed, ignored or failed")
		}
		preds = append(preds, stripeevent.StateEQ(s))
	}
	size, err := store.PageSize(pageSize)
	if err != nil {
		return nil, "", err
	}
	const order = "received_at desc"
	after, err := store.ParseKeyset(order, pageToken)
	if err != nil {
		return nil, "", err
	}
	if after != nil {
		preds = append(preds, predicate.StripeEvent(after.After(stripeevent.FieldReceivedAt, true)))
	}
	q := l.store.Reader.StripeEvent.Query().Where(preds...).Limit(size + 1)
	for _, o := range store.Ordered(stripeevent.FieldReceivedAt, true) {
		q = q.Order(o)
	}
	rows, err := q.All(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("list stripe events: %w", err)
	}
	rows, next := store.Cut(rows, size, func(r *ent.StripeEvent) store.Keyset {
		return store.Keyset{Order: order, At: &r.ReceivedAt, ID: r.ID}
	})
	out := make([]Record, len(rows))
	for i, r := range rows {
		out[i] = record(r)
	}
	return out, next, nil
}

func record(r *ent.StripeEvent) Record {
	return Record{
		ID: r.ID, Type: r.Type, Account: r.Account, APIVersion: r.APIVersion, State: string(r.State), Outcome: r.Outcome,
		LastError: r.LastError, Livemode: r.Livemode, Attempts: r.Attempts,
		Created: r.StripeCreatedAt, ReceivedAt: r.ReceivedAt, ProcessedAt: r.ProcessedAt,
	}
}
