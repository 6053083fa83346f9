-- +goose Up
-- modify "merchants" table
ALTER TABLE "merchants" ADD COLUMN "kyc_status" character varying NOT NULL DEFAULT '';
-- create "merchant_sessions" table
CREATE TABLE "merchant_sessions" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "merchant_id" character varying NOT NULL, "subaccount_id" character varying NOT NULL, "status" character varying NOT NULL, "last_error_code" character varying NOT NULL DEFAULT '', "status_event_at" timestamptz NULL, "attempt" bigint NOT NULL, PRIMARY KEY ("id"));
-- create index "merchantsession_merchant_id_created_at" to table: "merchant_sessions"
CREATE INDEX "merchantsession_merchant_id_created_at" ON "merchant_sessions" ("merchant_id", "created_at");

-- +goose Down
-- reverse: create index "merchantsession_merchant_id_created_at" to table: "merchant_sessions"
DROP INDEX "merchantsession_merchant_id_created_at";
-- reverse: create "merchant_sessions" table
DROP TABLE "merchant_sessions";
-- reverse: modify "merchants" table
ALTER TABLE "merchants" DROP COLUMN "kyc_status";
