package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// VerificationSession is a reference to one Stripe Identity VerificationSession: its id and
// status, never the documents.
type VerificationSession struct{ ent.Schema }

// Mixin of the VerificationSession.
func (VerificationSession) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, TenantMixin{}} }

// Fields of the VerificationSession.
func (VerificationSession) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").Immutable().NotEmpty(), // vs_...
		field.String("customer_id").Immutable(),
		field.String("subaccount_id").Immutable(),
		// Stripe's status: requires_input, processing, verified, canceled.
		field.String("status"),
		field.String("last_error_code").Default(""),
		// The Stripe "created" of the newest event applied, which orders late deliveries.
		field.Time("status_event_at").Optional().Nillable(),
		// The event whose status is applied: settles same-second events (webhook.Order).
		field.String("status_event_id").Default(""),
		field.Int("attempt").Immutable(),
		// The customer's path the session was made for (identity.Path): a session of a path
		// the customer has left is not reused.
		field.String("verification_path").Immutable().Default(""),
		field.String("url").Default(""),
		field.Time("redaction_requested_at").Optional().Nillable(),
		field.Time("redacted_at").Optional().Nillable(),
	}
}

// Indexes of the VerificationSession.
func (VerificationSession) Indexes() []ent.Index {
	return []ent.Index{index.Fields("customer_id", "created_at")}
}
