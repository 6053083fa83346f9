-- +goose Up
-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- create index "kyccheck_transaction_id" to table: "kyc_checks"
CREATE INDEX `kyccheck_transaction_id` ON `kyc_checks` (`transaction_id`);
-- create "new_merchants" table
CREATE TABLE `new_merchants` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `subaccount_id` text NOT NULL, `external_id` text NOT NULL, `stripe_account_id` text NULL, `country` text NOT NULL, `business_type` text NOT NULL, `high_risk` bool NOT NULL DEFAULT (false), `route` text NOT NULL, `person_first_name` text NOT NULL DEFAULT (''), `person_last_name` text NOT NULL DEFAULT (''), `person_dob` text NOT NULL DEFAULT (''), `person_address` text NOT NULL DEFAULT (''), `person_id_number` text NOT NULL DEFAULT (''), `business_legal_name` text NOT NULL DEFAULT (''), `business_tax_id` text NOT NULL DEFAULT (''), `stripe_person_id` text NULL, `rejected_document_files` json NULL, `kyc_status` text NOT NULL DEFAULT (''), `charges_enabled` bool NOT NULL DEFAULT (false), `payouts_enabled` bool NOT NULL DEFAULT (false), `requirements` text NOT NULL DEFAULT ('{}'), `capabilities` text NOT NULL DEFAULT ('{}'), `disabled_reason` text NOT NULL DEFAULT (''), `current_deadline` datetime NULL, `account_event_at` datetime NULL, PRIMARY KEY (`id`));
-- copy rows from old table "merchants" to new temporary table "new_merchants"
INSERT INTO `new_merchants` (`id`, `created_at`, `updated_at`, `subaccount_id`, `external_id`, `stripe_account_id`, `country`, `business_type`, `high_risk`, `route`, `person_first_name`, `person_last_name`, `person_dob`, `person_address`, `person_id_number`, `stripe_person_id`, `rejected_document_files`, `kyc_status`, `charges_enabled`, `payouts_enabled`, `requirements`, `capabilities`, `disabled_reason`, `current_deadline`, `account_event_at`) SELECT `id`, `created_at`, `updated_at`, `subaccount_id`, `external_id`, `stripe_account_id`, `country`, `business_type`, `high_risk`, `route`, `person_first_name`, `person_last_name`, `person_dob`, `person_address`, `person_id_number`, `stripe_person_id`, `rejected_document_files`, `kyc_status`, `charges_enabled`, `payouts_enabled`, `requirements`, `capabilities`, `disabled_reason`, `current_deadline`, `account_event_at` FROM `merchants`;
-- drop "merchants" table after copying rows
DROP TABLE `merchants`;
-- rename temporary table "new_merchants" to "merchants"
ALTER TABLE `new_merchants` RENAME TO `merchants`;
-- create index "merchants_stripe_account_id_key" to table: "merchants"
CREATE UNIQUE INDEX `merchants_stripe_account_id_key` ON `merchants` (`stripe_account_id`);
-- create index "merchant_subaccount_id_external_id" to table: "merchants"
CREATE UNIQUE INDEX `merchant_subaccount_id_external_id` ON `merchants` (`subaccount_id`, `external_id`);
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;

-- +goose Down
-- reverse: create index "merchant_subaccount_id_external_id" to table: "merchants"
DROP INDEX `merchant_subaccount_id_external_id`;
-- reverse: create index "merchants_stripe_account_id_key" to table: "merchants"
DROP INDEX `merchants_stripe_account_id_key`;
-- reverse: create "new_merchants" table
DROP TABLE `new_merchants`;
-- reverse: create index "kyccheck_transaction_id" to table: "kyc_checks"
DROP INDEX `kyccheck_transaction_id`;
