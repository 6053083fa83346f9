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
func (Customer) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the Customer.
func (Customer) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").Immutable().NotEmpty(),
		field.String("subaccount_id").Immutable().NotEmpty(),
		field.String("external_id").Immutable().NotEmpty(),
		field.String("stripe_customer_id").Optional().Nillable(),
		field.String("email").Default(""),
		field.String("phone").Default(""),
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
		// charge.succeeded and other Stripe events find the customer by this.
		index.Fields("stripe_customer_id").Unique(),
	}
}
