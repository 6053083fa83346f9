//go:build ignore

// diff writes the next versioned migration for one dialect: the difference between the
// migrations already in the directory, replayed on a dev database, and ent/schema.
//
//	go run ./ent/migrations/diff.go -dialect sqlite -name add_x
//	go run ./ent/migrations/diff.go -dialect postgres -dev postgres://.../dev -name add_x
package main

import (
	"context"
	"flag"
	"log"
	"path/filepath"

	"database/sql"

	"ariga.io/atlas/sql/sqltool"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql/schema"
	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite"

	"github.com/idgate/idgate/ent/migrate"
)

func main() {
	d := flag.String("dialect", "sqlite", "sqlite or postgres")
	dev := flag.String("dev", "", "dev database URL (postgres only; an empty scratch database)")
	name := flag.String("name", "", "migration name")
	flag.Parse()
	// Atlas opens SQLite as "sqlite3"; idgate's driver is the pure-Go one.
	sql.Register("sqlite3", &sqlite.Driver{})
	sql.Register("postgres", stdlib.GetDefaultDriver())
	if *name == "" {
		log.Fatal("-name is required")
	}
	dir, err := sqltool.NewGooseDir(filepath.Join("ent", "migrations", *d))
	if err != nil {
		log.Fatalf("open migration dir: %v", err)
	}
	url, entDialect := "sqlite://dev?mode=memory&_pragma=foreign_keys(1)", dialect.SQLite
	if *d == "postgres" {
		url, entDialect = *dev, dialect.Postgres
	}
	opts := []schema.MigrateOption{
		schema.WithDir(dir),
		schema.WithMigrationMode(schema.ModeReplay),
		schema.WithDialect(entDialect),
		schema.WithFormatter(sqltool.GooseFormatter),
	}
	if err := migrate.NamedDiff(context.Background(), url, *name, opts...); err != nil {
		log.Fatalf("generate migration: %v", err)
	}
}
