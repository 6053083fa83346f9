#!/usr/bin/env bash
# The README's walkthrough, runnable: start `make run` in one terminal, then run
# scripts/walkthrough.sh in another, or paste it into bash from IDGATE= on, a few lines at a
# time (set -e would close your shell at the first error). It needs curl and jq.
# `make walkthrough` runs it against a fresh make run on SQLite and on PostgreSQL.
set -euo pipefail
trap 'echo "walkthrough: failed at line $LINENO: $BASH_COMMAND" >&2' ERR

IDGATE=${IDGATE_URL:-http://localhost:8080}              # make run's JSON API
IDGATE_GRPC=${IDGATE_GRPC_ADDR:-localhost:50051}         # and its gRPC port
SANDBOX=${SANDBOX_URL:-http://localhost:12110}           # make run's sandbox: a stateful local Stripe
KEY=${IDGATE_KEY:-idg_test_local_development_bootstrap_key}   # make run's development admin key

# curl sends $KEY (KEY= for none) and stops the walkthrough unless the answer is 2xx or the
# status EXPECT names: `EXPECT=404 curl …` is a call whose error is the point.
curl() {
  local out code
  out=$(command curl -sS ${KEY:+-H "Authorization: Bearer $KEY"} -w '\n%{http_code}' "$@") || return
  code=${out##*$'\n'}
  out=${out%$'\n'*}
  printf '%s\n' "$out"
  [[ $code == ${EXPECT:-2??} ]] || { echo "walkthrough: HTTP $code from curl $*, expected ${EXPECT:-2xx}" >&2; return 1; }
}
# … | must JQ [jq options]: print the answer, and stop unless the jq condition holds on it.
must() {
  local in
  in=$(cat)
  printf '%s\n' "$in"
  jq -e "${@:2}" "$1" >/dev/null <<<"$in" || { echo "walkthrough: expected $1" >&2; return 1; }
}
# wait_for JQ CURL_ARGS…: webhooks and jobs run in the background; ask again until the jq
# condition holds (a second or two under make run, at most 30 s), then print the answer.
wait_for() {
  local out="" i
  for i in $(seq 150); do
    out=$(curl "${@:2}" 2>/dev/null) && jq -e "$1" >/dev/null <<<"$out" && { printf '%s\n' "$out"; return; }
    sleep 0.2
  done
  echo "walkthrough: $1 never held; last answer: $out" >&2
  return 1
}

# Health needs no key: /healthz (live), /readyz (the database answers).
KEY= curl "$IDGATE/healthz"
KEY= curl "$IDGATE/readyz"

# A subaccount (tenant) whose riders verify when their Radar risk score reaches 50.
sub=$(curl -d '{"name":"Acme Rides","identity_verification_mode":"risk_based","identity_verification_risk_threshold":50}' \
  "$IDGATE/v1/subaccounts" | must '.max_verification_attempts == 3' | jq -er .id)

# Keys for the platform's backend and its operators, scoped to subaccounts. The secret is in
# the answer once; idgate keeps only its hash.
service=$(curl -d '{"name":"rides backend","role":"service","subaccount_ids":["'$sub'"]}' "$IDGATE/v1/api-keys" | jq -er .secret)

# A customer of that subaccount. Repeating the same request returns the same customer.
cust=$(curl -d '{"subaccount_id":"'$sub'","external_id":"rider-42","stripe_customer_id":"cus_123","email":"rider@example.com"}' \
  "$IDGATE/v1/customers" | jq -er .id)
curl -d '{"subaccount_id":"'$sub'","external_id":"rider-42","stripe_customer_id":"cus_123","email":"rider@example.com"}' \
  "$IDGATE/v1/customers" | must '.id == $cust' --arg cust "$cust"
KEY=$service curl "$IDGATE/v1/customers/$cust"

# Bad input names the field (HTTP 400 / gRPC InvalidArgument); unknown ids are 404 / NotFound,
# and so is another tenant's id, to a key scoped to other subaccounts.
EXPECT=400 curl -X PATCH -d '{"identity_verification_risk_threshold":150}' "$IDGATE/v1/subaccounts/$sub" |
  must '.details[0].field_violations[0].field == "identity_verification_risk_threshold"'
EXPECT=404 curl "$IDGATE/v1/customers/cust_0000000000000000000000000"
other=$(curl -d '{"name":"Other Rides"}' "$IDGATE/v1/subaccounts" | jq -er .id)
KEY=$service EXPECT=404 curl "$IDGATE/v1/subaccounts/$other"

# Rider verification (seed 004). The earliest successful charge's Radar risk flags the rider:
curl -d '{"charge_id":"ch_1","risk_level":"highest"}' "$IDGATE/v1/customers/$cust/payment-risk"
curl "$IDGATE/api/customers/$cust" |
  must '.identity_verification_required and .identity_verification_required_reason == "risk_threshold_exceeded:75>=50" and .stripe_risk_score == 75'
curl "$IDGATE/v1/customers/$cust/access?action=ride_start" | must '.allowed == false and .required_action == "start_verification"'
# The session for the platform's app: client_secret for Stripe's SDK, url for the hosted page
# (under make run, the sandbox's test page at /sandbox/verify/{id}; bare stripe-mock, with
# IDGATE_SANDBOX=off, answers neither: both "").
vs=$(curl -d '{}' "$IDGATE/api/customers/$cust/identity-session" | must '.client_secret != "" and .attempt == 1' | jq -er .session_id)
# In test mode, drive the session as Stripe's test page would: under make run the sandbox moves
# it and sends its events (verified outputs: Stripe's test person); with a bare stripe-mock
# idgate signs the event itself. Any session idgate created: a customer's, a merchant's tier-3
# session, a payment step-up's selfie session. Another tenant's session is 404; with a live
# key, 400 FailedPrecondition. The answer is the event's id; the webhook applies it.
curl -d '{"outcome":"requires_input","error_code":"selfie_face_mismatch"}' "$IDGATE/v1/verification-sessions/$vs:simulate"
wait_for '.required_action == "retry_verification"' "$IDGATE/v1/customers/$cust/access?action=ride_start"
curl -d '{"outcome":"verified"}' "$IDGATE/v1/verification-sessions/$vs:simulate"
wait_for '.identity_status == "verified" and .identity_first_name == "Jenny"' "$IDGATE/v1/customers/$cust"
curl "$IDGATE/v1/customers/$cust/access?action=ride_start" | must '.allowed'
# Read the session back from Stripe (what the reconcile job does for quiet sessions).
curl -d '{}' "$IDGATE/v1/customers/$cust:refresh" | must '.identity_status == "verified"'

# Operators: clear a requirement, require verification, manually verify (notes required).
rider43=$(curl -d '{"subaccount_id":"'$sub'","external_id":"rider-43"}' "$IDGATE/v1/customers" | jq -er .id)
curl -d '{"charge_id":"ch_2","risk_level":"highest"}' "$IDGATE/v1/customers/$rider43/payment-risk"
curl -d '{"operator":"ops@fleet"}' "$IDGATE/v1/customers/$rider43:clearRequirement" | must '.identity_verification_required == false'
curl -d '{"reason":"chargeback"}' "$IDGATE/v1/customers/$rider43:requireVerification" |
  must '.identity_verification_required and .identity_verification_required_reason == "operator:chargeback"'
# Operators' lists: filters, the "stuck" view, exact search, keyset pages.
curl "$IDGATE/v1/customers?identity_verification_required=true&order_by=identity_verification_required_at&page_size=50" |
  must '[.customers[].id] == [$id]' --arg id "$rider43"
curl "$IDGATE/v1/customers?flagged_before=2099-01-01T00:00:00Z" |   # stuck: required, not verified, flagged before then
  must '[.customers[].id] == [$id]' --arg id "$rider43"
curl "$IDGATE/v1/customers?query=rider-42" | must '.customers[0].id == $id' --arg id "$cust"   # exact id or external_id
curl "$IDGATE/v1/subaccounts?page_size=1" | must '.next_page_token != ""'                     # next page: &page_token=<next_page_token>
curl -d '{"notes":"Verified in person at downtown location"}' "$IDGATE/api/customers/$rider43/identity-manual-verify" |
  must '.identity_status == "verified" and .identity_manual_verification'
# Who changed what, when and why: the audit log.
curl "$IDGATE/v1/audit-events?subject_id=$rider43" | must '.events | length >= 3'

# Risk signals (seed 004): a phone lookup and the signup location (the IP address and
# coordinates are kept encrypted and never returned), then the profile: score, signals,
# indicators ("phone_voip", "ip_gps_mismatch" …, each with a sentence) and flags in force.
curl -d '{"phone_type":"voip","phone_carrier":"Google Voice","phone_is_prepaid":false,"phone_risk_score":80,"phone_country":"US"}' \
  "$IDGATE/v1/customers/$cust/phone-lookup"
curl -d '{"signup_ip":"203.0.113.7","signup_ip_city":"Paris","signup_ip_country":"FR","signup_ip_latitude":48.8566,"signup_ip_longitude":2.3522,"signup_latitude":51.5074,"signup_longitude":-0.1278,"signup_location_accuracy":25}' \
  "$IDGATE/v1/customers/$cust/signup-location"
curl "$IDGATE/v1/customers/$cust/risk-profile" |
  must '.indicators | any(.code == "ip_gps_mismatch" and .detail == "IP location is 344 km from GPS (GPS accurate to 25 m)")'
# What would another policy flag and cost, from the scores stored today? Nothing changes.
curl -d '{"mode":"risk_based","threshold":75}' "$IDGATE/v1/subaccounts/$sub:simulatePolicy" | must '.customers == 2 and .flagged == 2'

# The review queue: attempts used up, biometrics declined, sessions canceled, details that do
# not match. Rider 7 fails all three attempts the subaccount allows (max_verification_attempts):
rider7=$(curl -d '{"subaccount_id":"'$sub'","external_id":"rider-7"}' "$IDGATE/v1/customers" | jq -er .id)
for attempt in 1 2 3; do
  vs7=$(curl -d '{}' "$IDGATE/api/customers/$rider7/identity-session" | must '.attempt == ($n | tonumber)' --arg n $attempt | jq -er .session_id)
  curl -d '{"outcome":"requires_input","error_code":"document_expired"}' "$IDGATE/v1/verification-sessions/$vs7:simulate"
  wait_for '.identity_last_error_code == "document_expired"' "$IDGATE/v1/customers/$rider7"
done
curl "$IDGATE/v1/customers/$rider7" | must '.identity_status == "failed"'
rev=$(wait_for '.tasks | length == 1' "$IDGATE/v1/review-tasks?status=open" |
  must '.tasks[0] | .subject_id == $id and .reason == "max_attempts_exceeded" and .priority == "urgent"' --arg id "$rider7" | jq -er '.tasks[0].id')
curl -d '{"decision":"approve","notes":"passport checked on a video call"}' "$IDGATE/v1/review-tasks/$rev:resolve" | must '.status == "resolved"'
curl "$IDGATE/v1/customers/$rider7" | must '.identity_status == "verified"'

# Merchants (Stripe Connect custom accounts): routed by country and risk; account.updated and
# person.* events on /v1/webhooks/stripe/connect keep them in sync; next_action says what is due.
mer=$(curl -d '{"subaccount_id":"'$sub'","external_id":"seller-1","country":"US","business_type":"individual"}' "$IDGATE/v1/merchants" |
  must '.route == "database_kyc" and (.stripe_account_id | startswith("acct_"))' | jq -er .id)
wait_for '.next_action == "start_database_kyc"' "$IDGATE/v1/merchants/$mer"
curl "$IDGATE/v1/merchants?next_action=start_database_kyc&kyc_status=none&charges_enabled=false" | must '[.merchants[].id] == [$id]' --arg id "$mer"
# US and other database-KYC countries: tier 1, then (on no match) tier 2 with the full SSN.
# make run's sandbox provider answers by test values (see "Sandbox test values" below):
# "ssn_last4":"0000" would match at once; 1111 does not, so tier 2 follows.
curl -d '{"first_name":"Jenny","last_name":"Rosen","dob":"1901-01-01","ssn_last4":"1111","address":{"line1":"address_full_match","city":"San Francisco","state":"CA","postal_code":"94111"}}' \
  "$IDGATE/v1/merchants/$mer/database-kyc" | must '.next_action == "collect_full_ssn" and .checks[0].provider == "sandbox" and .checks[0].outcome == "no_match"'
# A company (business_type company) adds KYB: "business_legal_name" and "business_ein" (9
# digits); on a match they go to the account as company[name] and company[tax_id].
curl -d '{"ssn":"111111111"}' "$IDGATE/v1/merchants/$mer/full-ssn" | must '.next_action == "record_biometric_consent"'   # 000000000 would match
curl -d '{"granted":true,"ip_address":"203.0.113.7","user_agent":"Mozilla/5.0"}' "$IDGATE/v1/merchants/$mer/biometric-consent" |
  must '.next_action == "start_document_verification"'
# Tier 3: document + selfie + liveness, a Stripe Identity session; verified, its data and
# document go to the Connect account, whose person Stripe then verifies (2 s in the sandbox).
mvs=$(curl -d '{}' "$IDGATE/v1/merchants/$mer/verification-sessions" | must '.client_secret != ""' | jq -er .session_id)
curl -d '{"outcome":"verified"}' "$IDGATE/v1/verification-sessions/$mvs:simulate"
wait_for '.kyc_status == "verified" and .charges_enabled and .next_action == "none"' "$IDGATE/v1/merchants/$mer"
# A second seller whose tier-1 check matches at once (ssn_last4 0000).
mer2=$(curl -d '{"subaccount_id":"'$sub'","external_id":"seller-2","country":"US","business_type":"individual"}' "$IDGATE/v1/merchants" | jq -er .id)
curl -d '{"first_name":"Jenny","last_name":"Rosen","dob":"1901-01-01","ssn_last4":"0000","address":{"line1":"address_full_match","city":"San Francisco","state":"CA","postal_code":"94111"}}' \
  "$IDGATE/v1/merchants/$mer2/database-kyc" | must '.kyc_status == "verified" and .checks[0].outcome == "match"'
wait_for '.charges_enabled' "$IDGATE/v1/merchants/$mer2"
# What the checks cost, by tier (seed 003's prices; the sandbox's checks cost nothing).
curl "$IDGATE/v1/verification-cost-report?from=2026-01-01T00:00:00Z&country_group=database_kyc" | must '.merchants >= 2'

# Payment step-up (seed 000): passkeys, and PaymentIntents held until the payer passes one.
# The policy lives on the subaccount; a PaymentIntent steps up when its metadata says
# stepup_required=true, its amount reaches the currency's threshold, the customer's risk score
# reaches risk_threshold, or the customer has an open Radar early fraud warning.
curl -X PATCH -d '{"stepup_policy":{"amount_thresholds":{"usd":100000},"risk_threshold":75,"on_fraud_warning":true,"fallback":"identity","cancel_on_failure":false,"challenge_ttl_seconds":300}}' \
  "$IDGATE/v1/subaccounts/$sub"
# Enrolling a passkey needs an authenticator, which curl is not: the platform hands options_json
# to navigator.credentials.create() (or its native passkey API) and sends back the credential's
# toJSON() to credentials:finishEnrollment with the challenge_id. Try passkeys, enrolment and
# a step-up, in the console's Sandbox page (http://localhost:8080/console/sandbox) in a
# browser. Without a passkey, fallback "identity" steps up with a selfie, as here.
curl -d '{"display_name":"Jenny"}' "$IDGATE/v1/customers/$cust/credentials:beginEnrollment" | must '.challenge_id != "" and .options_json != ""'
curl "$IDGATE/v1/customers/$cust/credentials" | must '.credentials == []'
# A PaymentIntent of the rider's Stripe customer at the sandbox (any sk_test_ key), authorized
# for manual capture. Its payment_intent.created webhook evaluates it; or ask:
pi=$(KEY= curl -u sk_test_walkthrough: -d amount=150000 -d currency=usd -d customer=cus_123 -d capture_method=manual \
  -d confirm=true -d payment_method=pm_card_visa -d "metadata[idgate_subaccount_id]=$sub" "$SANDBOX/v1/payment_intents" |
  must '.status == "requires_capture"' | jq -er .id)
curl -d '{}' "$IDGATE/v1/payments/$pi:evaluate" | must '.required and .reasons == ["amount_threshold:150000>=100000 usd", "risk_threshold:75>=75"]'
# A payer with a passkey gets a WebAuthn challenge committed to this PaymentIntent's id,
# amount, currency and payee (options_json for navigator.credentials.get(), then
# stepup:finish with the assertion). Without one, the answer is a Stripe Identity selfie
# session, and its webhook decides (in test mode: :simulate it).
svs=$(curl -d '{"capture_on_pass":true}' "$IDGATE/v1/payments/$pi/stepup:begin" |
  must '.method == "identity" and .verification_session.client_secret != ""' | jq -er .verification_session.session_id)
# Platforms that capture themselves ask first (from the database; allowed only once the result
# is in the PaymentIntent's metadata):
curl "$IDGATE/v1/payments/$pi/capturable" | must '.allowed == false and .reason == "stepup_pending"'
curl -d '{"outcome":"verified"}' "$IDGATE/v1/verification-sessions/$svs:simulate"
wait_for '.allowed and .reason == "stepup_passed"' "$IDGATE/v1/payments/$pi/capturable"
# capture_on_pass: idgate wrote the result into the metadata, then captured.
KEY= wait_for '.status == "succeeded" and .metadata.stepup_status == "passed" and .metadata.stepup_method == "identity"' \
  -u sk_test_walkthrough: "$SANDBOX/v1/payment_intents/$pi"

# Stripe webhooks: point Stripe (or `stripe listen --forward-to`) at /v1/webhooks/stripe.
# make run's development secrets: whsec_idgate_local_development (platform endpoint) and
# whsec_idgate_local_connect (/v1/webhooks/stripe/connect). The sandbox's events arrived there:
curl "$IDGATE/v1/webhook-events?page_size=5"
curl "$IDGATE/v1/webhook-events?state=failed" | must '.events == []'
# An admin re-drives a failed event; any other answers 400 FailedPrecondition.
evt=$(curl "$IDGATE/v1/webhook-events?page_size=1" | jq -er '.events[0].id')
EXPECT=400 curl -d '{}' "$IDGATE/v1/webhook-events/$evt:retry"

# Console sign-in (the console at /console/ does this): an operator's own key (admin, operator
# or readonly; not service; all but admin name their subaccounts) buys a session token, shown
# once, that acts as the key under the key's name, the person, until IDGATE_SESSION_TTL or
# sign-out.
jane=$(curl -d '{"name":"Jane Ops","role":"operator","subaccount_ids":["'$sub'"]}' "$IDGATE/v1/api-keys" | jq -er .secret)
token=$(KEY=$jane curl -d '{}' "$IDGATE/v1/sessions" | must '.session.operator_name == "Jane Ops"' | jq -er .token)
KEY=$token curl "$IDGATE/v1/sessions/current"
# People (sessions, operator and readonly keys) read customers with the verified identity data
# withheld; an operator reveals it with a reason, audited:
KEY=$token curl "$IDGATE/v1/customers/$cust" | must '.personal_data_masked and .identity_first_name == ""'
KEY=$token curl -d '{"reason":"rider disputes the name on file"}' "$IDGATE/v1/customers/$cust:revealIdentity" |
  must '.identity_first_name == "Jenny"'
KEY=$token curl -d '{}' "$IDGATE/v1/sessions/current:revoke"
KEY=$token EXPECT=401 curl "$IDGATE/v1/sessions/current" | must '.message == "session expired: sign in again"'

# Operations: Prometheus metrics; gRPC reflection and health (with grpcurl, when installed).
KEY= curl "$IDGATE/metrics" | grep '^idgate_gate_cache_entries'
if command -v grpcurl >/dev/null; then
  grpcurl -plaintext "$IDGATE_GRPC" list
  grpcurl -plaintext "$IDGATE_GRPC" grpc.health.v1.Health/Check
fi

# Redaction (seed 001), last: it deletes the customer's personal data at once (verified data,
# contact details, risk signals, passkeys) and asks Stripe to redact each of their sessions.
# identity_redacted_at is set when Stripe has confirmed every one (the sandbox's
# identity.verification_session.redacted events, a second later); until then it is null.
curl -d '{}' "$IDGATE/v1/customers/$cust:redact" | must '.email == "" and .identity_first_name == "" and .stripe_customer_id == ""'
wait_for '.identity_redacted_at != null' "$IDGATE/v1/customers/$cust"
EXPECT=400 curl -d '{"phone_type":"mobile"}' "$IDGATE/v1/customers/$cust/phone-lookup"   # no signals after redaction

echo "walkthrough: every call answered as expected"
