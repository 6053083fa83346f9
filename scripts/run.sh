#!/usr/bin/env bash
# make run: serve idgate from bin/idgate on SQLite under ./data. Without STRIPE_SECRET_KEY
# (or STRIPE_API_BASE) it starts stripe-mock on 127.0.0.1:12111 and idgate's sandbox
# (IDGATE_SANDBOX=on: a stateful local Stripe on 127.0.0.1:12110 in front of stripe-mock,
# sending signed events to idgate); IDGATE_SANDBOX=off points idgate at bare stripe-mock.
# Every address can be moved (test/walkthrough runs several at once): IDGATE_HTTP_ADDR,
# IDGATE_GRPC_ADDR, IDGATE_SANDBOX_ADDR, STRIPE_MOCK_ADDR (and STRIPE_MOCK_HTTPS_ADDR, which
# stripe-mock always opens); DATABASE_URL and IDGATE_DATA_KEY_FILE move the data.
# Ctrl-C stops idgate (gracefully) and stripe-mock, and returns once both have exited.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p tmp
if [[ -z "${STRIPE_SECRET_KEY:-}" && -z "${STRIPE_API_BASE:-}" ]]; then
  mock_addr=${STRIPE_MOCK_ADDR:-127.0.0.1:12111}
  mock_log=${STRIPE_MOCK_LOG:-tmp/stripe-mock.log}
  bin/stripe-mock -http-addr "$mock_addr" -https-addr "${STRIPE_MOCK_HTTPS_ADDR:-127.0.0.1:12112}" >"$mock_log" 2>&1 &
  mock=$!
  trap 'kill $mock 2>/dev/null || true; wait $mock 2>/dev/null || true' EXIT
  # Wait until it listens, so a port already taken stops make run here with stripe-mock's words.
  until (exec 3<>"/dev/tcp/${mock_addr%:*}/${mock_addr##*:}") 2>/dev/null; do
    if ! kill -0 "$mock" 2>/dev/null; then
      cat "$mock_log" >&2
      echo "run: stripe-mock did not start on $mock_addr (set STRIPE_MOCK_ADDR to another port)" >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "run: stripe-mock on http://$mock_addr (log: $mock_log)"
  if [[ "${IDGATE_SANDBOX:-on}" == "off" ]]; then
    export STRIPE_API_BASE=http://$mock_addr
  else
    export IDGATE_SANDBOX=on IDGATE_SANDBOX_STRIPE_MOCK=http://$mock_addr
    echo "run: the sandbox (a stateful local Stripe) on http://${IDGATE_SANDBOX_ADDR:-127.0.0.1:12110}, any sk_test_ key"
  fi
fi
if [[ -z "${STRIPE_WEBHOOK_SECRET:-}" ]]; then
  export STRIPE_WEBHOOK_SECRET=whsec_idgate_local_development
  echo "run: STRIPE_WEBHOOK_SECRET=$STRIPE_WEBHOOK_SECRET (development only)"
fi
if [[ -z "${STRIPE_CONNECT_WEBHOOK_SECRET:-}" ]]; then
  export STRIPE_CONNECT_WEBHOOK_SECRET=whsec_idgate_local_connect
fi
if [[ -z "${IDGATE_BOOTSTRAP_API_KEY:-}" ]]; then
  export IDGATE_BOOTSTRAP_API_KEY=idg_test_local_development_bootstrap_key
  echo "run: IDGATE_BOOTSTRAP_API_KEY=$IDGATE_BOOTSTRAP_API_KEY (an admin key; development only)"
fi
export IDGATE_LOG_FORMAT=${IDGATE_LOG_FORMAT:-text}
bin/idgate
