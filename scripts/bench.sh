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
# Each X/idgate beside its X/floor from the same run, and what authentication costs.
awk '
  function metric(unit,   i) { for (i = 1; i < NF; i++) if ($(i+1) == unit) return $i }
  /^Benchmark/ {
    split($1, n, "/"); sub(/-[0-9]+$/, "", n[2])
    rate[n[1], n[2]] = metric("req/s"); p99[n[1], n[2]] = metric("p99_ms"); names[n[1]] = 1
    if (n[2] == "auth-cost") { cost[n[1]] = metric("auth_cost_%"); with[n[1]] = metric("auth_req/s"); without[n[1]] = metric("noauth_req/s") }
  }
  END {
    for (k in names) {
      if (rate[k, "floor"] > 0 && rate[k, "idgate"] > 0)
        printf "%s: idgate %.0f req/s (p99 %s ms) = %.2f x the bare grpc-go floor %.0f req/s (p99 %s ms), same run\n", k, rate[k, "idgate"], p99[k, "idgate"], rate[k, "idgate"] / rate[k, "floor"], rate[k, "floor"], p99[k, "floor"]
      if (cost[k] != "")
        printf "%s: authentication costs %s%% of throughput (%s req/s with API keys, %s without; alternating rounds, same run)\n", k, cost[k], with[k], without[k]
    }
  }
' "$out"
