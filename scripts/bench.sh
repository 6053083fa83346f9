#!/usr/bin/env bash
# make bench: the benchmarks of BENCHMARKS.md, on SQLite and a throwaway PostgreSQL, with
# each figure beside the floor measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p tmp
out=tmp/bench.txt
BENCHTIME=${BENCHTIME:-5000x}
BENCH=${BENCH:-.} # a -bench pattern, e.g. BENCH=Webhook
scripts/with-postgres.sh go test -run '^$' -bench "$BENCH" -benchtime "$BENCHTIME" -count "${COUNT:-1}" -timeout "${TIMEOUT:-60m}" ./server/ 2>&1 |
  grep -E '^(Benchmark|goos|goarch|cpu|pkg|PASS|FAIL|ok)' | tee "$out"
# Each X/idgate beside its X/floor from the same run (X may have several parts, e.g.
# BenchmarkWebhookIntake/sqlite/senders=64), what authentication costs, drain rates, and a
# replica's memory.
awk '
  function metric(unit,   i) { for (i = 1; i < NF; i++) if ($(i+1) == unit) return $i }
  /^Benchmark/ {
    name = $1; sub(/-[0-9]+$/, "", name)
    k = name; sub(/\/[^\/]*$/, "", k); t = substr(name, length(k) + 2)
    rate[k, t] = metric("req/s"); p99[k, t] = metric("p99_ms"); cpu[k, t] = metric("cpu_us/event"); names[k] = 1
    if (t == "auth-cost") { cost[k] = metric("auth_cost_%"); with[k] = metric("auth_req/s"); without[k] = metric("noauth_req/s") }
    if (metric("backlog_events") != "") sustained[name] = sprintf("intake at %.0f events/s (p99 %s ms from when each was due) for IDGATE_BENCH_SECONDS with jobs running left %d events pending, drained %.1f s later", metric("req/s"), metric("p99_ms"), metric("backlog_events"), metric("drain_s"))
    else if (metric("events/s") != "") { drain[name] = metric("events/s"); drained[name] = metric("cpu_us/event") }
    if (metric("floor_req/s") != "") paired[name] = sprintf("idgate %.0f req/s (p99 %s ms) = %.2f x the floor %.0f req/s (p99 %s ms; idgate p99 %.2f x it), alternating rounds, same run%s%s", metric("req/s"), metric("p99_ms"), metric("req/s") / metric("floor_req/s"), metric("floor_req/s"), metric("floor_p99_ms"), metric("p99_ms") / metric("floor_p99_ms"),
      metric("round_ratio_min") == "" ? "" : sprintf(" (single rounds %.2f-%.2f x)", metric("round_ratio_min"), metric("round_ratio_max")),
      metric("floor_cpu_us/event") == "" ? "" : sprintf("; CPU %s vs %s us/event", metric("cpu_us/event"), metric("floor_cpu_us/event")))
    if (metric("peak_rss_MiB") != "") mem[name] = sprintf("peak RSS %.0f MiB (now %.0f, of which mapped files %.0f), Go heap in use %.0f MiB%s", metric("peak_rss_MiB"), metric("rss_MiB"), metric("rss_file_MiB"), metric("heap_inuse_MiB"), metric("db_file_MiB") == "" ? "" : sprintf(", database file %.0f MiB", metric("db_file_MiB")))
  }
  END {
    for (k in names) {
      if (rate[k, "floor"] > 0 && rate[k, "idgate"] > 0)
        printf "%s: idgate %.0f req/s (p99 %s ms) = %.2f x the floor %.0f req/s (p99 %s ms; idgate p99 %.2f x it), same run%s\n", k, rate[k, "idgate"], p99[k, "idgate"], rate[k, "idgate"] / rate[k, "floor"], rate[k, "floor"], p99[k, "floor"], (p99[k, "floor"] > 0 ? p99[k, "idgate"] / p99[k, "floor"] : 0), cpu[k, "idgate"] == "" ? "" : sprintf("; CPU %s vs %s us/event", cpu[k, "idgate"], cpu[k, "floor"])
      if (cost[k] != "")
        printf "%s: authentication costs %s%% of throughput (%s req/s with API keys, %s without; alternating rounds, same run)\n", k, cost[k], with[k], without[k]
    }
    for (k in paired) printf "%s: %s\n", k, paired[k]
    for (k in sustained) printf "%s: %s\n", k, sustained[k]
    for (k in drain) printf "%s: a stored backlog drains at %.0f events/s (%s us of idgate CPU per event)\n", k, drain[k], drained[k]
    for (k in mem) printf "%s: one replica, %s\n", k, mem[k]
  }
' "$out" | sort
