package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// stmtCache prepares each query text once and keeps it, up to maxStatements; past that, and
// when a text does not prepare, queries still run (and report their own errors).
func TestStmtsPrepareOnce(t *testing.T) {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := newStmtCache(db)
	ctx := context.Background()
	if _, err := s.ExecContext(ctx, "CREATE TABLE t (n INTEGER)"); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := s.ExecContext(ctx, "INSERT INTO t (n) VALUES (?)", i); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	rows, err := s.QueryContext(ctx, "SELECT count(*) FROM t WHERE n >= ?", 1)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
	}
	rows.Close()
	if n != 2 {
		t.Fatalf("count = %d, want 2", n)
	}
	if len(s.stmts) != 3 {
		t.Fatalf("%d statements kept, want 3 (CREATE, one INSERT for three runs, SELECT)", len(s.stmts))
	}
	if _, err := s.QueryContext(ctx, "SELECT nope FROM t"); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("a query that does not prepare: %v, want its own error", err)
	}
	for i := range maxStatements {
		if _, err := s.ExecContext(ctx, fmt.Sprintf("INSERT INTO t (n) VALUES (%d)", i)); err != nil {
			t.Fatal(err)
		}
	}
	if len(s.stmts) != maxStatements {
		t.Fatalf("%d statements kept, want at most %d", len(s.stmts), maxStatements)
	}
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil || n != 3+maxStatements {
		t.Fatalf("rows = %d, %v; want every insert run, prepared or not", n, err)
	}
}
