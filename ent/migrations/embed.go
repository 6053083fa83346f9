// Package migrations holds idgate's versioned schema migrations, one directory per SQL
// dialect, in goose format. New ones are written by `make migration NAME=...` (diff.go),
// never edited after they ship.
package migrations

import "embed"

// FS holds sqlite/*.sql and postgres/*.sql.
//
//go:embed sqlite/*.sql postgres/*.sql
var FS embed.FS
