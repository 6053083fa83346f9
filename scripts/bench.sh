#!/usr/bin/env bash
# make bench: the benchmarks of BENCHMARKS.md, on SQLite and a throwaway PostgreSQL, with
# each figure beside the floor measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p tmp
out=tmp/bench.txt
BENCHTIME=${BENCHTIME:-5000x}
scripts/with-postgres.sh go test -run '^$' -bench . -benchtime "$BENCHTIME" -count "${COUNT:-1}" ./server/ 2>&1 |
  grep -E '^(Benchmark|goos|goarch|cpu|pkg|PASS|FAIL|ok)' | tee "$out"
# Each X/idgate beside its X/floor from the same run.
awk '
  function rate(   i) { for (i = 1; i < NF; i++) if ($(i+1) == "req/s") return $i }
  function p99(   i) { for (i = 1; i < NF; i++) if ($(i+1) == "p99_ms") return $i }
  /\/floor/  { split($1, n, "/"); floor[n[1]] = rate(); fp99[n[1]] = p99() }
  /\/idgate/ { split($1, n, "/"); ours[n[1]] = rate(); op99[n[1]] = p99() }
  END { for (k in ours) if (floor[k] > 0) printf "%s: idgate %.0f req/s (p99 %s ms) = %.2f x the bare grpc-go floor %.0f req/s (p99 %s ms), same run\n", k, ours[k], op99[k], ours[k] / floor[k], floor[k], fp99[k] }
' "$out"
