-- +goose Up
-- drop index "customer_stripe_customer_id" from table: "customers"
DROP INDEX "customer_stripe_customer_id";
-- create index "customer_stripe_customer_id" to table: "customers"
CREATE INDEX "customer_stripe_customer_id" ON "customers" ("stripe_customer_id");
-- create index "customer_subaccount_id_stripe_customer_id" to table: "customers"
CREATE UNIQUE INDEX "customer_subaccount_id_stripe_customer_id" ON "customers" ("subaccount_id", "stripe_customer_id");

-- +goose Down
-- reverse: create index "customer_subaccount_id_stripe_customer_id" to table: "customers"
DROP INDEX "customer_subaccount_id_stripe_customer_id";
-- reverse: create index "customer_stripe_customer_id" to table: "customers"
DROP INDEX "customer_stripe_customer_id";
-- reverse: drop index "customer_stripe_customer_id" from table: "customers"
CREATE UNIQUE INDEX "customer_stripe_customer_id" ON "customers" ("stripe_customer_id");
