package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// KYCCheck is one verification check of a merchant: the fact the cost report is computed
// from.
type KYCCheck struct{ ent.Schema }

// Fields of the KYCCheck.
func (KYCCheck) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").Immutable().NotEmpty(),
		field.String("merchant_id").Immutable(),
		field.String("subaccount_id").Immutable(),
		field.String("country").Immutable(),
		field.String("provider").Immutable(), // trulioo, stripe_connect, stripe_identity, manual
		field.Int("tier").Immutable(),        // 1, 2, 3; 4 for manual review
		// match, no_match, error, canceled; pending while an asynchronous provider (Stripe
		// Connect's own verification) has not answered: its webhook completes the check.
		field.String("outcome"),
		field.Int("latency_ms"),
		field.Int("cost_cents").Immutable(),
		field.String("transaction_id").Immutable().Default(""),
		field.Time("at").Immutable(),
	}
}

// Indexes of the KYCCheck.
func (KYCCheck) Indexes() []ent.Index {
	return []ent.Index{index.Fields("at"), index.Fields("merchant_id"), index.Fields("transaction_id")}
}
