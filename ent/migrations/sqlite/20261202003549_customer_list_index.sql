-- +goose Up
-- create index "customer_subaccount_id_identity_8810b7c28231566f5422cd5ae249f748" to table: "customers"
CREATE INDEX `customer_subaccount_id_identity_8810b7c28231566f5422cd5ae249f748` ON `customers` (`subaccount_id`, `identity_verification_required`, `identity_verification_required_at`);

-- +goose Down
-- reverse: create index "customer_subaccount_id_identity_8810b7c28231566f5422cd5ae249f748" to table: "customers"
DROP INDEX `customer_subaccount_id_identity_8810b7c28231566f5422cd5ae249f748`;
