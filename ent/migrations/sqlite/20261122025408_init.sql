-- +goose Up
-- create "customers" table
CREATE TABLE `customers` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `external_id` text NOT NULL, `stripe_customer_id` text NULL, `email` text NOT NULL DEFAULT (''), `phone` text NOT NULL DEFAULT (''), `subaccount_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `customers_subaccounts_customers` FOREIGN KEY (`subaccount_id`) REFERENCES `subaccounts` (`id`) ON DELETE NO ACTION);
-- create index "customer_subaccount_id_external_id" to table: "customers"
CREATE UNIQUE INDEX `customer_subaccount_id_external_id` ON `customers` (`subaccount_id`, `external_id`);
-- create index "customer_stripe_customer_id" to table: "customers"
CREATE UNIQUE INDEX `customer_stripe_customer_id` ON `customers` (`stripe_customer_id`);
-- create "stripe_events" table
CREATE TABLE `stripe_events` (`id` text NOT NULL, `endpoint` text NOT NULL, `type` text NOT NULL, `account` text NOT NULL DEFAULT (''), `livemode` bool NOT NULL, `api_version` text NOT NULL DEFAULT (''), `stripe_created_at` datetime NOT NULL, `payload` blob NOT NULL, `received_at` datetime NOT NULL, `state` text NOT NULL DEFAULT ('pending'), `attempts` integer NOT NULL DEFAULT (0), `last_error` text NOT NULL DEFAULT (''), `processed_at` datetime NULL, PRIMARY KEY (`id`));
-- create index "stripeevent_state_received_at" to table: "stripe_events"
CREATE INDEX `stripeevent_state_received_at` ON `stripe_events` (`state`, `received_at`);
-- create index "stripeevent_received_at" to table: "stripe_events"
CREATE INDEX `stripeevent_received_at` ON `stripe_events` (`received_at`);
-- create "subaccounts" table
CREATE TABLE `subaccounts` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `identity_verification_mode` text NOT NULL DEFAULT ('disabled'), `identity_verification_risk_threshold` integer NOT NULL DEFAULT (50), `max_verification_attempts` integer NOT NULL DEFAULT (3), PRIMARY KEY (`id`));

-- +goose Down
-- reverse: create "subaccounts" table
DROP TABLE `subaccounts`;
-- reverse: create index "stripeevent_received_at" to table: "stripe_events"
DROP INDEX `stripeevent_received_at`;
-- reverse: create index "stripeevent_state_received_at" to table: "stripe_events"
DROP INDEX `stripeevent_state_received_at`;
-- reverse: create "stripe_events" table
DROP TABLE `stripe_events`;
-- reverse: create index "customer_stripe_customer_id" to table: "customers"
DROP INDEX `customer_stripe_customer_id`;
-- reverse: create index "customer_subaccount_id_external_id" to table: "customers"
DROP INDEX `customer_subaccount_id_external_id`;
-- reverse: create "customers" table
DROP TABLE `customers`;
