package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Notification is one message for a customer, written in the same transaction as the change
// it announces and delivered to the platform's endpoint by a job (the outbox).
type Notification struct{ ent.Schema }

// Mixin of the Notification.
func (Notification) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the Notification.
func (Notification) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").Immutable().NotEmpty(),
		field.String("subaccount_id").Immutable(),
		field.String("customer_id").Immutable(),
		// identity_required, identity_verified, requirement_cleared, identity_requires_input.
		field.String("type").Immutable(),
		field.String("title"),
		field.String("body"),
		field.Time("delivered_at").Optional().Nillable(),
		field.Int("attempts").Default(0),
		field.String("last_error").Default(""),
	}
}

// Indexes of the Notification.
func (Notification) Indexes() []ent.Index {
	return []ent.Index{index.Fields("customer_id", "created_at")}
}
