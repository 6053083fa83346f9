#!/usr/bin/env bash
# make run: serve idgate from bin/idgate on SQLite under ./data. Without STRIPE_SECRET_KEY
# (or STRIPE_API_BASE) it starts stripe-mock on 127.0.0.1:12111 and points idgate at it.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p tmp
if [[ -z "${STRIPE_SECRET_KEY:-}" && -z "${STRIPE_API_BASE:-}" ]]; then
  bin/stripe-mock -http-addr 127.0.0.1:12111 -https-addr 127.0.0.1:12112 >tmp/stripe-mock.log 2>&1 &
  mock=$!
  trap 'kill $mock 2>/dev/null || true' EXIT
  export STRIPE_API_BASE=http://127.0.0.1:12111
  echo "run: stripe-mock on $STRIPE_API_BASE (log: tmp/stripe-mock.log)"
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
