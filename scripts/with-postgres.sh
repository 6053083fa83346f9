#!/usr/bin/env bash
# with-postgres.sh CMD...: runs CMD with IDGATE_TEST_POSTGRES_URL pointing at a throwaway
# PostgreSQL cluster on 127.0.0.1, started from the Debian postgresql binaries and removed
# afterwards. When IDGATE_TEST_POSTGRES_URL is already set, CMD runs against that instead.
# Without PostgreSQL binaries CMD runs without the variable (and, in CI, the tests fail).
set -euo pipefail

if [[ -n "${IDGATE_TEST_POSTGRES_URL:-}" ]]; then exec "$@"; fi

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [[ -z "$bindir" || ! -x "$bindir/initdb" ]]; then
  echo "with-postgres: no PostgreSQL server binaries found (apt-get install postgresql); running without PostgreSQL" >&2
  exec "$@"
fi

dir=$(mktemp -d /tmp/idgate-pg.XXXXXX)
as=()
if [[ $(id -u) == 0 ]]; then
  # PostgreSQL refuses to run as root: run the cluster as an unprivileged user.
  chown nobody "$dir"
  as=(runuser -u nobody --)
fi
port=54329
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done

cleanup() {
  "${as[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

"${as[@]}" "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
  { cat "$dir/initdb.log" >&2; exit 1; }
"${as[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o \
  "-k $dir -p $port -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }

export IDGATE_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
echo "with-postgres: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
"$@"
