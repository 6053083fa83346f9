#!/usr/bin/env bash
# make test: every package with the race detector, on SQLite and on a throwaway PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
exec scripts/with-postgres.sh go test -race -count=1 -timeout 20m ./...
