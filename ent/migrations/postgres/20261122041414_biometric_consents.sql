-- +goose Up
-- create "biometric_consents" table
CREATE TABLE "biometric_consents" ("id" character varying NOT NULL, "merchant_id" character varying NOT NULL, "subaccount_id" character varying NOT NULL, "granted" boolean NOT NULL, "recorded_at" timestamptz NOT NULL, "ip_address" character varying NOT NULL DEFAULT '', "user_agent" character varying NOT NULL DEFAULT '', "country" character varying NOT NULL, "legal_basis" character varying NOT NULL, "withdrawn_at" timestamptz NULL, PRIMARY KEY ("id"));
-- create index "biometricconsent_merchant_id_recorded_at" to table: "biometric_consents"
CREATE INDEX "biometricconsent_merchant_id_recorded_at" ON "biometric_consents" ("merchant_id", "recorded_at");

-- +goose Down
-- reverse: create index "biometricconsent_merchant_id_recorded_at" to table: "biometric_consents"
DROP INDEX "biometricconsent_merchant_id_recorded_at";
-- reverse: create "biometric_consents" table
DROP TABLE "biometric_consents";
