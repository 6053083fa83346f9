package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// StripeEvent is one Stripe webhook event, stored once however often it is delivered.
type StripeEvent struct{ ent.Schema }

// Fields of the StripeEvent.
func (StripeEvent) Fields() []ent.Field {
	return []ent.Field{
		// Stripe's event id (evt_...): the primary key is what makes intake idempotent.
		field.String("id").Immutable().NotEmpty(),
		// Which endpoint received it: "platform" or "connect".
		field.String("endpoint").Immutable(),
		field.String("type").Immutable(),
		field.String("account").Immutable().Default(""),
		field.Bool("livemode").Immutable(),
		field.String("api_version").Immutable().Default(""),
		// Stripe's "created": orders events of one object when deliveries arrive out of order.
		field.Time("stripe_created_at").Immutable(),
		// The exact bytes Stripe signed.
		field.Bytes("payload").Immutable(),
		field.Time("received_at").Immutable(),
		field.Enum("state").Values("pending", "processed", "ignored", "failed").Default("pending"),
		field.Int("attempts").Default(0),
		// What processing made of it (webhook.Order): applied, stale (older than what is
		// applied, or after a terminal state), skipped (nothing of idgate's), or "".
		field.String("outcome").Default(""),
		field.String("last_error").Default(""),
		field.Time("processed_at").Optional().Nillable(),
	}
}

// Indexes of the StripeEvent.
func (StripeEvent) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("state", "received_at"),
		index.Fields("received_at"),
	}
}
