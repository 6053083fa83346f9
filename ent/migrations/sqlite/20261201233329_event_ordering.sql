-- +goose Up
-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- create "new_stripe_events" table
CREATE TABLE `new_stripe_events` (`id` text NOT NULL, `endpoint` text NOT NULL, `type` text NOT NULL, `account` text NOT NULL DEFAULT (''), `livemode` bool NOT NULL, `api_version` text NOT NULL DEFAULT (''), `stripe_created_at` datetime NOT NULL, `payload` blob NOT NULL, `received_at` datetime NOT NULL, `state` text NOT NULL DEFAULT ('pending'), `attempts` integer NOT NULL DEFAULT (0), `outcome` text NOT NULL DEFAULT (''), `last_error` text NOT NULL DEFAULT (''), `processed_at` datetime NULL, PRIMARY KEY (`id`));
-- copy rows from old table "stripe_events" to new temporary table "new_stripe_events"
INSERT INTO `new_stripe_events` (`id`, `endpoint`, `type`, `account`, `livemode`, `api_version`, `stripe_created_at`, `payload`, `received_at`, `state`, `attempts`, `last_error`, `processed_at`) SELECT `id`, `endpoint`, `type`, `account`, `livemode`, `api_version`, `stripe_created_at`, `payload`, `received_at`, `state`, `attempts`, `last_error`, `processed_at` FROM `stripe_events`;
-- drop "stripe_events" table after copying rows
DROP TABLE `stripe_events`;
-- rename temporary table "new_stripe_events" to "stripe_events"
ALTER TABLE `new_stripe_events` RENAME TO `stripe_events`;
-- create index "stripeevent_state_received_at" to table: "stripe_events"
CREATE INDEX `stripeevent_state_received_at` ON `stripe_events` (`state`, `received_at`);
-- create index "stripeevent_received_at" to table: "stripe_events"
CREATE INDEX `stripeevent_received_at` ON `stripe_events` (`received_at`);
-- create "new_verification_sessions" table
CREATE TABLE `new_verification_sessions` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `customer_id` text NOT NULL, `subaccount_id` text NOT NULL, `status` text NOT NULL, `last_error_code` text NOT NULL DEFAULT (''), `status_event_at` datetime NULL, `status_event_id` text NOT NULL DEFAULT (''), `attempt` integer NOT NULL, `url` text NOT NULL DEFAULT (''), `redaction_requested_at` datetime NULL, `redacted_at` datetime NULL, PRIMARY KEY (`id`));
-- copy rows from old table "verification_sessions" to new temporary table "new_verification_sessions"
INSERT INTO `new_verification_sessions` (`id`, `created_at`, `updated_at`, `customer_id`, `subaccount_id`, `status`, `last_error_code`, `status_event_at`, `attempt`, `url`, `redaction_requested_at`, `redacted_at`) SELECT `id`, `created_at`, `updated_at`, `customer_id`, `subaccount_id`, `status`, `last_error_code`, `status_event_at`, `attempt`, `url`, `redaction_requested_at`, `redacted_at` FROM `verification_sessions`;
-- drop "verification_sessions" table after copying rows
DROP TABLE `verification_sessions`;
-- rename temporary table "new_verification_sessions" to "verification_sessions"
ALTER TABLE `new_verification_sessions` RENAME TO `verification_sessions`;
-- create index "verificationsession_customer_id_created_at" to table: "verification_sessions"
CREATE INDEX `verificationsession_customer_id_created_at` ON `verification_sessions` (`customer_id`, `created_at`);
-- create "new_persons" table
CREATE TABLE `new_persons` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `merchant_id` text NOT NULL, `stripe_person_id` text NOT NULL, `verification_status` text NOT NULL, `verification_details_code` text NOT NULL DEFAULT (''), `event_at` datetime NULL, `event_id` text NOT NULL DEFAULT (''), PRIMARY KEY (`id`));
-- copy rows from old table "persons" to new temporary table "new_persons"
-- persons were keyed by Stripe's person id alone: it becomes the stripe_person_id
INSERT INTO `new_persons` (`id`, `created_at`, `updated_at`, `merchant_id`, `stripe_person_id`, `verification_status`, `verification_details_code`, `event_at`) SELECT `id`, `created_at`, `updated_at`, `merchant_id`, `id`, `verification_status`, `verification_details_code`, `event_at` FROM `persons`;
-- drop "persons" table after copying rows
DROP TABLE `persons`;
-- rename temporary table "new_persons" to "persons"
ALTER TABLE `new_persons` RENAME TO `persons`;
-- create index "person_merchant_id_stripe_person_id" to table: "persons"
CREATE UNIQUE INDEX `person_merchant_id_stripe_person_id` ON `persons` (`merchant_id`, `stripe_person_id`);
-- create "new_merchant_sessions" table
CREATE TABLE `new_merchant_sessions` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `merchant_id` text NOT NULL, `subaccount_id` text NOT NULL, `status` text NOT NULL, `last_error_code` text NOT NULL DEFAULT (''), `status_event_at` datetime NULL, `status_event_id` text NOT NULL DEFAULT (''), `attempt` integer NOT NULL, PRIMARY KEY (`id`));
-- copy rows from old table "merchant_sessions" to new temporary table "new_merchant_sessions"
INSERT INTO `new_merchant_sessions` (`id`, `created_at`, `updated_at`, `merchant_id`, `subaccount_id`, `status`, `last_error_code`, `status_event_at`, `attempt`) SELECT `id`, `created_at`, `updated_at`, `merchant_id`, `subaccount_id`, `status`, `last_error_code`, `status_event_at`, `attempt` FROM `merchant_sessions`;
-- drop "merchant_sessions" table after copying rows
DROP TABLE `merchant_sessions`;
-- rename temporary table "new_merchant_sessions" to "merchant_sessions"
ALTER TABLE `new_merchant_sessions` RENAME TO `merchant_sessions`;
-- create index "merchantsession_merchant_id_created_at" to table: "merchant_sessions"
CREATE INDEX `merchantsession_merchant_id_created_at` ON `merchant_sessions` (`merchant_id`, `created_at`);
-- create "new_customers" table
CREATE TABLE `new_customers` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `external_id` text NOT NULL, `stripe_customer_id` text NULL, `email` text NOT NULL DEFAULT (''), `phone` text NOT NULL DEFAULT (''), `identity_verification_required` bool NOT NULL DEFAULT (false), `identity_verification_required_at` datetime NULL, `identity_verification_required_reason` text NOT NULL DEFAULT (''), `identity_verification_required_source` text NULL, `identity_requirement_cleared_at` datetime NULL, `identity_status` text NULL, `identity_verified_at` datetime NULL, `identity_session_id` text NULL, `identity_attempt_count` integer NOT NULL DEFAULT (0), `identity_last_error_code` text NOT NULL DEFAULT (''), `stripe_risk_score` integer NULL, `stripe_radar_risk_score` integer NULL, `stripe_risk_level` text NULL, `stripe_risk_charge_id` text NOT NULL DEFAULT (''), `stripe_risk_charge_created` datetime NULL, `identity_first_name` text NOT NULL DEFAULT (''), `identity_last_name` text NOT NULL DEFAULT (''), `identity_dob` text NOT NULL DEFAULT (''), `identity_id_type` text NOT NULL DEFAULT (''), `identity_address` text NOT NULL DEFAULT (''), `identity_id_number_last4` text NOT NULL DEFAULT (''), `identity_issuing_country` text NOT NULL DEFAULT (''), `identity_expiration_date` text NOT NULL DEFAULT (''), `identity_manual_verification` bool NOT NULL DEFAULT (false), `identity_manual_verification_notes` text NOT NULL DEFAULT (''), `identity_manual_verification_by` text NOT NULL DEFAULT (''), `identity_manual_verification_at` datetime NULL, `fraud_warning_id` text NOT NULL DEFAULT (''), `fraud_warning_at` datetime NULL, `applied_fraud_warning_id` text NOT NULL DEFAULT (''), `applied_fraud_warning_at` datetime NULL, `identity_redaction_requested_at` datetime NULL, `identity_redacted_at` datetime NULL, `subaccount_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `customers_subaccounts_customers` FOREIGN KEY (`subaccount_id`) REFERENCES `subaccounts` (`id`) ON DELETE NO ACTION);
-- copy rows from old table "customers" to new temporary table "new_customers"
INSERT INTO `new_customers` (`id`, `created_at`, `updated_at`, `external_id`, `stripe_customer_id`, `email`, `phone`, `identity_verification_required`, `identity_verification_required_at`, `identity_verification_required_reason`, `identity_verification_required_source`, `identity_requirement_cleared_at`, `identity_status`, `identity_verified_at`, `identity_session_id`, `identity_attempt_count`, `identity_last_error_code`, `stripe_risk_score`, `stripe_radar_risk_score`, `stripe_risk_level`, `stripe_risk_charge_id`, `stripe_risk_charge_created`, `identity_first_name`, `identity_last_name`, `identity_dob`, `identity_id_type`, `identity_address`, `identity_id_number_last4`, `identity_issuing_country`, `identity_expiration_date`, `identity_manual_verification`, `identity_manual_verification_notes`, `identity_manual_verification_by`, `identity_manual_verification_at`, `fraud_warning_id`, `fraud_warning_at`, `identity_redaction_requested_at`, `identity_redacted_at`, `subaccount_id`) SELECT `id`, `created_at`, `updated_at`, `external_id`, `stripe_customer_id`, `email`, `phone`, `identity_verification_required`, `identity_verification_required_at`, `identity_verification_required_reason`, `identity_verification_required_source`, `identity_requirement_cleared_at`, `identity_status`, `identity_verified_at`, `identity_session_id`, `identity_attempt_count`, `identity_last_error_code`, `stripe_risk_score`, `stripe_radar_risk_score`, `stripe_risk_level`, `stripe_risk_charge_id`, `stripe_risk_charge_created`, `identity_first_name`, `identity_last_name`, `identity_dob`, `identity_id_type`, `identity_address`, `identity_id_number_last4`, `identity_issuing_country`, `identity_expiration_date`, `identity_manual_verification`, `identity_manual_verification_notes`, `identity_manual_verification_by`, `identity_manual_verification_at`, `fraud_warning_id`, `fraud_warning_at`, `identity_redaction_requested_at`, `identity_redacted_at`, `subaccount_id` FROM `customers`;
-- drop "customers" table after copying rows
DROP TABLE `customers`;
-- rename temporary table "new_customers" to "customers"
ALTER TABLE `new_customers` RENAME TO `customers`;
-- create index "customer_subaccount_id_external_id" to table: "customers"
CREATE UNIQUE INDEX `customer_subaccount_id_external_id` ON `customers` (`subaccount_id`, `external_id`);
-- create index "customer_stripe_customer_id" to table: "customers"
CREATE UNIQUE INDEX `customer_stripe_customer_id` ON `customers` (`stripe_customer_id`);
-- create "new_payment_stepups" table
CREATE TABLE `new_payment_stepups` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `subaccount_id` text NOT NULL, `customer_id` text NOT NULL, `amount` integer NOT NULL, `currency` text NOT NULL, `payee` text NOT NULL DEFAULT (''), `stripe_status` text NOT NULL DEFAULT (''), `required` bool NOT NULL DEFAULT (false), `reasons` json NULL, `status` text NOT NULL, `method` text NOT NULL DEFAULT (''), `credential_id` text NOT NULL DEFAULT (''), `challenge_id` text NOT NULL DEFAULT (''), `identity_session_id` text NOT NULL DEFAULT (''), `identity_session_status` text NOT NULL DEFAULT (''), `identity_session_error_code` text NOT NULL DEFAULT (''), `identity_session_event_at` datetime NULL, `identity_session_event_id` text NOT NULL DEFAULT (''), `event_at` datetime NULL, `event_id` text NOT NULL DEFAULT (''), `failure_reason` text NOT NULL DEFAULT (''), `decided_at` datetime NULL, `capture_on_pass` bool NOT NULL DEFAULT (false), `metadata_written_at` datetime NULL, `captured_at` datetime NULL, `canceled_at` datetime NULL, PRIMARY KEY (`id`));
-- copy rows from old table "payment_stepups" to new temporary table "new_payment_stepups"
INSERT INTO `new_payment_stepups` (`id`, `created_at`, `updated_at`, `subaccount_id`, `customer_id`, `amount`, `currency`, `payee`, `stripe_status`, `required`, `reasons`, `status`, `method`, `credential_id`, `challenge_id`, `identity_session_id`, `failure_reason`, `decided_at`, `capture_on_pass`, `metadata_written_at`, `captured_at`, `canceled_at`) SELECT `id`, `created_at`, `updated_at`, `subaccount_id`, `customer_id`, `amount`, `currency`, `payee`, `stripe_status`, `required`, `reasons`, `status`, `method`, `credential_id`, `challenge_id`, `identity_session_id`, `failure_reason`, `decided_at`, `capture_on_pass`, `metadata_written_at`, `captured_at`, `canceled_at` FROM `payment_stepups`;
-- drop "payment_stepups" table after copying rows
DROP TABLE `payment_stepups`;
-- rename temporary table "new_payment_stepups" to "payment_stepups"
ALTER TABLE `new_payment_stepups` RENAME TO `payment_stepups`;
-- create index "paymentstepup_customer_id_created_at" to table: "payment_stepups"
CREATE INDEX `paymentstepup_customer_id_created_at` ON `payment_stepups` (`customer_id`, `created_at`);
-- create "new_merchants" table
CREATE TABLE `new_merchants` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `subaccount_id` text NOT NULL, `external_id` text NOT NULL, `stripe_account_id` text NULL, `country` text NOT NULL, `business_type` text NOT NULL, `high_risk` bool NOT NULL DEFAULT (false), `route` text NOT NULL, `person_first_name` text NOT NULL DEFAULT (''), `person_last_name` text NOT NULL DEFAULT (''), `person_dob` text NOT NULL DEFAULT (''), `person_address` text NOT NULL DEFAULT (''), `person_id_number` text NOT NULL DEFAULT (''), `business_legal_name` text NOT NULL DEFAULT (''), `business_tax_id` text NOT NULL DEFAULT (''), `stripe_person_id` text NULL, `rejected_document_files` json NULL, `document_uploads` json NULL, `document_files` json NULL, `kyc_status` text NOT NULL DEFAULT (''), `charges_enabled` bool NOT NULL DEFAULT (false), `payouts_enabled` bool NOT NULL DEFAULT (false), `requirements` text NOT NULL DEFAULT ('{}'), `capabilities` text NOT NULL DEFAULT ('{}'), `disabled_reason` text NOT NULL DEFAULT (''), `current_deadline` datetime NULL, `account_event_at` datetime NULL, `account_event_id` text NOT NULL DEFAULT (''), PRIMARY KEY (`id`));
-- copy rows from old table "merchants" to new temporary table "new_merchants"
INSERT INTO `new_merchants` (`id`, `created_at`, `updated_at`, `subaccount_id`, `external_id`, `stripe_account_id`, `country`, `business_type`, `high_risk`, `route`, `person_first_name`, `person_last_name`, `person_dob`, `person_address`, `person_id_number`, `business_legal_name`, `business_tax_id`, `stripe_person_id`, `rejected_document_files`, `document_uploads`, `document_files`, `kyc_status`, `charges_enabled`, `payouts_enabled`, `requirements`, `capabilities`, `disabled_reason`, `current_deadline`, `account_event_at`) SELECT `id`, `created_at`, `updated_at`, `subaccount_id`, `external_id`, `stripe_account_id`, `country`, `business_type`, `high_risk`, `route`, `person_first_name`, `person_last_name`, `person_dob`, `person_address`, `person_id_number`, `business_legal_name`, `business_tax_id`, `stripe_person_id`, `rejected_document_files`, `document_uploads`, `document_files`, `kyc_status`, `charges_enabled`, `payouts_enabled`, `requirements`, `capabilities`, `disabled_reason`, `current_deadline`, `account_event_at` FROM `merchants`;
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
-- reverse: create index "paymentstepup_customer_id_created_at" to table: "payment_stepups"
DROP INDEX `paymentstepup_customer_id_created_at`;
-- reverse: create "new_payment_stepups" table
DROP TABLE `new_payment_stepups`;
-- reverse: create index "customer_stripe_customer_id" to table: "customers"
DROP INDEX `customer_stripe_customer_id`;
-- reverse: create index "customer_subaccount_id_external_id" to table: "customers"
DROP INDEX `customer_subaccount_id_external_id`;
-- reverse: create "new_customers" table
DROP TABLE `new_customers`;
-- reverse: create index "merchantsession_merchant_id_created_at" to table: "merchant_sessions"
DROP INDEX `merchantsession_merchant_id_created_at`;
-- reverse: create "new_merchant_sessions" table
DROP TABLE `new_merchant_sessions`;
-- reverse: create index "person_merchant_id_stripe_person_id" to table: "persons"
DROP INDEX `person_merchant_id_stripe_person_id`;
-- reverse: create "new_persons" table
DROP TABLE `new_persons`;
-- reverse: create index "verificationsession_customer_id_created_at" to table: "verification_sessions"
DROP INDEX `verificationsession_customer_id_created_at`;
-- reverse: create "new_verification_sessions" table
DROP TABLE `new_verification_sessions`;
-- reverse: create index "stripeevent_received_at" to table: "stripe_events"
DROP INDEX `stripeevent_received_at`;
-- reverse: create index "stripeevent_state_received_at" to table: "stripe_events"
DROP INDEX `stripeevent_state_received_at`;
-- reverse: create "new_stripe_events" table
DROP TABLE `new_stripe_events`;
