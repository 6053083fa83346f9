-- +goose Up
-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- create "new_customers" table
CREATE TABLE `new_customers` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `external_id` text NOT NULL, `stripe_customer_id` text NULL, `email` text NOT NULL DEFAULT (''), `phone` text NOT NULL DEFAULT (''), `identity_verification_required` bool NOT NULL DEFAULT (false), `identity_verification_required_at` datetime NULL, `identity_verification_required_reason` text NOT NULL DEFAULT (''), `identity_requirement_cleared_at` datetime NULL, `identity_status` text NULL, `identity_verified_at` datetime NULL, `identity_session_id` text NULL, `identity_attempt_count` integer NOT NULL DEFAULT (0), `identity_last_error_code` text NOT NULL DEFAULT (''), `stripe_risk_score` integer NULL, `stripe_radar_risk_score` integer NULL, `stripe_risk_level` text NULL, `stripe_risk_charge_id` text NOT NULL DEFAULT (''), `identity_first_name` text NOT NULL DEFAULT (''), `identity_last_name` text NOT NULL DEFAULT (''), `identity_dob` text NOT NULL DEFAULT (''), `identity_id_type` text NOT NULL DEFAULT (''), `identity_address` text NOT NULL DEFAULT (''), `identity_id_number_last4` text NOT NULL DEFAULT (''), `identity_issuing_country` text NOT NULL DEFAULT (''), `identity_expiration_date` text NOT NULL DEFAULT (''), `identity_manual_verification` bool NOT NULL DEFAULT (false), `identity_manual_verification_notes` text NOT NULL DEFAULT (''), `identity_manual_verification_by` text NOT NULL DEFAULT (''), `identity_manual_verification_at` datetime NULL, `identity_redaction_requested_at` datetime NULL, `identity_redacted_at` datetime NULL, `subaccount_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `customers_subaccounts_customers` FOREIGN KEY (`subaccount_id`) REFERENCES `subaccounts` (`id`) ON DELETE NO ACTION);
-- copy rows from old table "customers" to new temporary table "new_customers"
INSERT INTO `new_customers` (`id`, `created_at`, `updated_at`, `external_id`, `stripe_customer_id`, `email`, `phone`, `subaccount_id`) SELECT `id`, `created_at`, `updated_at`, `external_id`, `stripe_customer_id`, `email`, `phone`, `subaccount_id` FROM `customers`;
-- drop "customers" table after copying rows
DROP TABLE `customers`;
-- rename temporary table "new_customers" to "customers"
ALTER TABLE `new_customers` RENAME TO `customers`;
-- create index "customer_subaccount_id_external_id" to table: "customers"
CREATE UNIQUE INDEX `customer_subaccount_id_external_id` ON `customers` (`subaccount_id`, `external_id`);
-- create index "customer_stripe_customer_id" to table: "customers"
CREATE UNIQUE INDEX `customer_stripe_customer_id` ON `customers` (`stripe_customer_id`);
-- create "new_subaccounts" table
CREATE TABLE `new_subaccounts` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `identity_verification_mode` text NOT NULL DEFAULT ('disabled'), `identity_verification_risk_threshold` integer NOT NULL DEFAULT (50), `max_verification_attempts` integer NOT NULL DEFAULT (3), `require_matching_selfie` bool NOT NULL DEFAULT (true), `require_live_capture` bool NOT NULL DEFAULT (true), `require_id_number` bool NOT NULL DEFAULT (false), `allowed_document_types` json NULL, PRIMARY KEY (`id`));
-- copy rows from old table "subaccounts" to new temporary table "new_subaccounts"
INSERT INTO `new_subaccounts` (`id`, `created_at`, `updated_at`, `name`, `identity_verification_mode`, `identity_verification_risk_threshold`, `max_verification_attempts`) SELECT `id`, `created_at`, `updated_at`, `name`, `identity_verification_mode`, `identity_verification_risk_threshold`, `max_verification_attempts` FROM `subaccounts`;
-- drop "subaccounts" table after copying rows
DROP TABLE `subaccounts`;
-- rename temporary table "new_subaccounts" to "subaccounts"
ALTER TABLE `new_subaccounts` RENAME TO `subaccounts`;
-- create "notifications" table
CREATE TABLE `notifications` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `subaccount_id` text NOT NULL, `customer_id` text NOT NULL, `type` text NOT NULL, `title` text NOT NULL, `body` text NOT NULL, `delivered_at` datetime NULL, `attempts` integer NOT NULL DEFAULT (0), `last_error` text NOT NULL DEFAULT (''), PRIMARY KEY (`id`));
-- create index "notification_customer_id_created_at" to table: "notifications"
CREATE INDEX `notification_customer_id_created_at` ON `notifications` (`customer_id`, `created_at`);
-- create "review_tasks" table
CREATE TABLE `review_tasks` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `subaccount_id` text NOT NULL, `subject_type` text NOT NULL, `subject_id` text NOT NULL, `reason` text NOT NULL, `priority` text NOT NULL, `status` text NOT NULL DEFAULT ('open'), `resolution` text NOT NULL DEFAULT (''), `resolved_at` datetime NULL, PRIMARY KEY (`id`));
-- create index "reviewtask_subject_type_subject_id_reason_status" to table: "review_tasks"
CREATE INDEX `reviewtask_subject_type_subject_id_reason_status` ON `review_tasks` (`subject_type`, `subject_id`, `reason`, `status`);
-- create index "reviewtask_status_priority_created_at" to table: "review_tasks"
CREATE INDEX `reviewtask_status_priority_created_at` ON `review_tasks` (`status`, `priority`, `created_at`);
-- create "verification_sessions" table
CREATE TABLE `verification_sessions` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `customer_id` text NOT NULL, `subaccount_id` text NOT NULL, `status` text NOT NULL, `last_error_code` text NOT NULL DEFAULT (''), `status_event_at` datetime NULL, `attempt` integer NOT NULL, `url` text NOT NULL DEFAULT (''), `redaction_requested_at` datetime NULL, `redacted_at` datetime NULL, PRIMARY KEY (`id`));
-- create index "verificationsession_customer_id_created_at" to table: "verification_sessions"
CREATE INDEX `verificationsession_customer_id_created_at` ON `verification_sessions` (`customer_id`, `created_at`);
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;

-- +goose Down
-- reverse: create index "verificationsession_customer_id_created_at" to table: "verification_sessions"
DROP INDEX `verificationsession_customer_id_created_at`;
-- reverse: create "verification_sessions" table
DROP TABLE `verification_sessions`;
-- reverse: create index "reviewtask_status_priority_created_at" to table: "review_tasks"
DROP INDEX `reviewtask_status_priority_created_at`;
-- reverse: create index "reviewtask_subject_type_subject_id_reason_status" to table: "review_tasks"
DROP INDEX `reviewtask_subject_type_subject_id_reason_status`;
-- reverse: create "review_tasks" table
DROP TABLE `review_tasks`;
-- reverse: create index "notification_customer_id_created_at" to table: "notifications"
DROP INDEX `notification_customer_id_created_at`;
-- reverse: create "notifications" table
DROP TABLE `notifications`;
-- reverse: create "new_subaccounts" table
DROP TABLE `new_subaccounts`;
-- reverse: create index "customer_stripe_customer_id" to table: "customers"
DROP INDEX `customer_stripe_customer_id`;
-- reverse: create index "customer_subaccount_id_external_id" to table: "customers"
DROP INDEX `customer_subaccount_id_external_id`;
-- reverse: create "new_customers" table
DROP TABLE `new_customers`;
