// Package tenancy confines every query and mutation of a tenant-owned entity to the
// subaccounts of the caller in the context. ent/schema marks the entities (TenantMixin),
// whose interceptor and hook are the ones here, so no domain code checks a tenant itself.
package tenancy

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"entgo.io/ent"
	"entgo.io/ent/dialect/sql"

	"github.com/idgate/idgate/ent/intercept"
	"github.com/idgate/idgate/internal/apperr"
)

// Scope is the subaccounts a caller may see.
type Scope struct {
	All         bool     // every subaccount: an unscoped (admin) key, a Stripe event, idgate itself
	Subaccounts []string // otherwise these; none sees nothing
}

// Sees reports whether s covers subaccount id.
func (s Scope) Sees(id string) bool { return s.All || slices.Contains(s.Subaccounts, id) }

type scopeKey struct{}

// With returns ctx carrying s. auth.WithActor calls it for every actor.
func With(ctx context.Context, s Scope) context.Context {
	return context.WithValue(ctx, scopeKey{}, s)
}

// From returns the scope in ctx, and false when ctx carries none.
func From(ctx context.Context) (Scope, bool) {
	s, ok := ctx.Value(scopeKey{}).(Scope)
	return s, ok
}

// ErrNoActor is the error of a query or mutation of a tenant-owned entity whose context
// names no actor: a request path, job or webhook that forgot auth.WithActor fails instead
// of seeing every tenant.
var ErrNoActor = errors.New("no actor in the context (use auth.WithActor, auth.System for idgate's own work)")

// Interceptor confines every query of an entity to the caller's subaccounts, by the
// column field that holds the row's subaccount id. Another tenant's row is not found,
// exactly like a row that does not exist.
func Interceptor(field string) ent.Interceptor {
	return intercept.TraverseFunc(func(ctx context.Context, q intercept.Query) error {
		s, ok := From(ctx)
		if !ok {
			return fmt.Errorf("query %s: %w", q.Type(), ErrNoActor)
		}
		if !s.All {
			q.WhereP(sql.FieldIn(field, s.Subaccounts...))
		}
		return nil
	})
}

// Hook confines every update and delete of an entity to the caller's subaccounts (an
// UpdateOne or DeleteOne of another tenant's row is not found), and refuses a create for a
// subaccount outside them as that subaccount not found, the answer for one that does not
// exist.
func Hook(field string) ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			s, ok := From(ctx)
			if !ok {
				return nil, fmt.Errorf("%s %s: %w", m.Op(), m.Type(), ErrNoActor)
			}
			if s.All {
				return next.Mutate(ctx, m)
			}
			if m.Op().Is(ent.OpCreate) {
				if id := owner(m, field); !s.Sees(id) {
					return nil, apperr.NotFound("subaccount %s not found", id)
				}
				return next.Mutate(ctx, m)
			}
			w, ok := m.(interface{ WhereP(...func(*sql.Selector)) })
			if !ok {
				return nil, fmt.Errorf("%s %s: mutation cannot be scoped to a tenant", m.Op(), m.Type())
			}
			w.WhereP(sql.FieldIn(field, s.Subaccounts...))
			return next.Mutate(ctx, m)
		})
	}
}

// owner is the subaccount a row being created belongs to.
func owner(m ent.Mutation, field string) string {
	if field == "id" {
		if m, ok := m.(interface{ ID() (string, bool) }); ok {
			id, _ := m.ID()
			return id
		}
		return ""
	}
	v, _ := m.Field(field)
	id, _ := v.(string)
	return id
}
