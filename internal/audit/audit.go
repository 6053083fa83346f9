// Package audit keeps the append-only log of state changes: who (an API key, a Stripe
// event, idgate itself), what, on which subject, the changed fields before and after, and
// why. It is written by an ent hook in the same transaction as the change, so no change
// escapes it and no entry outlives a rolled-back change.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/ent/auditevent"
	"github.com/idgate/idgate/ent/predicate"
	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/auth"
	"github.com/idgate/idgate/internal/pii"
	"github.com/idgate/idgate/internal/store"
)

// subjects are the audited entity types and, for each, the fields besides personal data
// (which ent/schema marks, see pii.Marked) whose values the log never holds: it records
// only that they changed.
var subjects = map[string][]string{
	ent.TypeCustomer:            {"stripe_customer_id"},
	ent.TypeSubaccount:          {},
	ent.TypeAPIKey:              {"hash"},
	ent.TypeVerificationSession: {},
	ent.TypeReviewTask:          {},
	ent.TypeMerchant:            {},
	ent.TypePerson:              {},
	ent.TypeBiometricConsent:    {},
}

type actionKey struct{}

// WithAction names, in ctx, the operation whose changes follow (the RPC method).
func WithAction(ctx context.Context, action string) context.Context {
	return context.WithValue(ctx, actionKey{}, action)
}

// Hook records every create and single-row update of an audited entity.
func Hook(next ent.Mutator) ent.Mutator {
	return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
		secret, audited := subjects[m.Type()]
		if !audited || !(m.Op().Is(ent.OpCreate) || m.Op().Is(ent.OpUpdateOne)) {
			return next.Mutate(ctx, m)
		}
		before := map[string]ent.Value{}
		if m.Op().Is(ent.OpUpdateOne) {
			for _, f := range append(m.Fields(), m.ClearedFields()...) {
				if v, err := m.OldField(ctx, f); err == nil {
					before[f] = v
				}
			}
		}
		v, err := next.Mutate(ctx, m)
		if err != nil {
			return v, err
		}
		changes := map[string]map[string]any{}
		after := func(f string) ent.Value {
			if slices.Contains(m.ClearedFields(), f) {
				return nil
			}
			val, _ := m.Field(f)
			return val
		}
		for _, f := range append(m.Fields(), m.ClearedFields()...) {
			if f == "updated_at" || f == "created_at" || f == "last_used_at" || f == pii.TouchedAt {
				continue
			}
			b, a := deref(before[f]), deref(after(f))
			if m.Op().Is(ent.OpUpdateOne) && fmt.Sprint(b) == fmt.Sprint(a) {
				continue
			}
			if slices.Contains(secret, f) || pii.Marked(m.Type(), f) {
				changes[f] = map[string]any{"changed": true}
				continue
			}
			changes[f] = map[string]any{"before": b, "after": a}
		}
		if len(changes) == 0 {
			return v, nil
		}
		return v, write(ctx, m, v, changes)
	})
}

func write(ctx context.Context, m ent.Mutation, v ent.Value, changes map[string]map[string]any) error {
	id, subaccount := identify(v)
	data, err := json.Marshal(changes)
	if err != nil {
		return err
	}
	action, _ := ctx.Value(actionKey{}).(string)
	if action == "" {
		action = m.Type() + "." + map[bool]string{true: "create", false: "update"}[m.Op().Is(ent.OpCreate)]
	}
	client := m.(interface{ Client() *ent.Client }).Client()
	return insert(ctx, client, action, m.Type(), id, subaccount, string(data))
}

// Record writes an entry for an act that changes no row, such as an operator reading
// personal data: action names it, the note in ctx (auth.WithNote) says why. It must hold no
// personal data.
func Record(ctx context.Context, client *ent.Client, action, subjectType, subjectID, subaccountID string) error {
	return insert(ctx, client, action, subjectType, subjectID, subaccountID, "{}")
}

func insert(ctx context.Context, client *ent.Client, action, subjectType, subjectID, subaccountID, changes string) error {
	a := auth.ActorFrom(ctx)
	return client.AuditEvent.Create().SetID(store.NewID("aud")).SetAt(time.Now().UTC()).
		SetActorType(a.Type).SetActorID(a.ID).SetActorRole(string(a.Role)).SetActorName(a.Name).SetAction(action).
		SetSubjectType(subjectType).SetSubjectID(subjectID).SetSubaccountID(subaccountID).SetChanges(changes).
		SetNotes(auth.NoteFrom(ctx)).SetRequestID(a.RequestID).Exec(ctx)
}

func identify(v ent.Value) (id, subaccount string) {
	switch e := v.(type) {
	case *ent.Customer:
		return e.ID, e.SubaccountID
	case *ent.Subaccount:
		return e.ID, e.ID
	case *ent.APIKey:
		return e.ID, ""
	case *ent.VerificationSession:
		return e.ID, e.SubaccountID
	case *ent.ReviewTask:
		return e.ID, e.SubaccountID
	case *ent.Merchant:
		return e.ID, e.SubaccountID
	case *ent.Person:
		return e.ID, ""
	case *ent.BiometricConsent:
		return e.ID, e.SubaccountID
	}
	return "", ""
}

func deref(v any) any {
	switch p := v.(type) {
	case *string:
		if p == nil {
			return nil
		}
		return *p
	case *int:
		if p == nil {
			return nil
		}
		return *p
	case *time.Time:
		if p == nil {
			return nil
		}
		return p.UTC().Format(time.RFC3339)
	case time.Time:
		return p.UTC().Format(time.RFC3339)
	}
	return v
}

// Entry is one audit record.
type Entry struct {
	ID, ActorType, ActorID, ActorRole, ActorName, Action, SubjectType, SubjectID, SubaccountID, Notes, RequestID string
	At                                                                                                           time.Time
	Changes                                                                                                      string // JSON
}

// Log reads the audit log.
type Log struct{ store *store.Store }

// NewLog returns a Log.
func NewLog(st *store.Store) *Log { return &Log{store: st} }

// List returns entries newest first, filtered by subject and time, within the subaccounts
// the caller may see.
func (l *Log) List(ctx context.Context, subjectID string, since, until time.Time, limit int) ([]Entry, error) {
	switch {
	case limit == 0:
		limit = 100
	case limit < 0 || limit > 1000:
		return nil, apperr.Invalid("page_size", "must be between 1 and 1000")
	}
	var preds []predicate.AuditEvent
	if subjectID != "" {
		preds = append(preds, auditevent.SubjectID(subjectID))
	}
	if !since.IsZero() {
		preds = append(preds, auditevent.AtGTE(since))
	}
	if !until.IsZero() {
		preds = append(preds, auditevent.AtLT(until))
	}
	rows, err := l.store.Reader.AuditEvent.Query().Where(preds...).
		Order(ent.Desc(auditevent.FieldAt), ent.Desc(auditevent.FieldID)).Limit(limit).All(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Entry, len(rows))
	for i, r := range rows {
		out[i] = Entry{ID: r.ID, ActorType: r.ActorType, ActorID: r.ActorID, ActorRole: r.ActorRole, ActorName: r.ActorName, Action: r.Action,
			SubjectType: r.SubjectType, SubjectID: r.SubjectID, SubaccountID: r.SubaccountID, Notes: r.Notes,
			RequestID: r.RequestID, At: r.At, Changes: r.Changes}
	}
	return out, nil
}
