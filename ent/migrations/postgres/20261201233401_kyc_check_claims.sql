-- +goose Up
-- modify "kyc_checks" table
ALTER TABLE "kyc_checks" ADD COLUMN "claim" character varying NULL;
-- create index "kyc_checks_claim_key" to table: "kyc_checks"
CREATE UNIQUE INDEX "kyc_checks_claim_key" ON "kyc_checks" ("claim");

-- +goose Down
-- reverse: create index "kyc_checks_claim_key" to table: "kyc_checks"
DROP INDEX "kyc_checks_claim_key";
-- reverse: modify "kyc_checks" table
ALTER TABLE "kyc_checks" DROP COLUMN "claim";
