package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// KYCCheck is one verification check of a merchant: the fact the cost report is computed
// from. A database-KYC check is written before the provider is called, as the claim of its
// attempt: its id is the reference the provider receives.
type KYCCheck struct{ ent.Schema }

// Mixin of the KYCCheck.
func (KYCCheck) Mixin() []ent.Mixin { return []ent.Mixin{TenantMixin{}} }

// Fields of the KYCCheck.
func (KYCCheck) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").Immutable().NotEmpty(),
		field.String("merchant_id").Immutable(),
		field.String("subaccount_id").Immutable(),
		field.String("country").Immutable(),
		field.String("provider"),      // trulioo, stripe_connect, stripe_identity, manual
		field.Int("tier").Immutable(), // 1, 2, 3; 4 for manual review
		// match, no_match, error, canceled; pending while an asynchronous provider (Stripe
		// Connect's own verification) has not answered: its webhook completes the check.
		// A database-KYC claim is running while its provider is asked, and released when
		// the provider did not perform the check: neither is a check of the ledger.
		field.String("outcome"),
		field.Int("latency_ms"),
		field.Int("cost_cents"),
		field.String("transaction_id").Default(""),
		field.Time("at"),
		// claim is the database-KYC attempt the check is, merchant and tier ("mer_x:1"):
		// unique, so of two concurrent calls only one reaches the provider. Empty for
		// other checks.
		field.String("claim").Optional().Nillable().Unique().Immutable(),
	}
}

// Indexes of the KYCCheck.
func (KYCCheck) Indexes() []ent.Index {
	return []ent.Index{index.Fields("at"), index.Fields("merchant_id"), index.Fields("transaction_id")}
}
