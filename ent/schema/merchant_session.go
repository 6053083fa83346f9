package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// MerchantSession is a tier-3 Stripe Identity session (document + matching selfie + live
// capture) of a merchant's representative: a reference and its status, never documents.
type MerchantSession struct{ ent.Schema }

// Mixin of the MerchantSession.
func (MerchantSession) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, TenantMixin{}} }

// Fields of the MerchantSession.
func (MerchantSession) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").Immutable().NotEmpty(), // vs_...
		field.String("merchant_id").Immutable(),
		field.String("subaccount_id").Immutable(),
		field.String("status"), // Stripe's: requires_input, processing, verified, canceled
		field.String("last_error_code").Default(""),
		field.Time("status_event_at").Optional().Nillable(),
		// The event whose status is applied: settles same-second events (webhook.Order).
		field.String("status_event_id").Default(""),
		field.Int("attempt").Immutable(),
	}
}

// Indexes of the MerchantSession.
func (MerchantSession) Indexes() []ent.Index {
	return []ent.Index{index.Fields("merchant_id", "created_at")}
}
