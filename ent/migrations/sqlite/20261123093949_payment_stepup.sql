-- +goose Up
-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- create "new_customers" table
CREATE TABLE `new_customers` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `external_id` text NOT NULL, `stripe_customer_id` text NULL, `email` text NOT NULL DEFAULT (''), `phone` text NOT NULL DEFAULT (''), `identity_verification_required` bool NOT NULL DEFAULT (false), `identity_verification_required_at` datetime NULL, `identity_verification_required_reason` text NOT NULL DEFAULT (''), `identity_requirement_cleared_at` datetime NULL, `identity_status` text NULL, `identity_verified_at` datetime NULL, `identity_session_id` text NULL, `identity_attempt_count` integer NOT NULL DEFAULT (0), `identity_last_error_code` text NOT NULL DEFAULT (''), `stripe_risk_score` integer NULL, `stripe_radar_risk_score` integer NULL, `stripe_risk_level` text NULL, `stripe_risk_charge_id` text NOT NULL DEFAULT (''), `identity_first_name` text NOT NULL DEFAULT (''), `identity_last_name` text NOT NULL DEFAULT (''), `identity_dob` text NOT NULL DEFAULT (''), `identity_id_type` text NOT NULL DEFAULT (''), `identity_address` text NOT NULL DEFAULT (''), `identity_id_number_last4` text NOT NULL DEFAULT (''), `identity_issuing_country` text NOT NULL DEFAULT (''), `identity_expiration_date` text NOT NULL DEFAULT (''), `identity_manual_verification` bool NOT NULL DEFAULT (false), `identity_manual_verification_notes` text NOT NULL DEFAULT (''), `identity_manual_verification_by` text NOT NULL DEFAULT (''), `identity_manual_verification_at` datetime NULL, `fraud_warning_id` text NOT NULL DEFAULT (''), `fraud_warning_at` datetime NULL, `identity_redaction_requested_at` datetime NULL, `identity_redacted_at` datetime NULL, `subaccount_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `customers_subaccounts_customers` FOREIGN KEY (`subaccount_id`) REFERENCES `subaccounts` (`id`) ON DELETE NO ACTION);
-- copy rows from old table "customers" to new temporary table "new_customers"
INSERT INTO `new_customers` (`id`, `created_at`, `updated_at`, `external_id`, `stripe_customer_id`, `email`, `phone`, `identity_verification_required`, `identity_verification_required_at`, `identity_verification_required_reason`, `identity_requirement_cleared_at`, `identity_status`, `identity_verified_at`, `identity_session_id`, `identity_attempt_count`, `identity_last_error_code`, `stripe_risk_score`, `stripe_radar_risk_score`, `stripe_risk_level`, `stripe_risk_charge_id`, `identity_first_name`, `identity_last_name`, `identity_dob`, `identity_id_type`, `identity_address`, `identity_id_number_last4`, `identity_issuing_country`, `identity_expiration_date`, `identity_manual_verification`, `identity_manual_verification_notes`, `identity_manual_verification_by`, `identity_manual_verification_at`, `identity_redaction_requested_at`, `identity_redacted_at`, `subaccount_id`) SELECT `id`, `created_at`, `updated_at`, `external_id`, `stripe_customer_id`, `email`, `phone`, `identity_verification_required`, `identity_verification_required_at`, `identity_verification_required_reason`, `identity_requirement_cleared_at`, `identity_status`, `identity_verified_at`, `identity_session_id`, `identity_attempt_count`, `identity_last_error_code`, `stripe_risk_score`, `stripe_radar_risk_score`, `stripe_risk_level`, `stripe_risk_charge_id`, `identity_first_name`, `identity_last_name`, `identity_dob`, `identity_id_type`, `identity_address`, `identity_id_number_last4`, `identity_issuing_country`, `identity_expiration_date`, `identity_manual_verification`, `identity_manual_verification_notes`, `identity_manual_verification_by`, `identity_manual_verification_at`, `identity_redaction_requested_at`, `identity_redacted_at`, `subaccount_id` FROM `customers`;
-- drop "customers" table after copying rows
DROP TABLE `customers`;
-- rename temporary table "new_customers" to "customers"
ALTER TABLE `new_customers` RENAME TO `customers`;
-- create index "customer_subaccount_id_external_id" to table: "customers"
CREATE UNIQUE INDEX `customer_subaccount_id_external_id` ON `customers` (`subaccount_id`, `external_id`);
-- create index "customer_stripe_customer_id" to table: "customers"
CREATE UNIQUE INDEX `customer_stripe_customer_id` ON `customers` (`stripe_customer_id`);
-- create "new_subaccounts" table
CREATE TABLE `new_subaccounts` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `identity_verification_mode` text NOT NULL DEFAULT ('disabled'), `identity_verification_risk_threshold` integer NOT NULL DEFAULT (50), `max_verification_attempts` integer NOT NULL DEFAULT (3), `require_matching_selfie` bool NOT NULL DEFAULT (true), `require_live_capture` bool NOT NULL DEFAULT (true), `require_id_number` bool NOT NULL DEFAULT (false), `allowed_document_types` json NULL, `enrollment_requires_verification` bool NOT NULL DEFAULT (false), `stepup_amount_thresholds` json NULL, `stepup_risk_threshold` integer NOT NULL DEFAULT (0), `stepup_on_fraud_warning` bool NOT NULL DEFAULT (true), `stepup_fallback` text NOT NULL DEFAULT ('identity'), `stepup_cancel_on_failure` bool NOT NULL DEFAULT (false), `stepup_challenge_ttl_seconds` integer NOT NULL DEFAULT (300), PRIMARY KEY (`id`));
-- copy rows from old table "subaccounts" to new temporary table "new_subaccounts"
INSERT INTO `new_subaccounts` (`id`, `created_at`, `updated_at`, `name`, `identity_verification_mode`, `identity_verification_risk_threshold`, `max_verification_attempts`, `require_matching_selfie`, `require_live_capture`, `require_id_number`, `allowed_document_types`) SELECT `id`, `created_at`, `updated_at`, `name`, `identity_verification_mode`, `identity_verification_risk_threshold`, `max_verification_attempts`, `require_matching_selfie`, `require_live_capture`, `require_id_number`, `allowed_document_types` FROM `subaccounts`;
-- drop "subaccounts" table after copying rows
DROP TABLE `subaccounts`;
-- rename temporary table "new_subaccounts" to "subaccounts"
ALTER TABLE `new_subaccounts` RENAME TO `subaccounts`;
-- create "payment_stepups" table
CREATE TABLE `payment_stepups` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `subaccount_id` text NOT NULL, `customer_id` text NOT NULL, `amount` integer NOT NULL, `currency` text NOT NULL, `payee` text NOT NULL DEFAULT (''), `stripe_status` text NOT NULL DEFAULT (''), `required` bool NOT NULL DEFAULT (false), `reasons` json NULL, `status` text NOT NULL, `method` text NOT NULL DEFAULT (''), `credential_id` text NOT NULL DEFAULT (''), `challenge_id` text NOT NULL DEFAULT (''), `identity_session_id` text NOT NULL DEFAULT (''), `failure_reason` text NOT NULL DEFAULT (''), `decided_at` datetime NULL, `capture_on_pass` bool NOT NULL DEFAULT (false), `metadata_written_at` datetime NULL, `captured_at` datetime NULL, `canceled_at` datetime NULL, PRIMARY KEY (`id`));
-- create index "paymentstepup_customer_id_created_at" to table: "payment_stepups"
CREATE INDEX `paymentstepup_customer_id_created_at` ON `payment_stepups` (`customer_id`, `created_at`);
-- create "risk_signals" table
CREATE TABLE `risk_signals` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `subaccount_id` text NOT NULL, `phone_type` text NOT NULL DEFAULT (''), `phone_carrier` text NOT NULL DEFAULT (''), `phone_is_prepaid` bool NOT NULL DEFAULT (false), `phone_recently_ported` bool NOT NULL DEFAULT (false), `phone_risk_score` integer NULL, `phone_country` text NOT NULL DEFAULT (''), `phone_recorded_at` datetime NULL, `signup_ip_city` text NOT NULL DEFAULT (''), `signup_ip_region` text NOT NULL DEFAULT (''), `signup_ip_country` text NOT NULL DEFAULT (''), `signup_vpn` bool NOT NULL DEFAULT (false), `signup_proxy` bool NOT NULL DEFAULT (false), `signup_location_accuracy` integer NULL, `ip_gps_distance_km` real NULL, `signup_location` text NOT NULL DEFAULT (''), `location_recorded_at` datetime NULL, `indicators` json NULL, PRIMARY KEY (`id`));
-- create "webauthn_challenges" table
CREATE TABLE `webauthn_challenges` (`id` text NOT NULL, `customer_id` text NOT NULL, `subaccount_id` text NOT NULL, `purpose` text NOT NULL, `payment_intent_id` text NOT NULL DEFAULT (''), `nonce` blob NULL, `session_data` blob NOT NULL, `created_at` datetime NOT NULL, `expires_at` datetime NOT NULL, `used_at` datetime NULL, `outcome` text NOT NULL DEFAULT (''), PRIMARY KEY (`id`));
-- create index "webauthnchallenge_payment_intent_id" to table: "webauthn_challenges"
CREATE INDEX `webauthnchallenge_payment_intent_id` ON `webauthn_challenges` (`payment_intent_id`);
-- create index "webauthnchallenge_expires_at" to table: "webauthn_challenges"
CREATE INDEX `webauthnchallenge_expires_at` ON `webauthn_challenges` (`expires_at`);
-- create "webauthn_credentials" table
CREATE TABLE `webauthn_credentials` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `customer_id` text NOT NULL, `subaccount_id` text NOT NULL, `credential_id` blob NOT NULL, `public_key` blob NOT NULL, `attestation_type` text NOT NULL DEFAULT (''), `aaguid` blob NULL, `transports` json NULL, `backup_eligible` bool NOT NULL DEFAULT (false), `backup_state` bool NOT NULL DEFAULT (false), `sign_count` integer NOT NULL DEFAULT (0), `clone_warning` bool NOT NULL DEFAULT (false), `name` text NOT NULL DEFAULT (''), `last_used_at` datetime NULL, `revoked_at` datetime NULL, PRIMARY KEY (`id`));
-- create index "webauthn_credentials_credential_id_key" to table: "webauthn_credentials"
CREATE UNIQUE INDEX `webauthn_credentials_credential_id_key` ON `webauthn_credentials` (`credential_id`);
-- create index "webauthncredential_customer_id" to table: "webauthn_credentials"
CREATE INDEX `webauthncredential_customer_id` ON `webauthn_credentials` (`customer_id`);
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;

-- +goose Down
-- reverse: create index "webauthncredential_customer_id" to table: "webauthn_credentials"
DROP INDEX `webauthncredential_customer_id`;
-- reverse: create index "webauthn_credentials_credential_id_key" to table: "webauthn_credentials"
DROP INDEX `webauthn_credentials_credential_id_key`;
-- reverse: create "webauthn_credentials" table
DROP TABLE `webauthn_credentials`;
-- reverse: create index "webauthnchallenge_expires_at" to table: "webauthn_challenges"
DROP INDEX `webauthnchallenge_expires_at`;
-- reverse: create index "webauthnchallenge_payment_intent_id" to table: "webauthn_challenges"
DROP INDEX `webauthnchallenge_payment_intent_id`;
-- reverse: create "webauthn_challenges" table
DROP TABLE `webauthn_challenges`;
-- reverse: create "risk_signals" table
DROP TABLE `risk_signals`;
-- reverse: create index "paymentstepup_customer_id_created_at" to table: "payment_stepups"
DROP INDEX `paymentstepup_customer_id_created_at`;
-- reverse: create "payment_stepups" table
DROP TABLE `payment_stepups`;
-- reverse: create "new_subaccounts" table
DROP TABLE `new_subaccounts`;
-- reverse: create index "customer_stripe_customer_id" to table: "customers"
DROP INDEX `customer_stripe_customer_id`;
-- reverse: create index "customer_subaccount_id_external_id" to table: "customers"
DROP INDEX `customer_subaccount_id_external_id`;
-- reverse: create "new_customers" table
DROP TABLE `new_customers`;
