-- +goose Up
-- create index "customer_required_queue" to table: "customers"
CREATE INDEX "customer_required_queue" ON "customers" ("subaccount_id", "identity_verification_required", "identity_verification_required_at");

-- +goose Down
-- reverse: create index "customer_required_queue" to table: "customers"
DROP INDEX "customer_required_queue";
