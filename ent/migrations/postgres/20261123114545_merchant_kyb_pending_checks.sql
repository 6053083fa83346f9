-- +goose Up
-- create index "kyccheck_transaction_id" to table: "kyc_checks"
CREATE INDEX "kyccheck_transaction_id" ON "kyc_checks" ("transaction_id");
-- modify "merchants" table
ALTER TABLE "merchants" ADD COLUMN "business_legal_name" character varying NOT NULL DEFAULT '', ADD COLUMN "business_tax_id" character varying NOT NULL DEFAULT '';

-- +goose Down
-- reverse: modify "merchants" table
ALTER TABLE "merchants" DROP COLUMN "business_tax_id", DROP COLUMN "business_legal_name";
-- reverse: create index "kyccheck_transaction_id" to table: "kyc_checks"
DROP INDEX "kyccheck_transaction_id";
