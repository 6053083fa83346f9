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
		field.String("id").Immutable().NotEmpty(), // idgate's
		field.String("merchant_id").Immutable(),
		// Stripe's person_...: unique within the merchant's account only, so that an event of
		// another account never reaches this merchant's person.
		field.String("stripe_person_id").Immutable().NotEmpty(),
		// Stripe's person.verification.status: unverified, pending, verified.
		field.String("verification_status"),
		field.String("verification_details_code").Default(""),
		field.Time("event_at").Optional().Nillable(),
		// The event applied last: settles same-second events (webhook.Order).
		field.String("event_id").Default(""),
	}
}

// Indexes of the Person.
func (Person) Indexes() []ent.Index {
	return []ent.Index{index.Fields("merchant_id", "stripe_person_id").Unique()}
}
