-- +goose Up
-- modify "customers" table
ALTER TABLE "customers" ADD COLUMN "fraud_warning_id" character varying NOT NULL DEFAULT '', ADD COLUMN "fraud_warning_at" timestamptz NULL;
-- modify "subaccounts" table
ALTER TABLE "subaccounts" ADD COLUMN "enrollment_requires_verification" boolean NOT NULL DEFAULT false, ADD COLUMN "stepup_amount_thresholds" jsonb NULL, ADD COLUMN "stepup_risk_threshold" bigint NOT NULL DEFAULT 0, ADD COLUMN "stepup_on_fraud_warning" boolean NOT NULL DEFAULT true, ADD COLUMN "stepup_fallback" character varying NOT NULL DEFAULT 'identity', ADD COLUMN "stepup_cancel_on_failure" boolean NOT NULL DEFAULT false, ADD COLUMN "stepup_challenge_ttl_seconds" bigint NOT NULL DEFAULT 300;
-- create "payment_stepups" table
CREATE TABLE "payment_stepups" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "subaccount_id" character varying NOT NULL, "customer_id" character varying NOT NULL, "amount" bigint NOT NULL, "currency" character varying NOT NULL, "payee" character varying NOT NULL DEFAULT '', "stripe_status" character varying NOT NULL DEFAULT '', "required" boolean NOT NULL DEFAULT false, "reasons" jsonb NULL, "status" character varying NOT NULL, "method" character varying NOT NULL DEFAULT '', "credential_id" character varying NOT NULL DEFAULT '', "challenge_id" character varying NOT NULL DEFAULT '', "identity_session_id" character varying NOT NULL DEFAULT '', "failure_reason" character varying NOT NULL DEFAULT '', "decided_at" timestamptz NULL, "capture_on_pass" boolean NOT NULL DEFAULT false, "metadata_written_at" timestamptz NULL, "captured_at" timestamptz NULL, "canceled_at" timestamptz NULL, PRIMARY KEY ("id"));
-- create index "paymentstepup_customer_id_created_at" to table: "payment_stepups"
CREATE INDEX "paymentstepup_customer_id_created_at" ON "payment_stepups" ("customer_id", "created_at");
-- create "risk_signals" table
CREATE TABLE "risk_signals" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "subaccount_id" character varying NOT NULL, "phone_type" character varying NOT NULL DEFAULT '', "phone_carrier" character varying NOT NULL DEFAULT '', "phone_is_prepaid" boolean NOT NULL DEFAULT false, "phone_recently_ported" boolean NOT NULL DEFAULT false, "phone_risk_score" bigint NULL, "phone_country" character varying NOT NULL DEFAULT '', "phone_recorded_at" timestamptz NULL, "signup_ip_city" character varying NOT NULL DEFAULT '', "signup_ip_region" character varying NOT NULL DEFAULT '', "signup_ip_country" character varying NOT NULL DEFAULT '', "signup_vpn" boolean NOT NULL DEFAULT false, "signup_proxy" boolean NOT NULL DEFAULT false, "signup_location_accuracy" bigint NULL, "ip_gps_distance_km" double precision NULL, "signup_location" text NOT NULL DEFAULT '', "location_recorded_at" timestamptz NULL, "indicators" jsonb NULL, PRIMARY KEY ("id"));
-- create "webauthn_challenges" table
CREATE TABLE "webauthn_challenges" ("id" character varying NOT NULL, "customer_id" character varying NOT NULL, "subaccount_id" character varying NOT NULL, "purpose" character varying NOT NULL, "payment_intent_id" character varying NOT NULL DEFAULT '', "nonce" bytea NULL, "session_data" bytea NOT NULL, "created_at" timestamptz NOT NULL, "expires_at" timestamptz NOT NULL, "used_at" timestamptz NULL, "outcome" character varying NOT NULL DEFAULT '', PRIMARY KEY ("id"));
-- create index "webauthnchallenge_expires_at" to table: "webauthn_challenges"
CREATE INDEX "webauthnchallenge_expires_at" ON "webauthn_challenges" ("expires_at");
-- create index "webauthnchallenge_payment_intent_id" to table: "webauthn_challenges"
CREATE INDEX "webauthnchallenge_payment_intent_id" ON "webauthn_challenges" ("payment_intent_id");
-- create "webauthn_credentials" table
CREATE TABLE "webauthn_credentials" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "customer_id" character varying NOT NULL, "subaccount_id" character varying NOT NULL, "credential_id" bytea NOT NULL, "public_key" bytea NOT NULL, "attestation_type" character varying NOT NULL DEFAULT '', "aaguid" bytea NULL, "transports" jsonb NULL, "backup_eligible" boolean NOT NULL DEFAULT false, "backup_state" boolean NOT NULL DEFAULT false, "sign_count" bigint NOT NULL DEFAULT 0, "clone_warning" boolean NOT NULL DEFAULT false, "name" character varying NOT NULL DEFAULT '', "last_used_at" timestamptz NULL, "revoked_at" timestamptz NULL, PRIMARY KEY ("id"));
-- create index "webauthn_credentials_credential_id_key" to table: "webauthn_credentials"
CREATE UNIQUE INDEX "webauthn_credentials_credential_id_key" ON "webauthn_credentials" ("credential_id");
-- create index "webauthncredential_customer_id" to table: "webauthn_credentials"
CREATE INDEX "webauthncredential_customer_id" ON "webauthn_credentials" ("customer_id");

-- +goose Down
-- reverse: create index "webauthncredential_customer_id" to table: "webauthn_credentials"
DROP INDEX "webauthncredential_customer_id";
-- reverse: create index "webauthn_credentials_credential_id_key" to table: "webauthn_credentials"
DROP INDEX "webauthn_credentials_credential_id_key";
-- reverse: create "webauthn_credentials" table
DROP TABLE "webauthn_credentials";
-- reverse: create index "webauthnchallenge_payment_intent_id" to table: "webauthn_challenges"
DROP INDEX "webauthnchallenge_payment_intent_id";
-- reverse: create index "webauthnchallenge_expires_at" to table: "webauthn_challenges"
DROP INDEX "webauthnchallenge_expires_at";
-- reverse: create "webauthn_challenges" table
DROP TABLE "webauthn_challenges";
-- reverse: create "risk_signals" table
DROP TABLE "risk_signals";
-- reverse: create index "paymentstepup_customer_id_created_at" to table: "payment_stepups"
DROP INDEX "paymentstepup_customer_id_created_at";
-- reverse: create "payment_stepups" table
DROP TABLE "payment_stepups";
-- reverse: modify "subaccounts" table
ALTER TABLE "subaccounts" DROP COLUMN "stepup_challenge_ttl_seconds", DROP COLUMN "stepup_cancel_on_failure", DROP COLUMN "stepup_fallback", DROP COLUMN "stepup_on_fraud_warning", DROP COLUMN "stepup_risk_threshold", DROP COLUMN "stepup_amount_thresholds", DROP COLUMN "enrollment_requires_verification";
-- reverse: modify "customers" table
ALTER TABLE "customers" DROP COLUMN "fraud_warning_at", DROP COLUMN "fraud_warning_id";
