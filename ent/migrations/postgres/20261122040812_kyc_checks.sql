-- +goose Up
-- create "kyc_checks" table
CREATE TABLE "kyc_checks" ("id" character varying NOT NULL, "merchant_id" character varying NOT NULL, "subaccount_id" character varying NOT NULL, "country" character varying NOT NULL, "provider" character varying NOT NULL, "tier" bigint NOT NULL, "outcome" character varying NOT NULL, "latency_ms" bigint NOT NULL, "cost_cents" bigint NOT NULL, "transaction_id" character varying NOT NULL DEFAULT '', "at" timestamptz NOT NULL, PRIMARY KEY ("id"));
-- create index "kyccheck_at" to table: "kyc_checks"
CREATE INDEX "kyccheck_at" ON "kyc_checks" ("at");
-- create index "kyccheck_merchant_id" to table: "kyc_checks"
CREATE INDEX "kyccheck_merchant_id" ON "kyc_checks" ("merchant_id");

-- +goose Down
-- reverse: create index "kyccheck_merchant_id" to table: "kyc_checks"
DROP INDEX "kyccheck_merchant_id";
-- reverse: create index "kyccheck_at" to table: "kyc_checks"
DROP INDEX "kyccheck_at";
-- reverse: create "kyc_checks" table
DROP TABLE "kyc_checks";
