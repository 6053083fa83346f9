package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Notification is one message for a customer or a merchant, written in the same transaction
// as the change it announces and delivered to the platform's endpoint by a job (the outbox).
// Its title and body never carry personal data: they are stored in clear.
type Notification struct{ ent.Schema }

// Mixin of the Notification.
func (Notification) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, TenantMixin{}} }

// Fields of the Notification.
func (Notification) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").Immutable().NotEmpty(),
		field.String("subaccount_id").Immutable(),
		// Whom the notification is for: customer (customer_id set) or merchant (merchant_id set).
		field.Enum("subject_type").Values("customer", "merchant").Default("customer").Immutable(),
		field.String("customer_id").Immutable().Default(""),
		field.String("merchant_id").Immutable().Default(""),
		// identity_required, identity_verified, requirement_cleared, identity_requires_input;
		// merchant_* for merchants (see internal/onboarding/notifications.go).
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
	return []ent.Index{index.Fields("customer_id", "created_at"), index.Fields("merchant_id", "created_at")}
}
