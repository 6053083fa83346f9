package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// WebAuthnChallenge is one WebAuthn ceremony in flight: an enrolment, or a step-up bound to
// a PaymentIntent. It is used once and expires.
type WebAuthnChallenge struct{ ent.Schema }

// Mixin of the WebAuthnChallenge.
func (WebAuthnChallenge) Mixin() []ent.Mixin { return []ent.Mixin{TenantMixin{}} }

// Fields of the WebAuthnChallenge.
func (WebAuthnChallenge) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").Immutable().NotEmpty(), // chl_...
		field.String("customer_id").Immutable(),
		field.String("subaccount_id").Immutable(),
		field.String("purpose").Immutable(), // enrollment, stepup
		field.String("payment_intent_id").Immutable().Default(""),
		// The random part of a step-up challenge; the challenge itself is a hash over it and
		// the payment (id, amount, currency, payee), recomputed when the assertion arrives.
		field.Bytes("nonce").Immutable().Optional(),
		// go-webauthn's SessionData, JSON.
		field.Bytes("session_data").Immutable(),
		field.Time("created_at").Immutable(),
		field.Time("expires_at").Immutable(),
		field.Time("used_at").Optional().Nillable(),
		// passed, failed: set when used.
		field.String("outcome").Default(""),
	}
}

// Indexes of the WebAuthnChallenge.
func (WebAuthnChallenge) Indexes() []ent.Index {
	return []ent.Index{index.Fields("payment_intent_id"), index.Fields("expires_at"), index.Fields("customer_id")}
}

// Annotations of the WebAuthnChallenge.
func (WebAuthnChallenge) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "webauthn_challenges"}}
}
