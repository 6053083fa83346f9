package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
)

// The statement cache is SQLite's alone (pgx caches PostgreSQL's statements itself), so
// these tests run on SQLite only.

func openSQLite(t *testing.T) *Store {
	t.Helper()
	st, err := Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "cache.db"), 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.DB().Exec("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if _, err := st.DB().Exec("INSERT INTO items (id, name) VALUES (?, ?)", i, fmt.Sprintf("item %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

// Every connection of both pools is a caching one: no query bypasses the cache.
func TestEveryConnectionCachesStatements(t *testing.T) {
	st := openSQLite(t)
	for name, db := range map[string]*sql.DB{"writer": st.db, "reader": st.read} {
		conn, err := db.Conn(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		err = conn.Raw(func(dc any) error {
			if _, ok := dc.(*cachingConn); !ok {
				return fmt.Errorf("the %s pool's connection is a %T, not a caching one", name, dc)
			}
			return nil
		})
		conn.Close()
		if err != nil {
			t.Error(err)
		}
	}
}

// A query run again with other arguments answers for those arguments, not the last ones.
func TestCachedStatementTakesNewArguments(t *testing.T) {
	st := openSQLite(t)
	for _, id := range []int{3, 7, 3, 42} {
		var name string
		err := st.DB().QueryRow("SELECT name FROM items WHERE id = ?", id).Scan(&name)
		want := fmt.Sprintf("item %d", id)
		if id == 42 {
			if err != sql.ErrNoRows {
				t.Errorf("id 42: %q, %v; want no rows", name, err)
			}
			continue
		}
		if err != nil || name != want {
			t.Errorf("id %d: %q, %v; want %q", id, name, err, want)
		}
	}
}

// The same query run while its rows are still open on the same connection (one
// transaction, so one connection) gets a statement of its own: neither result is
// disturbed by the other.
func TestSameQueryWhileRowsOpen(t *testing.T) {
	st := openSQLite(t)
	tx, err := st.DB().Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	const q = "SELECT id FROM items WHERE id >= ? ORDER BY id"
	outer, err := tx.Query(q, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for outer.Next() {
		var id int
		if err := outer.Scan(&id); err != nil {
			t.Fatal(err)
		}
		got = append(got, id)
		var n int
		if err := tx.QueryRow("SELECT count(*) FROM ("+q+")", 5).Scan(&n); err != nil || n != 5 {
			t.Fatalf("count while iterating: %d, %v; want 5", n, err)
		}
		inner, err := tx.Query(q, 8)
		if err != nil {
			t.Fatal(err)
		}
		var in []int
		for inner.Next() {
			var id int
			if err := inner.Scan(&id); err != nil {
				t.Fatal(err)
			}
			in = append(in, id)
		}
		if err := inner.Close(); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(in) != "[8 9]" {
			t.Fatalf("the same query while its rows are open: %v, want [8 9]", in)
		}
	}
	if err := outer.Close(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[0 1 2 3 4 5 6 7 8 9]" {
		t.Fatalf("outer rows: %v, want 0 to 9", got)
	}
}

// A statement pushed out of the cache while its rows are open still reads to the end, and
// the query works again afterwards.
func TestEvictedWhileRowsOpen(t *testing.T) {
	st := openSQLite(t)
	tx, err := st.DB().Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	const q = "SELECT id FROM items ORDER BY id"
	rows, err := tx.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		if n == 2 {
			for i := range StatementCacheSize + 1 { // distinct queries push q out
				var one int
				if err := tx.QueryRow(fmt.Sprintf("SELECT %d", i)).Scan(&one); err != nil || one != i {
					t.Fatalf("SELECT %d: %d, %v", i, one, err)
				}
			}
		}
		n++
	}
	if err := rows.Close(); err != nil || n != 10 {
		t.Fatalf("read %d rows (%v) of a statement evicted while open, want 10", n, err)
	}
	var count int
	if err := tx.QueryRow("SELECT count(*) FROM (" + q + ")").Scan(&count); err != nil || count != 10 {
		t.Fatalf("after eviction: %d, %v", count, err)
	}
}

// A cached statement sees a schema change made after it was prepared.
func TestCachedStatementAfterSchemaChange(t *testing.T) {
	st := openSQLite(t)
	const q = "SELECT * FROM items WHERE id = 1"
	cols := func() []string {
		rows, err := st.DB().Query(q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		c, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	cols()
	if _, err := st.DB().Exec("ALTER TABLE items ADD COLUMN note TEXT"); err != nil {
		t.Fatal(err)
	}
	if c := cols(); fmt.Sprint(c) != "[id name note]" {
		t.Fatalf("columns after ALTER TABLE: %v, want [id name note]", c)
	}
}
