package ent

import (
	"database/sql"

	entsql "entgo.io/ent/dialect/sql"
)

// SQLTx returns the database/sql transaction under tx, so that the job queue can insert
// into the same transaction as ent's writes. This file is hand-written; ent's code
// generation leaves it alone.
func (tx *Tx) SQLTx() *sql.Tx {
	d, ok := tx.config.driver.(*txDriver)
	if !ok {
		return nil
	}
	if t, ok := d.tx.(*entsql.Tx); ok {
		if st, ok := t.Tx.(*sql.Tx); ok {
			return st
		}
	}
	return nil
}
