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
awk '
  /BenchmarkGetCustomer\/floor/  { for (i = 1; i < NF; i++) if ($(i+1) == "req/s") floor = $i }
  /BenchmarkGetCustomer\/idgate/ { for (i = 1; i < NF; i++) if ($(i+1) == "req/s") ours = $i }
  END { if (floor > 0) printf "GetCustomer over gRPC: idgate %.0f req/s = %.2f x the bare grpc-go floor (%.0f req/s), same run\n", ours, ours / floor, floor }
' "$out"
