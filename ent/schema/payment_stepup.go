package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// PaymentStepUp is idgate's view of one PaymentIntent: whether it needs a step-up, and the
// step-up's result, which is written into the PaymentIntent's metadata before capture.
type PaymentStepUp struct{ ent.Schema }

// Mixin of the PaymentStepUp.
func (PaymentStepUp) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, TenantMixin{}} }

// Fields of the PaymentStepUp.
func (PaymentStepUp) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").Immutable().NotEmpty(), // the PaymentIntent id, pi_...
		field.String("subaccount_id").Immutable(),
		field.String("customer_id").Immutable(),
		field.Int64("amount"),
		field.String("currency"),
		// Who is paid: on_behalf_of or transfer_data.destination, else the platform ("").
		field.String("payee").Default(""),
		field.String("stripe_status").Default(""),
		field.Bool("required").Default(false),
		field.Strings("reasons").Optional(),
		// not_required, required, challenged, passed, failed, expired.
		field.String("status"),
		field.String("method").Default(""), // webauthn, identity
		field.String("credential_id").Default(""),
		field.String("challenge_id").Default(""),
		field.String("identity_session_id").Default(""),
		// The identity session's state as its events last said (webhook.Order).
		field.String("identity_session_status").Default(""),
		field.String("identity_session_error_code").Default(""),
		field.Time("identity_session_event_at").Optional().Nillable(),
		field.String("identity_session_event_id").Default(""),
		// The payment_intent.* event that last evaluated the payment (webhook.Order).
		field.Time("event_at").Optional().Nillable(),
		field.String("event_id").Default(""),
		field.String("failure_reason").Default(""),
		field.Time("decided_at").Optional().Nillable(),
		field.Bool("capture_on_pass").Default(false),
		field.Time("metadata_written_at").Optional().Nillable(),
		field.Time("captured_at").Optional().Nillable(),
		field.Time("canceled_at").Optional().Nillable(),
	}
}

// Indexes of the PaymentStepUp.
func (PaymentStepUp) Indexes() []ent.Index {
	return []ent.Index{index.Fields("customer_id", "created_at")}
}

// Annotations of the PaymentStepUp.
func (PaymentStepUp) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "payment_stepups"}}
}
