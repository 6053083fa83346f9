package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
)

// APIKey is a credential of a platform backend, an operator or an administrator. Only a
// hash of the key is stored; the key itself is shown once, at creation.
type APIKey struct{ ent.Schema }

// Mixin of the APIKey.
func (APIKey) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the APIKey.
func (APIKey) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").Immutable().NotEmpty(),
		field.String("name"),
		// The key's visible start, e.g. "idg_test_3fk2", so a leaked key can be recognised.
		field.String("prefix").Immutable(),
		// SHA-256 of the whole key, hex.
		field.String("hash").Immutable().Unique(),
		field.Enum("role").Values("admin", "operator", "service", "readonly").Immutable(),
		// The subaccounts the key may see; empty for an admin key, which sees all.
		field.Strings("subaccount_ids").Optional().Immutable(),
		field.String("created_by").Default(""),
		field.Time("last_used_at").Optional().Nillable(),
		field.Time("revoked_at").Optional().Nillable(),
	}
}
