package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// Subaccount is a tenant of the platform and its identity-verification policy.
type Subaccount struct{ ent.Schema }

// Mixin of the Subaccount.
func (Subaccount) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, TenantMixin{Field: "id"}} }

// Fields of the Subaccount.
func (Subaccount) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").Immutable().NotEmpty(),
		field.String("name").NotEmpty(),
		field.String("identity_verification_mode").Default("disabled"),
		field.Int("identity_verification_risk_threshold").Default(50),
		field.Int("max_verification_attempts").Default(3),
		// Stripe Identity document options for this subaccount's sessions.
		field.Bool("require_matching_selfie").Default(true),
		field.Bool("require_live_capture").Default(true),
		field.Bool("require_id_number").Default(false),
		field.Strings("allowed_document_types").Optional(),
		field.Bool("enrollment_requires_verification").Default(false),
		// What a customer who declines the biometric check gets instead (identity.Path):
		// "manual_review", "document_only" or "id_number".
		field.String("non_biometric_alternative").Default("manual_review"),
		// A verification flow from Stripe's Dashboard ("vf_..."), used instead of the document
		// options above for customers on the standard path; "" for none.
		field.String("verification_flow").Default(""),
		// Whether a verified session whose name or date of birth differs from what the
		// platform gave for the customer goes to manual review instead of verifying them.
		field.Bool("review_provided_details_mismatch").Default(true),

		// Payment step-up policy. A PaymentIntent marked stepup_required=true always steps
		// up; so do amounts at or over the threshold of their currency (minor units), customers
		// whose risk score is at or over stepup_risk_threshold (0: off), and customers with an
		// open early fraud warning (when stepup_on_fraud_warning).
		field.JSON("stepup_amount_thresholds", map[string]int64{}).Optional(),
		field.Int("stepup_risk_threshold").Default(0),
		field.Bool("stepup_on_fraud_warning").Default(true),
		// What a customer without a passkey does: "identity" (a Stripe Identity selfie
		// session) or "none" (the step-up cannot pass).
		field.String("stepup_fallback").Default("identity"),
		field.Bool("stepup_cancel_on_failure").Default(false),
		field.Int("stepup_challenge_ttl_seconds").Default(300),
	}
}

// Edges of the Subaccount.
func (Subaccount) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("customers", Customer.Type),
	}
}
