package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// Subaccount is a tenant of the platform and its identity-verification policy.
type Subaccount struct{ ent.Schema }

// Mixin of the Subaccount.
func (Subaccount) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

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
	}
}

// Edges of the Subaccount.
func (Subaccount) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("customers", Customer.Type),
	}
}
