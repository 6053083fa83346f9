package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// GateChange is one committed change to a customer's gate columns (subaccount, required,
// status, last error code), appended in the changing transaction. Every replica polls the
// feed to evict what others changed from its in-process gate state (identity.gateCache);
// the id is the feed's order. Not tenant-owned: it carries only the customer id.
type GateChange struct{ ent.Schema }

// Fields of the GateChange.
func (GateChange) Fields() []ent.Field {
	return []ent.Field{
		field.String("customer_id").Immutable().NotEmpty(),
		field.Time("created_at").Immutable(),
	}
}

// Indexes of the GateChange.
func (GateChange) Indexes() []ent.Index {
	return []ent.Index{index.Fields("created_at")}
}
