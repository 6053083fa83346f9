// Package auth is who may call idgate: API keys (random, shown once, stored as a hash,
// revocable), their roles and the subaccounts they may see, and the caller carried in a
// request's context.
package auth

import (
	"context"
	"slices"
)

// Role is what a key may do.
type Role string

// The roles, from most to least powerful.
const (
	RoleAdmin    Role = "admin"    // everything, every subaccount
	RoleOperator Role = "operator" // read, and the operator actions, in its subaccounts
	RoleService  Role = "service"  // the platform backend: customers, sessions, gate, risk
	RoleReadonly Role = "readonly" // read, in its subaccounts
)

// Roles lists every role.
var Roles = []Role{RoleAdmin, RoleOperator, RoleService, RoleReadonly}

// Actor is who caused a change: an API key, a Stripe event or idgate itself.
type Actor struct {
	Type        string // "api_key", "stripe_event", "system"
	ID          string // key id or event id
	Role        Role
	Subaccounts []string // nil: every subaccount
	RequestID   string
}

type actorKey struct{}

// WithActor returns ctx carrying a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx; without one, idgate itself ("system").
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok {
		return a
	}
	return Actor{Type: "system"}
}

// Visible reports whether the caller in ctx may see subaccount id. Work without an API key
// (jobs, Stripe events) sees everything; so does a key with no subaccount list (admin).
func Visible(ctx context.Context, subaccountID string) bool {
	a := ActorFrom(ctx)
	return a.Type != "api_key" || a.Subaccounts == nil || slices.Contains(a.Subaccounts, subaccountID)
}

type noteKey struct{}

// WithNote attaches the caller's reason or notes to ctx, for the audit log.
func WithNote(ctx context.Context, note string) context.Context {
	return context.WithValue(ctx, noteKey{}, note)
}

// NoteFrom returns the note in ctx.
func NoteFrom(ctx context.Context) string {
	n, _ := ctx.Value(noteKey{}).(string)
	return n
}
