package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// AuditEvent records one state change: who (a key, a Stripe event, the system), what,
// on which subject, the changed fields before and after, and why. Append-only.
type AuditEvent struct{ ent.Schema }

// Mixin of the AuditEvent.
func (AuditEvent) Mixin() []ent.Mixin { return []ent.Mixin{TenantMixin{}} }

// Fields of the AuditEvent.
func (AuditEvent) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").Immutable().NotEmpty(),
		field.Time("at").Immutable(),
		field.String("actor_type").Immutable(), // api_key, stripe_event, system
		field.String("actor_id").Immutable().Default(""),
		field.String("actor_role").Immutable().Default(""),
		// The key's name: the person, for an operator's key or console session.
		field.String("actor_name").Immutable().Default(""),
		field.String("action").Immutable(), // e.g. /idgate.v1.IdentityService/ManualVerify
		field.String("subject_type").Immutable(),
		field.String("subject_id").Immutable(),
		field.String("subaccount_id").Immutable().Default(""),
		// JSON: {"field": {"before": ..., "after": ...}}; personal data fields carry no values.
		field.Text("changes").Immutable(),
		field.Text("notes").Immutable().Default(""),
		field.String("request_id").Immutable().Default(""),
	}
}

// Indexes of the AuditEvent.
func (AuditEvent) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("subject_id", "at"),
		index.Fields("subaccount_id", "at"),
		index.Fields("at"),
	}
}
