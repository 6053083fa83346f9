// Package auth is who may call idgate: API keys (random, shown once, stored as a hash,
// revocable), their roles and the subaccounts they may see, and the caller carried in a
// request's context.
package auth

import (
	"context"
	"strings"

	"github.com/idgate/idgate/internal/tenancy"
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

// Actor is who caused a change: an API key (directly, or through a console session signed
// in with it), a Stripe event or idgate itself.
type Actor struct {
	Type        string // "api_key", "stripe_event", "system"
	ID          string // key id or event id
	Name        string // the key's name: for an operator's key, the person
	Session     string // the console session's id; empty when the key itself was sent
	Role        Role
	Subaccounts []string // nil: every subaccount
	RequestID   string
}

// Label is who the actor is, for people to read (who verified, claimed, resolved): the
// key's name, else its id.
func (a Actor) Label() string {
	if a.Name != "" {
		return a.Name
	}
	return a.ID
}

// Vouching is who performs an action whose request names a person: on a console session,
// the person signed in (a session cannot claim to be someone else); on an API key, the
// named person vouched for by the key ("ops@fleet (key_...)"); otherwise Label.
func (a Actor) Vouching(person string) string {
	switch person = strings.TrimSpace(person); {
	case a.Session != "" || person == "":
		return a.Label()
	case a.ID == "":
		return person
	}
	return person + " (" + a.ID + ")"
}

// SeesPersonalData reports whether the actor sees customers' verified identity data
// (name, date of birth, address, document) as it is read. People do not until they reveal
// it: console sessions and operator and readonly keys; admin and service keys (backends),
// Stripe events and idgate itself do.
func (a Actor) SeesPersonalData() bool {
	if a.Type != "api_key" {
		return true
	}
	return a.Session == "" && (a.Role == RoleAdmin || a.Role == RoleService)
}

type actorKey struct{}

// System is idgate's own work: jobs, periodic tasks, start-up. It sees every subaccount.
var System = Actor{Type: "system"}

// WithActor returns ctx carrying a, and the subaccounts a may see (tenancy.Scope): an API
// key its own, or every one when it lists none (admin); Stripe events and the system every
// one. Without an actor, queries of tenant-owned entities fail.
func WithActor(ctx context.Context, a Actor) context.Context {
	s := tenancy.Scope{All: a.Type != "api_key" || a.Subaccounts == nil, Subaccounts: a.Subaccounts}
	return context.WithValue(tenancy.With(ctx, s), actorKey{}, a)
}

// ActorFrom returns the actor in ctx; without one, idgate itself ("system").
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok {
		return a
	}
	return Actor{Type: "system"}
}

// Visible reports whether the caller in ctx may see subaccount id; without an actor, no.
// ent queries need no such check (tenancy confines them); it is for reads that skip ent.
func Visible(ctx context.Context, subaccountID string) bool {
	s, ok := tenancy.From(ctx)
	return ok && s.Sees(subaccountID)
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
