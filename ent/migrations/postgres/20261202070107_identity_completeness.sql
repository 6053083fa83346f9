-- +goose Up
-- modify "biometric_consents" table
ALTER TABLE "biometric_consents" ALTER COLUMN "merchant_id" SET DEFAULT '', ADD COLUMN "customer_id" character varying NOT NULL DEFAULT '', ADD COLUMN "verification_session_id" character varying NOT NULL DEFAULT '';
-- create index "biometricconsent_customer_id_recorded_at" to table: "biometric_consents"
CREATE INDEX "biometricconsent_customer_id_recorded_at" ON "biometric_consents" ("customer_id", "recorded_at");
-- modify "customers" table
ALTER TABLE "customers" ADD COLUMN "first_name" character varying NOT NULL DEFAULT '', ADD COLUMN "last_name" character varying NOT NULL DEFAULT '', ADD COLUMN "dob" character varying NOT NULL DEFAULT '', ADD COLUMN "identity_verification_path" character varying NOT NULL DEFAULT '';
-- modify "subaccounts" table
ALTER TABLE "subaccounts" ADD COLUMN "non_biometric_alternative" character varying NOT NULL DEFAULT 'manual_review', ADD COLUMN "verification_flow" character varying NOT NULL DEFAULT '', ADD COLUMN "review_provided_details_mismatch" boolean NOT NULL DEFAULT true;
-- modify "verification_sessions" table
ALTER TABLE "verification_sessions" ADD COLUMN "verification_path" character varying NOT NULL DEFAULT '';

-- +goose Down
-- reverse: modify "verification_sessions" table
ALTER TABLE "verification_sessions" DROP COLUMN "verification_path";
-- reverse: modify "subaccounts" table
ALTER TABLE "subaccounts" DROP COLUMN "review_provided_details_mismatch", DROP COLUMN "verification_flow", DROP COLUMN "non_biometric_alternative";
-- reverse: modify "customers" table
ALTER TABLE "customers" DROP COLUMN "identity_verification_path", DROP COLUMN "dob", DROP COLUMN "last_name", DROP COLUMN "first_name";
-- reverse: create index "biometricconsent_customer_id_recorded_at" to table: "biometric_consents"
DROP INDEX "biometricconsent_customer_id_recorded_at";
-- reverse: modify "biometric_consents" table
ALTER TABLE "biometric_consents" DROP COLUMN "verification_session_id", DROP COLUMN "customer_id", ALTER COLUMN "merchant_id" DROP DEFAULT;
