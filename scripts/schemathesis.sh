#!/usr/bin/env bash
# schemathesis.sh: Schemathesis (PyPI, pinned, in a venv under tmp/) against a fresh
# bin/idgate on SQLite with stripe-mock, driven by gen/openapiv2/idgate.swagger.json with
# the bootstrap key and a fixed seed: every operation, no 5xx, no answer off its schema.
# Extra arguments go to `schemathesis run`.
set -euo pipefail
cd "$(dirname "$0")/.."
SCHEMATHESIS_VERSION=4.32.5
venv=$PWD/tmp/schemathesis-venv
if [[ "$("$venv/bin/schemathesis" --version 2>/dev/null)" != *"$SCHEMATHESIS_VERSION"* ]]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
dir=$(mktemp -d "$PWD/tmp/schemathesis.XXXXXX")
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait; rm -rf "$dir"' EXIT

mock=$(free_port)
bin/stripe-mock -http-addr "127.0.0.1:$mock" -https-addr "127.0.0.1:$(free_port)" >"$dir/stripe-mock.log" 2>&1 &
pids+=($!)
http=$(free_port)
key=idg_test_schemathesis_bootstrap_key_0000000000
DATABASE_URL="sqlite:$dir/idgate.db" IDGATE_DATA_KEY_FILE="$dir/data.key" \
  IDGATE_HTTP_ADDR="127.0.0.1:$http" IDGATE_GRPC_ADDR="127.0.0.1:$(free_port)" \
  STRIPE_API_BASE="http://127.0.0.1:$mock" STRIPE_WEBHOOK_SECRET=whsec_schemathesis \
  STRIPE_CONNECT_WEBHOOK_SECRET=whsec_schemathesis_connect IDGATE_BOOTSTRAP_API_KEY=$key \
  IDGATE_LIMIT_AUTH_FAILURES_PER_MINUTE=1000000 IDGATE_LIMIT_WEBHOOK_BAD_SIGNATURES_PER_MINUTE=1000000 \
  IDGATE_LIMIT_SESSIONS_PER_CUSTOMER_HOUR=1000000 \
  bin/idgate >"$dir/idgate.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$http/readyz" >/dev/null && break; sleep 0.1; done

spec=$PWD/gen/openapiv2/idgate.swagger.json
st() {
  (cd "$dir" && "$venv/bin/schemathesis" run "$spec" \
    --url "http://127.0.0.1:$http" -H "Authorization: Bearer $key" \
    --seed 1 --generation-database none --max-examples "${SCHEMATHESIS_EXAMPLES:-10}" --workers 2 \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --no-color "$@")
}
# Revoking keys goes last: the stateful phase would revoke the bootstrap key it lists.
status=0
st --exclude-operation-id AdminService_RevokeApiKey "$@" && st --include-operation-id AdminService_RevokeApiKey "$@" || status=$?
if ((status)); then echo "schemathesis: idgate's log is in $dir/idgate.log"; cp "$dir/idgate.log" tmp/schemathesis-idgate.log; fi
exit $status
