package store_test

import (
	"bytes"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"

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
