#!/usr/bin/env bash
# make run: serve idgate from bin/idgate on SQLite under ./data. Without STRIPE_SECRET_KEY
# (or STRIPE_API_BASE) it starts stripe-mock on 127.0.0.1:12111 and idgate's sandbox
# (IDGATE_SANDBOX=on: a stateful local Stripe on 127.0.0.1:12110 in front of stripe-mock,
# sending signed events to idgate); IDGATE_SANDBOX=off points idgate at bare stripe-mock.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p tmp
if [[ -z "${STRIPE_SECRET_KEY:-}" && -z "${STRIPE_API_BASE:-}" ]]; then
  bin/stripe-mock -http-addr 127.0.0.1:12111 -https-addr 127.0.0.1:12112 >tmp/stripe-mock.log 2>&1 &
  mock=$!
  trap 'kill $mock 2>/dev/null || true' EXIT
  echo "run: stripe-mock on http://127.0.0.1:12111 (log: tmp/stripe-mock.log)"
  if [[ "${IDGATE_SANDBOX:-on}" == "off" ]]; then
    export STRIPE_API_BASE=http://127.0.0.1:12111
  else
    export IDGATE_SANDBOX=on IDGATE_SANDBOX_STRIPE_MOCK=http://127.0.0.1:12111
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
