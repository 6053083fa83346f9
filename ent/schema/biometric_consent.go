package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// BiometricConsent is a merchant's answer to the request for biometric processing (seed
// 003): granted or declined, when, from where, under which legal basis; withdrawable.
type BiometricConsent struct{ ent.Schema }

// Mixin of the BiometricConsent.
func (BiometricConsent) Mixin() []ent.Mixin { return []ent.Mixin{TenantMixin{}} }

// Fields of the BiometricConsent.
func (BiometricConsent) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").Immutable().NotEmpty(),
		field.String("merchant_id").Immutable(),
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
	return []ent.Index{index.Fields("merchant_id", "recorded_at")}
}
