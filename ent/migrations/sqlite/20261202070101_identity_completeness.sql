-- +goose Up
-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- create "new_biometric_consents" table
CREATE TABLE `new_biometric_consents` (`id` text NOT NULL, `merchant_id` text NOT NULL DEFAULT (''), `customer_id` text NOT NULL DEFAULT (''), `verification_session_id` text NOT NULL DEFAULT (''), `subaccount_id` text NOT NULL, `granted` bool NOT NULL, `recorded_at` datetime NOT NULL, `ip_address` text NOT NULL DEFAULT (''), `user_agent` text NOT NULL DEFAULT (''), `country` text NOT NULL, `legal_basis` text NOT NULL, `withdrawn_at` datetime NULL, `pii_touched_at` datetime NULL, PRIMARY KEY (`id`));
-- copy rows from old table "biometric_consents" to new temporary table "new_biometric_consents"
INSERT INTO `new_biometric_consents` (`id`, `merchant_id`, `subaccount_id`, `granted`, `recorded_at`, `ip_address`, `user_agent`, `country`, `legal_basis`, `withdrawn_at`, `pii_touched_at`) SELECT `id`, IFNULL(`merchant_id`, ('')) AS `merchant_id`, `subaccount_id`, `granted`, `recorded_at`, `ip_address`, `user_agent`, `country`, `legal_basis`, `withdrawn_at`, `pii_touched_at` FROM `biometric_consents`;
-- drop "biometric_consents" table after copying rows
DROP TABLE `biometric_consents`;
-- rename temporary table "new_biometric_consents" to "biometric_consents"
ALTER TABLE `new_biometric_consents` RENAME TO `biometric_consents`;
-- create index "biometricconsent_merchant_id_recorded_at" to table: "biometric_consents"
CREATE INDEX `biometricconsent_merchant_id_recorded_at` ON `biometric_consents` (`merchant_id`, `recorded_at`);
-- create index "biometricconsent_customer_id_recorded_at" to table: "biometric_consents"
CREATE INDEX `biometricconsent_customer_id_recorded_at` ON `biometric_consents` (`customer_id`, `recorded_at`);
-- create "new_subaccounts" table
CREATE TABLE `new_subaccounts` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `identity_verification_mode` text NOT NULL DEFAULT ('disabled'), `identity_verification_risk_threshold` integer NOT NULL DEFAULT (50), `max_verification_attempts` integer NOT NULL DEFAULT (3), `require_matching_selfie` bool NOT NULL DEFAULT (true), `require_live_capture` bool NOT NULL DEFAULT (true), `require_id_number` bool NOT NULL DEFAULT (false), `allowed_document_types` json NULL, `enrollment_requires_verification` bool NOT NULL DEFAULT (false), `non_biometric_alternative` text NOT NULL DEFAULT ('manual_review'), `verification_flow` text NOT NULL DEFAULT (''), `review_provided_details_mismatch` bool NOT NULL DEFAULT (true), `stepup_amount_thresholds` json NULL, `stepup_risk_threshold` integer NOT NULL DEFAULT (0), `stepup_on_fraud_warning` bool NOT NULL DEFAULT (true), `stepup_fallback` text NOT NULL DEFAULT ('identity'), `stepup_cancel_on_failure` bool NOT NULL DEFAULT (false), `stepup_challenge_ttl_seconds` integer NOT NULL DEFAULT (300), PRIMARY KEY (`id`));
-- copy rows from old table "subaccounts" to new temporary table "new_subaccounts"
INSERT INTO `new_subaccounts` (`id`, `created_at`, `updated_at`, `name`, `identity_verification_mode`, `identity_verification_risk_threshold`, `max_verification_attempts`, `require_matching_selfie`, `require_live_capture`, `require_id_number`, `allowed_document_types`, `enrollment_requires_verification`, `stepup_amount_thresholds`, `stepup_risk_threshold`, `stepup_on_fraud_warning`, `stepup_fallback`, `stepup_cancel_on_failure`, `stepup_challenge_ttl_seconds`) SELECT `id`, `created_at`, `updated_at`, `name`, `identity_verification_mode`, `identity_verification_risk_threshold`, `max_verification_attempts`, `require_matching_selfie`, `require_live_capture`, `require_id_number`, `allowed_document_types`, `enrollment_requires_verification`, `stepup_amount_thresholds`, `stepup_risk_threshold`, `stepup_on_fraud_warning`, `stepup_fallback`, `stepup_cancel_on_failure`, `stepup_challenge_ttl_seconds` FROM `subaccounts`;
-- drop "subaccounts" table after copying rows
DROP TABLE `subaccounts`;
-- rename temporary table "new_subaccounts" to "subaccounts"
ALTER TABLE `new_subaccounts` RENAME TO `subaccounts`;
-- create "new_verification_sessions" table
CREATE TABLE `new_verification_sessions` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `customer_id` text NOT NULL, `subaccount_id` text NOT NULL, `status` text NOT NULL, `last_error_code` text NOT NULL DEFAULT (''), `status_event_at` datetime NULL, `status_event_id` text NOT NULL DEFAULT (''), `attempt` integer NOT NULL, `verification_path` text NOT NULL DEFAULT (''), `url` text NOT NULL DEFAULT (''), `redaction_requested_at` datetime NULL, `redacted_at` datetime NULL, PRIMARY KEY (`id`));
-- copy rows from old table "verification_sessions" to new temporary table "new_verification_sessions"
INSERT INTO `new_verification_sessions` (`id`, `created_at`, `updated_at`, `customer_id`, `subaccount_id`, `status`, `last_error_code`, `status_event_at`, `status_event_id`, `attempt`, `url`, `redaction_requested_at`, `redacted_at`) SELECT `id`, `created_at`, `updated_at`, `customer_id`, `subaccount_id`, `status`, `last_error_code`, `status_event_at`, `status_event_id`, `attempt`, `url`, `redaction_requested_at`, `redacted_at` FROM `verification_sessions`;
-- drop "verification_sessions" table after copying rows
DROP TABLE `verification_sessions`;
-- rename temporary table "new_verification_sessions" to "verification_sessions"
ALTER TABLE `new_verification_sessions` RENAME TO `verification_sessions`;
-- create index "verificationsession_customer_id_created_at" to table: "verification_sessions"
CREATE INDEX `verificationsession_customer_id_created_at` ON `verification_sessions` (`customer_id`, `created_at`);
-- create "new_customers" table
CREATE TABLE `new_customers` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `external_id` text NOT NULL, `stripe_customer_id` text NULL, `email` text NOT NULL DEFAULT (''), `phone` text NOT NULL DEFAULT (''), `first_name` text NOT NULL DEFAULT (''), `last_name` text NOT NULL DEFAULT (''), `dob` text NOT NULL DEFAULT (''), `identity_verification_required` bool NOT NULL DEFAULT (false), `identity_verification_required_at` datetime NULL, `identity_verification_required_reason` text NOT NULL DEFAULT (''), `identity_verification_required_source` text NULL, `identity_requirement_cleared_at` datetime NULL, `identity_status` text NULL, `identity_verified_at` datetime NULL, `identity_session_id` text NULL, `identity_attempt_count` integer NOT NULL DEFAULT (0), `identity_last_error_code` text NOT NULL DEFAULT (''), `identity_verification_path` text NOT NULL DEFAULT (''), `stripe_risk_score` integer NULL, `stripe_radar_risk_score` integer NULL, `stripe_risk_level` text NULL, `stripe_risk_charge_id` text NOT NULL DEFAULT (''), `stripe_risk_charge_created` datetime NULL, `identity_first_name` text NOT NULL DEFAULT (''), `identity_last_name` text NOT NULL DEFAULT (''), `identity_dob` text NOT NULL DEFAULT (''), `identity_id_type` text NOT NULL DEFAULT (''), `identity_address` text NOT NULL DEFAULT (''), `identity_id_number_last4` text NOT NULL DEFAULT (''), `identity_issuing_country` text NOT NULL DEFAULT (''), `identity_expiration_date` text NOT NULL DEFAULT (''), `identity_manual_verification` bool NOT NULL DEFAULT (false), `identity_manual_verification_notes` text NOT NULL DEFAULT (''), `identity_manual_verification_by` text NOT NULL DEFAULT (''), `identity_manual_verification_at` datetime NULL, `fraud_warning_id` text NOT NULL DEFAULT (''), `fraud_warning_at` datetime NULL, `applied_fraud_warning_id` text NOT NULL DEFAULT (''), `applied_fraud_warning_at` datetime NULL, `identity_redaction_requested_at` datetime NULL, `identity_redacted_at` datetime NULL, `pii_touched_at` datetime NULL, `subaccount_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `customers_subaccounts_customers` FOREIGN KEY (`subaccount_id`) REFERENCES `subaccounts` (`id`) ON DELETE NO ACTION);
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
-- create index "customer_required_queue" to table: "customers"
CREATE INDEX `customer_required_queue` ON `customers` (`subaccount_id`, `identity_verification_required`, `identity_verification_required_at`);
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;

-- +goose Down
-- reverse: create index "customer_required_queue" to table: "customers"
DROP INDEX `customer_required_queue`;
-- reverse: create index "customer_stripe_customer_id" to table: "customers"
DROP INDEX `customer_stripe_customer_id`;
-- reverse: create index "customer_subaccount_id_stripe_customer_id" to table: "customers"
DROP INDEX `customer_subaccount_id_stripe_customer_id`;
-- reverse: create index "customer_subaccount_id_external_id" to table: "customers"
DROP INDEX `customer_subaccount_id_external_id`;
-- reverse: create "new_customers" table
DROP TABLE `new_customers`;
-- reverse: create index "verificationsession_customer_id_created_at" to table: "verification_sessions"
DROP INDEX `verificationsession_customer_id_created_at`;
-- reverse: create "new_verification_sessions" table
DROP TABLE `new_verification_sessions`;
-- reverse: create "new_subaccounts" table
DROP TABLE `new_subaccounts`;
-- reverse: create index "biometricconsent_customer_id_recorded_at" to table: "biometric_consents"
DROP INDEX `biometricconsent_customer_id_recorded_at`;
-- reverse: create index "biometricconsent_merchant_id_recorded_at" to table: "biometric_consents"
DROP INDEX `biometricconsent_merchant_id_recorded_at`;
-- reverse: create "new_biometric_consents" table
DROP TABLE `new_biometric_consents`;
