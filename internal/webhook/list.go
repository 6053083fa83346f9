package webhook

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
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
	switch {
	case pageSize == 0:
		pageSize = 50
	case pageSize < 0 || pageSize > 500:
		return nil, "", apperr.Invalid("page_size", "must be between 1 and 500")
	}
	if pageToken != "" {
		at, id, err := decodeCursor(pageToken)
		if err != nil {
			return nil, "", apperr.Invalid("page_token", "is not a token from a previous response")
		}
		preds = append(preds, stripeevent.Or(
			stripeevent.ReceivedAtLT(at),
			stripeevent.And(stripeevent.ReceivedAtEQ(at), stripeevent.IDLT(id)),
		))
	}
	rows, err := l.store.Reader.StripeEvent.Query().
		Where(preds...).
		Order(ent.Desc(stripeevent.FieldReceivedAt), ent.Desc(stripeevent.FieldID)).
		Limit(pageSize + 1).
		All(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("list stripe events: %w", err)
	}
	var next string
	if len(rows) > pageSize {
		rows = rows[:pageSize]
		last := rows[len(rows)-1]
		next = encodeCursor(last.ReceivedAt, last.ID)
	}
	out := make([]Record, len(rows))
	for i, r := range rows {
		out[i] = Record{
			ID: r.ID, Type: r.Type, Account: r.Account, APIVersion: r.APIVersion, State: string(r.State), Outcome: r.Outcome,
			LastError: r.LastError, Livemode: r.Livemode, Attempts: r.Attempts,
			Created: r.StripeCreatedAt, ReceivedAt: r.ReceivedAt, ProcessedAt: r.ProcessedAt,
		}
	}
	return out, next, nil
}

func encodeCursor(at time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(at.UnixNano(), 10) + "|" + id))
}

func decodeCursor(tok string) (time.Time, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return time.Time{}, "", err
	}
	ns, id, ok := strings.Cut(string(b), "|")
	n, err := strconv.ParseInt(ns, 10, 64)
	if !ok || err != nil || id == "" {
		return time.Time{}, "", fmt.Errorf("bad cursor")
	}
	return time.Unix(0, n).UTC(), id, nil
}
