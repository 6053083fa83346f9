package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// BiometricConsent is a merchant's or a customer's answer to the request for biometric
// processing (seeds 001, 003): granted or declined, when, from where, under which legal
// basis; withdrawable. Exactly one of merchant_id and customer_id is set.
type BiometricConsent struct{ ent.Schema }

// Mixin of the BiometricConsent.
func (BiometricConsent) Mixin() []ent.Mixin { return []ent.Mixin{TenantMixin{}} }

// Fields of the BiometricConsent.
func (BiometricConsent) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").Immutable().NotEmpty(),
		field.String("merchant_id").Immutable().Default(""),
		field.String("customer_id").Immutable().Default(""),
		// The Stripe session whose outcome (consent_declined) recorded a customer's decline;
		// "" when the platform recorded the answer.
		field.String("verification_session_id").Immutable().Default(""),
		field.String("subaccount_id").Immutable(),
		field.Bool("granted").Immutable(),
		field.Time("recorded_at").Immutable(),
		field.String("ip_address").Immutable().Default("").Annotations(Sealed()),
		field.String("user_agent").Immutable().Default("").Annotations(Sealed()),
		field.String("country").Immutable(),
		field.String("legal_basis").Immutable(),
		field.Time("withdrawn_at").Optional().Nillable(),
		PIITouchedAt(),
	}
}

// Indexes of the BiometricConsent.
func (BiometricConsent) Indexes() []ent.Index {
	return []ent.Index{index.Fields("merchant_id", "recorded_at"), index.Fields("customer_id", "recorded_at")}
}
