package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// ReviewTask is work for an operator: a subject that automation cannot decide.
type ReviewTask struct{ ent.Schema }

// Mixin of the ReviewTask.
func (ReviewTask) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, TenantMixin{}} }

// Fields of the ReviewTask.
func (ReviewTask) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").Immutable().NotEmpty(),
		field.String("subaccount_id").Immutable(),
		field.String("subject_type").Immutable(), // customer
		field.String("subject_id").Immutable(),
		field.String("reason").Immutable(), // e.g. max_attempts_exceeded
		field.Enum("priority").Values("normal", "high", "urgent"),
		// resolving: an operator's resolution is being acted on (the task is claimed for
		// it, so a second resolution is refused).
		field.Enum("status").Values("open", "resolving", "resolved").Default("open"),
		field.String("claimed_by").Default(""), // the holder's name, for people to read
		// The holder's key: who may resolve a claimed task (names need not be unique).
		// Empty on tasks claimed before it existed, whose claimed_by is the key id.
		field.String("claimed_by_key_id").Default(""),
		field.Time("claimed_at").Optional().Nillable(),
		// approve or reject, with the operator's notes.
		field.String("resolution").Default(""),
		field.Text("notes").Default(""),
		field.String("resolved_by").Default(""),
		field.Time("resolved_at").Optional().Nillable(),
	}
}

// Indexes of the ReviewTask.
func (ReviewTask) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("subject_type", "subject_id", "reason", "status"),
		index.Fields("status", "priority", "created_at"),
	}
}
