-- +goose Up
-- modify "customers" table
ALTER TABLE "customers" ADD COLUMN "applied_fraud_warning_id" character varying NOT NULL DEFAULT '', ADD COLUMN "applied_fraud_warning_at" timestamptz NULL;
-- modify "merchant_sessions" table
ALTER TABLE "merchant_sessions" ADD COLUMN "status_event_id" character varying NOT NULL DEFAULT '';
-- modify "merchants" table
ALTER TABLE "merchants" ADD COLUMN "account_event_id" character varying NOT NULL DEFAULT '';
-- modify "payment_stepups" table
ALTER TABLE "payment_stepups" ADD COLUMN "identity_session_status" character varying NOT NULL DEFAULT '', ADD COLUMN "identity_session_error_code" character varying NOT NULL DEFAULT '', ADD COLUMN "identity_session_event_at" timestamptz NULL, ADD COLUMN "identity_session_event_id" character varying NOT NULL DEFAULT '', ADD COLUMN "event_at" timestamptz NULL, ADD COLUMN "event_id" character varying NOT NULL DEFAULT '';
-- modify "persons" table
ALTER TABLE "persons" ADD COLUMN "stripe_person_id" character varying NOT NULL DEFAULT '', ADD COLUMN "event_id" character varying NOT NULL DEFAULT '';
-- persons were keyed by Stripe's person id alone: it becomes the stripe_person_id
UPDATE "persons" SET "stripe_person_id" = "id";
ALTER TABLE "persons" ALTER COLUMN "stripe_person_id" DROP DEFAULT;
-- create index "person_merchant_id_stripe_person_id" to table: "persons"
CREATE UNIQUE INDEX "person_merchant_id_stripe_person_id" ON "persons" ("merchant_id", "stripe_person_id");
-- modify "stripe_events" table
ALTER TABLE "stripe_events" ADD COLUMN "outcome" character varying NOT NULL DEFAULT '';
-- modify "verification_sessions" table
ALTER TABLE "verification_sessions" ADD COLUMN "status_event_id" character varying NOT NULL DEFAULT '';

-- +goose Down
-- reverse: modify "verification_sessions" table
ALTER TABLE "verification_sessions" DROP COLUMN "status_event_id";
-- reverse: modify "stripe_events" table
ALTER TABLE "stripe_events" DROP COLUMN "outcome";
-- reverse: create index "person_merchant_id_stripe_person_id" to table: "persons"
DROP INDEX "person_merchant_id_stripe_person_id";
-- reverse: modify "persons" table
ALTER TABLE "persons" DROP COLUMN "event_id", DROP COLUMN "stripe_person_id";
-- reverse: modify "payment_stepups" table
ALTER TABLE "payment_stepups" DROP COLUMN "event_id", DROP COLUMN "event_at", DROP COLUMN "identity_session_event_id", DROP COLUMN "identity_session_event_at", DROP COLUMN "identity_session_error_code", DROP COLUMN "identity_session_status";
-- reverse: modify "merchants" table
ALTER TABLE "merchants" DROP COLUMN "account_event_id";
-- reverse: modify "merchant_sessions" table
ALTER TABLE "merchant_sessions" DROP COLUMN "status_event_id";
-- reverse: modify "customers" table
ALTER TABLE "customers" DROP COLUMN "applied_fraud_warning_at", DROP COLUMN "applied_fraud_warning_id";
