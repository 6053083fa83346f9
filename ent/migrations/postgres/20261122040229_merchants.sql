-- +goose Up
-- create "merchants" table
CREATE TABLE "merchants" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "subaccount_id" character varying NOT NULL, "external_id" character varying NOT NULL, "stripe_account_id" character varying NULL, "country" character varying NOT NULL, "business_type" character varying NOT NULL, "high_risk" boolean NOT NULL DEFAULT false, "route" character varying NOT NULL, "charges_enabled" boolean NOT NULL DEFAULT false, "payouts_enabled" boolean NOT NULL DEFAULT false, "requirements" text NOT NULL DEFAULT '{}', "capabilities" text NOT NULL DEFAULT '{}', "disabled_reason" character varying NOT NULL DEFAULT '', "current_deadline" timestamptz NULL, "account_event_at" timestamptz NULL, PRIMARY KEY ("id"));
-- create index "merchant_subaccount_id_external_id" to table: "merchants"
CREATE UNIQUE INDEX "merchant_subaccount_id_external_id" ON "merchants" ("subaccount_id", "external_id");
-- create index "merchants_stripe_account_id_key" to table: "merchants"
CREATE UNIQUE INDEX "merchants_stripe_account_id_key" ON "merchants" ("stripe_account_id");
-- create "persons" table
CREATE TABLE "persons" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "merchant_id" character varying NOT NULL, "verification_status" character varying NOT NULL, "verification_details_code" character varying NOT NULL DEFAULT '', "event_at" timestamptz NULL, PRIMARY KEY ("id"));
-- create index "person_merchant_id" to table: "persons"
CREATE INDEX "person_merchant_id" ON "persons" ("merchant_id");

-- +goose Down
-- reverse: create index "person_merchant_id" to table: "persons"
DROP INDEX "person_merchant_id";
-- reverse: create "persons" table
DROP TABLE "persons";
-- reverse: create index "merchants_stripe_account_id_key" to table: "merchants"
DROP INDEX "merchants_stripe_account_id_key";
-- reverse: create index "merchant_subaccount_id_external_id" to table: "merchants"
DROP INDEX "merchant_subaccount_id_external_id";
-- reverse: create "merchants" table
DROP TABLE "merchants";
