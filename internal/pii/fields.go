package pii

import (
	"context"
	"fmt"
	"strings"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/internal/clock"
)

// TouchedAt is the column, on every entity with personal fields, that holds when personal
// data was last written to the row: the retention clock (not updated_at, which other
// changes move).
const TouchedAt = "pii_touched_at"

var byType = func() map[string][]ent.PersonalField {
	m := map[string][]ent.PersonalField{}
	for _, f := range ent.PersonalFields {
		m[f.Type] = append(m[f.Type], f)
	}
	return m
}()

// Fields returns the personal fields of an entity type (ent.Mutation.Type()), as ent/schema
// marks them.
func Fields(entityType string) []ent.PersonalField { return byType[entityType] }

// Marked reports whether ent/schema marks the entity's field as personal data.
func Marked(entityType, field string) bool {
	for _, f := range byType[entityType] {
		if f.Column == field {
			return true
		}
	}
	return false
}

// Hook seals the sealed fields of every create and update of an entity with personal
// fields: a plaintext value is sealed for its row and column, a value already sealed for
// them is kept, so nothing reaches the table in clear whatever path wrote it. A write of
// personal data also sets TouchedAt to clk's time. Setting a sealed field of many rows at
// once is refused unless it wipes it (""): a sealed value belongs to one row.
func Hook(c *Cipher, clk clock.Clock) ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			fields := byType[m.Type()]
			if len(fields) == 0 || !m.Op().Is(ent.OpCreate|ent.OpUpdate|ent.OpUpdateOne) {
				return next.Mutate(ctx, m)
			}
			touched := false
			for _, f := range fields {
				v, ok := m.Field(f.Column)
				if !ok {
					continue
				}
				plain, _ := v.(string)
				if plain == "" {
					continue
				}
				touched = true
				if !f.Sealed {
					continue
				}
				id, ok := rowID(m)
				if !ok {
					return nil, fmt.Errorf("%s.%s is sealed per row: set it on one row at a time", f.Table, f.Column)
				}
				if sealedFor(c, plain, id, f.Column) {
					continue
				}
				sealed, err := c.Seal(plain, id, f.Column)
				if err != nil {
					return nil, fmt.Errorf("seal %s.%s: %w", f.Table, f.Column, err)
				}
				if err := m.SetField(f.Column, sealed); err != nil {
					return nil, err
				}
			}
			if touched {
				if err := m.SetField(TouchedAt, clk.Now().UTC()); err != nil {
					return nil, fmt.Errorf("%s has personal fields but no %s: %w", m.Type(), TouchedAt, err)
				}
			}
			return next.Mutate(ctx, m)
		})
	}
}

// Wipe sets every personal field of the mutation's entity to "" (redaction).
func Wipe(m ent.Mutation) error {
	for _, f := range byType[m.Type()] {
		if err := m.SetField(f.Column, ""); err != nil {
			return fmt.Errorf("wipe %s.%s: %w", f.Table, f.Column, err)
		}
	}
	return nil
}

// sealedFor reports whether v is a value sealed for row's field under a configured key.
func sealedFor(c *Cipher, v, row, field string) bool {
	if !strings.HasPrefix(v, version+".") {
		return false
	}
	_, err := c.Open(v, row, field)
	return err == nil
}

// rowID is the id of the one row a create or single-row update writes.
func rowID(m ent.Mutation) (string, bool) {
	if !m.Op().Is(ent.OpCreate | ent.OpUpdateOne) {
		return "", false
	}
	idm, ok := m.(interface{ ID() (string, bool) })
	if !ok {
		return "", false
	}
	id, ok := idm.ID()
	return id, ok && id != ""
}
