package store_test

import (
	"bytes"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/store"
	"github.com/idgate/idgate/internal/testenv"
)

// TestMigrationsMatchSchema applies the versioned migrations to an empty database and asks
// ent what it would still change to reach ent/schema: nothing, or a migration is missing
// (run `make migration NAME=...`). It also checks that migrating twice is harmless, as
// replicas starting together do.
func TestMigrationsMatchSchema(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			ctx := testenv.Context(t)
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			st, err := store.Open(ctx, db.URL, 2)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			for range 2 {
				if err := st.Migrate(ctx, log); err != nil {
					t.Fatalf("migrate: %v", err)
				}
			}
			var buf bytes.Buffer
			if err := st.Ent.Schema.WriteTo(ctx, &buf); err != nil {
				t.Fatalf("diff schema: %v", err)
			}
			if regexp.MustCompile(`(?i)\b(CREATE|ALTER|DROP)\b`).Match(buf.Bytes()) {
				t.Fatalf("ent/schema differs from the %s migrations; run `make migration NAME=...`:\n%s", db.Dialect, buf.String())
			}
		})
	}
}

func TestNewID(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := store.NewID("cust")
		if !regexp.MustCompile(`^cust_[0-9a-z]{26}$`).MatchString(id) || seen[id] {
			t.Fatalf("NewID gave %q (seen before: %v)", id, seen[id])
		}
		seen[id] = true
	}
	if strings.Contains(store.NewID("x"), "=") {
		t.Fatal("ids must not carry padding")
	}
}

// Unavailable tells an outage of the database from every other error, for real errors of
// both drivers.
func TestUnavailable(t *testing.T) {
	ctx := testenv.Context(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := l.Addr().String()
	l.Close()
	pg, err := sql.Open("pgx", "postgres://postgres@"+closedPort+"/postgres?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	refused := pg.PingContext(ctx)

	// A second writer finds the SQLite file locked (busy_timeout 0: at once).
	dsn := "file:" + filepath.Join(t.TempDir(), "busy.db") + "?_pragma=busy_timeout(0)&_pragma=journal_mode(WAL)&_txlock=immediate"
	var dbs [2]*sql.DB
	for i := range dbs {
		if dbs[i], err = sql.Open("sqlite", dsn); err != nil {
			t.Fatal(err)
		}
		defer dbs[i].Close()
	}
	if _, err := dbs[0].ExecContext(ctx, "CREATE TABLE t (x INTEGER UNIQUE)"); err != nil {
		t.Fatal(err)
	}
	holder, err := dbs[0].BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback() //nolint:errcheck
	_, busy := dbs[1].ExecContext(ctx, "INSERT INTO t VALUES (1)")
	if _, err := holder.ExecContext(ctx, "INSERT INTO t VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	_, duplicate := holder.ExecContext(ctx, "INSERT INTO t VALUES (1)")

	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"postgres connection refused", refused, true},
		{"postgres admin shutdown", fmt.Errorf("commit: %w", &pgconn.PgError{Code: "57P01"}), true},
		{"postgres starting up", &pgconn.PgError{Code: "57P03"}, true},
		{"postgres connection failure", &pgconn.PgError{Code: "08006"}, true},
		{"bad connection", fmt.Errorf("query: %w", driver.ErrBadConn), true},
		{"sqlite locked", busy, true},
		{"postgres unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"sqlite unique violation", duplicate, false},
		{"no rows", sql.ErrNoRows, false},
		{"not found", apperr.NotFound("customer cust_1 not found"), false},
		{"other", errors.New("boom"), false},
		{"nil", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.err == nil && tc.name != "nil" {
				t.Fatal("the driver gave no error")
			}
			if got := store.Unavailable(tc.err); got != tc.want {
				t.Fatalf("Unavailable(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}

// TestReadStatementPreparesAgainAfterAFailure: a statement whose first prepare failed (here
// its table did not exist yet; in production, the database was unreachable) is prepared
// again on its next use, not failed for the life of the process.
func TestReadStatementPreparesAgainAfterAFailure(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			ctx := testenv.Context(t)
			st, err := store.Open(ctx, db.URL, 2)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			read := st.ReadStatement("SELECT n FROM later WHERE n = ?")
			if _, err := read.QueryRow(ctx, 7); err == nil {
				t.Fatal("prepared a statement over a table that does not exist")
			}
			if _, err := st.DB().ExecContext(ctx, "CREATE TABLE later (n INTEGER)"); err != nil {
				t.Fatal(err)
			}
			if _, err := st.DB().ExecContext(ctx, "INSERT INTO later (n) VALUES (7)"); err != nil {
				t.Fatal(err)
			}
			row, err := read.QueryRow(ctx, 7)
			var n int
			if err == nil {
				err = row.Scan(&n)
			}
			if err != nil || n != 7 {
				t.Fatalf("after the table exists: %d, %v", n, err)
			}
		})
	}
}
