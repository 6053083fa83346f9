package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Person is a person of a merchant's Connect account, as Stripe reports it.
type Person struct{ ent.Schema }

// Mixin of the Person.
func (Person) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the Person.
func (Person) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").Immutable().NotEmpty(), // Stripe's person_...
		field.String("merchant_id").Immutable(),
		// Stripe's person.verification.status: unverified, pending, verified.
		field.String("verification_status"),
		field.String("verification_details_code").Default(""),
		field.Time("event_at").Optional().Nillable(),
	}
}

// Indexes of the Person.
func (Person) Indexes() []ent.Index {
	return []ent.Index{index.Fields("merchant_id")}
}
