package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// OperatorSession is a person signed in to the console with their API key: a token of its
// own (stored as a hash, shown once) that acts as the key until it expires, is revoked, or
// the key is. Admin-level like APIKey: not tenant-owned.
type OperatorSession struct{ ent.Schema }

// Fields of the OperatorSession.
func (OperatorSession) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").Immutable().NotEmpty(),
		field.String("api_key_id").Immutable().NotEmpty(),
		// SHA-256 of the whole token, hex.
		field.String("token_hash").Immutable().Unique(),
		field.Time("created_at").Immutable(),
		field.Time("expires_at").Immutable(),
		field.Time("revoked_at").Optional().Nillable(),
	}
}

// Edges of the OperatorSession.
func (OperatorSession) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("key", APIKey.Type).Field("api_key_id").Unique().Required().Immutable(),
	}
}

// Indexes of the OperatorSession.
func (OperatorSession) Indexes() []ent.Index {
	return []ent.Index{index.Fields("api_key_id")}
}
