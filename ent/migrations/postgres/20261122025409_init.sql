-- +goose Up
-- create "stripe_events" table
CREATE TABLE "stripe_events" ("id" character varying NOT NULL, "endpoint" character varying NOT NULL, "type" character varying NOT NULL, "account" character varying NOT NULL DEFAULT '', "livemode" boolean NOT NULL, "api_version" character varying NOT NULL DEFAULT '', "stripe_created_at" timestamptz NOT NULL, "payload" bytea NOT NULL, "received_at" timestamptz NOT NULL, "state" character varying NOT NULL DEFAULT 'pending', "attempts" bigint NOT NULL DEFAULT 0, "last_error" character varying NOT NULL DEFAULT '', "processed_at" timestamptz NULL, PRIMARY KEY ("id"));
-- create index "stripeevent_received_at" to table: "stripe_events"
CREATE INDEX "stripeevent_received_at" ON "stripe_events" ("received_at");
-- create index "stripeevent_state_received_at" to table: "stripe_events"
CREATE INDEX "stripeevent_state_received_at" ON "stripe_events" ("state", "received_at");
-- create "subaccounts" table
CREATE TABLE "subaccounts" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "name" character varying NOT NULL, "identity_verification_mode" character varying NOT NULL DEFAULT 'disabled', "identity_verification_risk_threshold" bigint NOT NULL DEFAULT 50, "max_verification_attempts" bigint NOT NULL DEFAULT 3, PRIMARY KEY ("id"));
-- create "customers" table
CREATE TABLE "customers" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "external_id" character varying NOT NULL, "stripe_customer_id" character varying NULL, "email" character varying NOT NULL DEFAULT '', "phone" character varying NOT NULL DEFAULT '', "subaccount_id" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "customers_subaccounts_customers" FOREIGN KEY ("subaccount_id") REFERENCES "subaccounts" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- create index "customer_stripe_customer_id" to table: "customers"
CREATE UNIQUE INDEX "customer_stripe_customer_id" ON "customers" ("stripe_customer_id");
-- create index "customer_subaccount_id_external_id" to table: "customers"
CREATE UNIQUE INDEX "customer_subaccount_id_external_id" ON "customers" ("subaccount_id", "external_id");

-- +goose Down
-- reverse: create index "customer_subaccount_id_external_id" to table: "customers"
DROP INDEX "customer_subaccount_id_external_id";
-- reverse: create index "customer_stripe_customer_id" to table: "customers"
DROP INDEX "customer_stripe_customer_id";
-- reverse: create "customers" table
DROP TABLE "customers";
-- reverse: create "subaccounts" table
DROP TABLE "subaccounts";
-- reverse: create index "stripeevent_state_received_at" to table: "stripe_events"
DROP INDEX "stripeevent_state_received_at";
-- reverse: create index "stripeevent_received_at" to table: "stripe_events"
DROP INDEX "stripeevent_received_at";
-- reverse: create "stripe_events" table
DROP TABLE "stripe_events";
