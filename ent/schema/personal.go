package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
)

// Personal marks a field that holds personal data. The marks are read once, by ent's code
// generation, into ent.PersonalFields (ent/personal.go), and every rule about personal data
// reads that list: internal/pii's hook seals the Sealed fields on every write, the audit log
// records only that a marked field changed, the re-encryption job moves sealed fields to
// the current key, and redaction and the retention job wipe marked fields. Every entity
// with a marked field has PIITouchedAt, the retention clock.
type Personal struct {
	// Sealed: encrypted at rest (AES-256-GCM, bound to the row and column).
	Sealed bool
	// UntilRedacted: kept while the subject exists; retention leaves it, redaction wipes it.
	UntilRedacted bool
}

// Name of the annotation.
func (Personal) Name() string { return "Personal" }

// Sealed is personal data encrypted at rest, wiped by retention and redaction.
func Sealed() Personal { return Personal{Sealed: true} }

// Clear is personal data kept in clear (short, needed as it is), wiped by retention and
// redaction and never written to the audit log.
func Clear() Personal { return Personal{} }

// Contact is personal data sealed at rest and kept until the subject is redacted: the
// contact details a tenant gives, which retention does not expire.
func Contact() Personal { return Personal{Sealed: true, UntilRedacted: true} }

// PIITouchedAt is the retention clock of an entity with personal fields: when personal data
// was last written to the row (a verification, a submission). internal/pii's hook sets it;
// the re-encryption and retention jobs leave it (and updated_at) alone.
func PIITouchedAt() ent.Field {
	return field.Time("pii_touched_at").Optional().Nillable()
}
