#!/usr/bin/env bash
# first-run.sh [cold|warm] [REPO]: how long the first `make run` of a fresh clone takes until
# /readyz answers 200 (BENCHMARKS.md, "The first make run"). It clones REPO (default: this
# repository) into a temporary directory, runs `make run` there with an empty GOCACHE (cold,
# the default: a machine that never built Go) or the usual one (warm), prints the seconds and
# the CPU seconds the build took (what make waited for: the compilers and linkers), then stops
# it with Ctrl-C (SIGINT to its process group). The module cache is the usual one either way
# (downloads are not measured). On a shared machine compare CPU seconds, and wall seconds
# only of runs under the same load.
set -euo pipefail
mode=${1:-cold}
repo=${2:-$(cd "$(dirname "$0")/.." && pwd)}
dir=$(mktemp -d /tmp/idgate-first-run.XXXXXX)
trap 'rm -rf "$dir"' EXIT
git clone -q "$repo" "$dir/clone"
export GOCACHE
if [[ $mode == cold ]]; then GOCACHE=$dir/gocache; else GOCACHE=$(go env GOCACHE); fi
# Ports of its own (stripe-mock's are make run's, 12111 and 12112, on clones whose run.sh
# does not move them), refused when taken: another server's /readyz would answer for it.
export IDGATE_HTTP_ADDR=${IDGATE_HTTP_ADDR:-127.0.0.1:18380} IDGATE_GRPC_ADDR=${IDGATE_GRPC_ADDR:-127.0.0.1:18381}
export IDGATE_SANDBOX_ADDR=${IDGATE_SANDBOX_ADDR:-127.0.0.1:18382} STRIPE_MOCK_ADDR=${STRIPE_MOCK_ADDR:-127.0.0.1:18383}
export STRIPE_MOCK_HTTPS_ADDR=${STRIPE_MOCK_HTTPS_ADDR:-127.0.0.1:18384}
http=$IDGATE_HTTP_ADDR
if (exec 3<>"/dev/tcp/${http%:*}/${http##*:}") 2>/dev/null; then echo "first-run: $http is taken" >&2; exit 1; fi
cd "$dir/clone"
load=$(cut -d' ' -f1 /proc/loadavg)
start=$(date +%s.%N)
set -m
make run >"$dir/run.log" 2>&1 &
pid=$!
set +m
until curl -fsS -o /dev/null "http://$http/readyz" 2>/dev/null; do
  if ! kill -0 "$pid" 2>/dev/null; then cat "$dir/run.log" >&2; echo "first-run: make run exited" >&2; exit 1; fi
  sleep 0.2
done
end=$(date +%s.%N)
# make's children it has waited for: every build; run.sh is still running.
stat=$(cat "/proc/$pid/stat")
read -r -a f <<<"${stat##*) }"
cpu=$(echo "(${f[13]} + ${f[14]}) / $(getconf CLK_TCK)" | bc -l)
printf 'first-run: %s GOCACHE, %s: ready after %.1f s, build CPU %.1f s (load average %s at the start)\n' "$mode" \
  "$(git -C "$dir/clone" log -1 --format=%h)" "$(echo "$end - $start" | bc)" "$cpu" "$load"
kill -INT -- "-$pid"
wait "$pid" || true
