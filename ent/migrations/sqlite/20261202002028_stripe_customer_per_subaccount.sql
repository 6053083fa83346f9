-- +goose Up
-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- create "new_customers" table
CREATE TABLE `new_customers` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `external_id` text NOT NULL, `stripe_customer_id` text NULL, `email` text NOT NULL DEFAULT (''), `phone` text NOT NULL DEFAULT (''), `identity_verification_required` bool NOT NULL DEFAULT (false), `identity_verification_required_at` datetime NULL, `identity_verification_required_reason` text NOT NULL DEFAULT (''), `identity_verification_required_source` text NULL, `identity_requirement_cleared_at` datetime NULL, `identity_status` text NULL, `identity_verified_at` datetime NULL, `identity_session_id` text NULL, `identity_attempt_count` integer NOT NULL DEFAULT (0), `identity_last_error_code` text NOT NULL DEFAULT (''), `stripe_risk_score` integer NULL, `stripe_radar_risk_score` integer NULL, `stripe_risk_level` text NULL, `stripe_risk_charge_id` text NOT NULL DEFAULT (''), `stripe_risk_charge_created` datetime NULL, `identity_first_name` text NOT NULL DEFAULT (''), `identity_last_name` text NOT NULL DEFAULT (''), `identity_dob` text NOT NULL DEFAULT (''), `identity_id_type` text NOT NULL DEFAULT (''), `identity_address` text NOT NULL DEFAULT (''), `identity_id_number_last4` text NOT NULL DEFAULT (''), `identity_issuing_country` text NOT NULL DEFAULT (''), `identity_expiration_date` text NOT NULL DEFAULT (''), `identity_manual_verification` bool NOT NULL DEFAULT (false), `identity_manual_verification_notes` text NOT NULL DEFAULT (''), `identity_manual_verification_by` text NOT NULL DEFAULT (''), `identity_manual_verification_at` datetime NULL, `fraud_warning_id` text NOT NULL DEFAULT (''), `fraud_warning_at` datetime NULL, `applied_fraud_warning_id` text NOT NULL DEFAULT (''), `applied_fraud_warning_at` datetime NULL, `identity_redaction_requested_at` datetime NULL, `identity_redacted_at` datetime NULL, `pii_touched_at` datetime NULL, `subaccount_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `customers_subaccounts_customers` FOREIGN KEY (`subaccount_id`) REFERENCES `subaccounts` (`id`) ON DELETE NO ACTION);
-- copy rows from old table "customers" to new temporary table "new_customers"
INSERT INTO `new_customers` (`id`, `created_at`, `updated_at`, `external_id`, `stripe_customer_id`, `email`, `phone`, `identity_verification_required`, `identity_verification_required_at`, `identity_verification_required_reason`, `identity_verification_required_source`, `identity_requirement_cleared_at`, `identity_status`, `identity_verified_at`, `identity_session_id`, `identity_attempt_count`, `identity_last_error_code`, `stripe_risk_score`, `stripe_radar_risk_score`, `stripe_risk_level`, `stripe_risk_charge_id`, `stripe_risk_charge_created`, `identity_first_name`, `identity_last_name`, `identity_dob`, `identity_id_type`, `identity_address`, `identity_id_number_last4`, `identity_issuing_country`, `identity_expiration_date`, `identity_manual_verification`, `identity_manual_verification_notes`, `identity_manual_verification_by`, `identity_manual_verification_at`, `fraud_warning_id`, `fraud_warning_at`, `applied_fraud_warning_id`, `applied_fraud_warning_at`, `identity_redaction_requested_at`, `identity_redacted_at`, `pii_touched_at`, `subaccount_id`) SELECT `id`, `created_at`, `updated_at`, `external_id`, `stripe_customer_id`, `email`, `phone`, `identity_verification_required`, `identity_verification_required_at`, `identity_verification_required_reason`, `identity_verification_required_source`, `identity_requirement_cleared_at`, `identity_status`, `identity_verified_at`, `identity_session_id`, `identity_attempt_count`, `identity_last_error_code`, `stripe_risk_score`, `stripe_radar_risk_score`, `stripe_risk_level`, `stripe_risk_charge_id`, `stripe_risk_charge_created`, `identity_first_name`, `identity_last_name`, `identity_dob`, `identity_id_type`, `identity_address`, `identity_id_number_last4`, `identity_issuing_country`, `identity_expiration_date`, `identity_manual_verification`, `identity_manual_verification_notes`, `identity_manual_verification_by`, `identity_manual_verification_at`, `fraud_warning_id`, `fraud_warning_at`, `applied_fraud_warning_id`, `applied_fraud_warning_at`, `identity_redaction_requested_at`, `identity_redacted_at`, `pii_touched_at`, `subaccount_id` FROM `customers`;
-- drop "customers" table after copying rows
DROP TABLE `customers`;
-- rename temporary table "new_customers" to "customers"
ALTER TABLE `new_customers` RENAME TO `customers`;
-- create index "customer_subaccount_id_external_id" to table: "customers"
CREATE UNIQUE INDEX `customer_subaccount_id_external_id` ON `customers` (`subaccount_id`, `external_id`);
-- create index "customer_subaccount_id_stripe_customer_id" to table: "customers"
CREATE UNIQUE INDEX `customer_subaccount_id_stripe_customer_id` ON `customers` (`subaccount_id`, `stripe_customer_id`);
-- create index "customer_stripe_customer_id" to table: "customers"
CREATE INDEX `customer_stripe_customer_id` ON `customers` (`stripe_customer_id`);
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;

-- +goose Down
-- reverse: create index "customer_stripe_customer_id" to table: "customers"
DROP INDEX `customer_stripe_customer_id`;
-- reverse: create index "customer_subaccount_id_stripe_customer_id" to table: "customers"
DROP INDEX `customer_subaccount_id_stripe_customer_id`;
-- reverse: create index "customer_subaccount_id_external_id" to table: "customers"
DROP INDEX `customer_subaccount_id_external_id`;
-- reverse: create "new_customers" table
DROP TABLE `new_customers`;
