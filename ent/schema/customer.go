package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Customer is a person (rider, buyer) of a subaccount who may have to verify.
type Customer struct{ ent.Schema }

// Mixin of the Customer.
func (Customer) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, TenantMixin{}} }

// Fields of the Customer.
func (Customer) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").Immutable().NotEmpty(),
		field.String("subaccount_id").Immutable().NotEmpty(),
		field.String("external_id").Immutable().NotEmpty(),
		field.String("stripe_customer_id").Optional().Nillable(),
		field.String("email").Default("").Annotations(Contact()),
		field.String("phone").Default("").Annotations(Contact()),
		// The name and date of birth (YYYY-MM-DD) the platform has on file for the customer,
		// checked against what a verified session read from the document.
		field.String("first_name").Default("").Annotations(Sealed()),
		field.String("last_name").Default("").Annotations(Sealed()),
		field.String("dob").Default("").Annotations(Sealed()),

		// The requirement to verify (seed 004), set by policy, risk or an operator.
		field.Bool("identity_verification_required").Default(false),
		field.Time("identity_verification_required_at").Optional().Nillable(),
		field.String("identity_verification_required_reason").Default(""),
		// Who decided the current requirement (identity.Source): the subaccount's policy or a
		// charge's risk score, which a policy change re-decides, or an operator (requiring or
		// clearing) or an early fraud warning, which no policy overrides. Null: nobody yet.
		field.Enum("identity_verification_required_source").
			Values("subaccount_policy", "risk_score", "early_fraud_warning", "operator").Optional().Nillable(),
		field.Time("identity_requirement_cleared_at").Optional().Nillable(),
		// null, pending, verified, requires_input, failed, canceled.
		field.String("identity_status").Optional().Nillable(),
		field.Time("identity_verified_at").Optional().Nillable(),
		// The newest verification session; events of older sessions never override it.
		field.String("identity_session_id").Optional().Nillable(),
		field.Int("identity_attempt_count").Default(0),
		field.String("identity_last_error_code").Default(""),
		// How the customer verifies (identity.Path): "" (the subaccount's document options),
		// or after a biometric decline or a check Stripe cannot do, "document_only",
		// "id_number" or "manual_review". One of the gate's columns.
		field.String("identity_verification_path").Default(""),

		// Radar risk of the earliest successful charge (by the charge's created): our score
		// (normal 10, elevated 50, highest 75), Stripe's own 0-100 risk_score, the level, and
		// the charge that scored.
		field.Int("stripe_risk_score").Optional().Nillable(),
		field.Int("stripe_radar_risk_score").Optional().Nillable(),
		field.String("stripe_risk_level").Optional().Nillable(),
		field.String("stripe_risk_charge_id").Default(""),
		field.Time("stripe_risk_charge_created").Optional().Nillable(),

		// Verified data kept from Stripe Identity (seed 004's list; id number last 4 only).
		field.String("identity_first_name").Default("").Annotations(Sealed()),
		field.String("identity_last_name").Default("").Annotations(Sealed()),
		field.String("identity_dob").Default("").Annotations(Sealed()),
		field.String("identity_id_type").Default("").Annotations(Clear()),
		field.String("identity_address").Default("").Annotations(Sealed()), // JSON of the address lines
		field.String("identity_id_number_last4").Default("").Annotations(Sealed()),
		field.String("identity_issuing_country").Default("").Annotations(Clear()),
		field.String("identity_expiration_date").Default("").Annotations(Clear()),

		field.Bool("identity_manual_verification").Default(false),
		field.String("identity_manual_verification_notes").Default("").Annotations(Clear()),
		field.String("identity_manual_verification_by").Default(""),
		field.Time("identity_manual_verification_at").Optional().Nillable(),

		// The open Radar early fraud warning on one of the customer's charges.
		field.String("fraud_warning_id").Default(""),
		field.Time("fraud_warning_at").Optional().Nillable(),
		// The newest early fraud warning applied and its event's created (webhook.Order):
		// kept when an operator clears the warning, so an older one arriving late is stale.
		field.String("applied_fraud_warning_id").Default(""),
		field.Time("applied_fraud_warning_at").Optional().Nillable(),

		field.Time("identity_redaction_requested_at").Optional().Nillable(),
		field.Time("identity_redacted_at").Optional().Nillable(),
		PIITouchedAt(),
	}
}

// Edges of the Customer.
func (Customer) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("subaccount", Subaccount.Type).Ref("customers").Field("subaccount_id").
			Unique().Required().Immutable(),
	}
}

// Indexes of the Customer.
func (Customer) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("subaccount_id", "external_id").Unique(),
		// Unique within a subaccount only: another tenant's Stripe customer ids neither
		// conflict nor show. Stripe events find the customer by this (identity.PayerOf).
		index.Fields("subaccount_id", "stripe_customer_id").Unique(),
		index.Fields("stripe_customer_id"),
		// The operators' customer list: who must verify, oldest flagged first (ListCustomers).
		index.Fields("subaccount_id", "identity_verification_required", "identity_verification_required_at").StorageKey("customer_required_queue"),
	}
}
