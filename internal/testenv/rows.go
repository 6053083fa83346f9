package testenv

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"
)

// Dump runs q on db and returns every column of every row as column=value lines, the way
// a dump of the database would show them (bytes as text, NULL as empty), so that tests can
// look for what must not be stored.
func Dump(t testing.TB, db *sql.DB, q string, args ...any) string {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var b strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, c := range cols {
			v := vals[i]
			if bs, ok := v.([]byte); ok {
				v = string(bs)
			}
			if v == nil {
				v = ""
			}
			fmt.Fprintf(&b, "%s=%v\n", c, v)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
