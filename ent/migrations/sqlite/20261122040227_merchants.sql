-- +goose Up
-- create "merchants" table
CREATE TABLE `merchants` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `subaccount_id` text NOT NULL, `external_id` text NOT NULL, `stripe_account_id` text NULL, `country` text NOT NULL, `business_type` text NOT NULL, `high_risk` bool NOT NULL DEFAULT (false), `route` text NOT NULL, `charges_enabled` bool NOT NULL DEFAULT (false), `payouts_enabled` bool NOT NULL DEFAULT (false), `requirements` text NOT NULL DEFAULT ('{}'), `capabilities` text NOT NULL DEFAULT ('{}'), `disabled_reason` text NOT NULL DEFAULT (''), `current_deadline` datetime NULL, `account_event_at` datetime NULL, PRIMARY KEY (`id`));
-- create index "merchants_stripe_account_id_key" to table: "merchants"
CREATE UNIQUE INDEX `merchants_stripe_account_id_key` ON `merchants` (`stripe_account_id`);
-- create index "merchant_subaccount_id_external_id" to table: "merchants"
CREATE UNIQUE INDEX `merchant_subaccount_id_external_id` ON `merchants` (`subaccount_id`, `external_id`);
-- create "persons" table
CREATE TABLE `persons` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `merchant_id` text NOT NULL, `verification_status` text NOT NULL, `verification_details_code` text NOT NULL DEFAULT (''), `event_at` datetime NULL, PRIMARY KEY (`id`));
-- create index "person_merchant_id" to table: "persons"
CREATE INDEX `person_merchant_id` ON `persons` (`merchant_id`);

-- +goose Down
-- reverse: create index "person_merchant_id" to table: "persons"
DROP INDEX `person_merchant_id`;
-- reverse: create "persons" table
DROP TABLE `persons`;
-- reverse: create index "merchant_subaccount_id_external_id" to table: "merchants"
DROP INDEX `merchant_subaccount_id_external_id`;
-- reverse: create index "merchants_stripe_account_id_key" to table: "merchants"
DROP INDEX `merchants_stripe_account_id_key`;
-- reverse: create "merchants" table
DROP TABLE `merchants`;
