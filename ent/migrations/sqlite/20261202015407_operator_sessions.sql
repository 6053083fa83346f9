-- +goose Up
-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- create "new_audit_events" table
CREATE TABLE `new_audit_events` (`id` text NOT NULL, `at` datetime NOT NULL, `actor_type` text NOT NULL, `actor_id` text NOT NULL DEFAULT (''), `actor_role` text NOT NULL DEFAULT (''), `actor_name` text NOT NULL DEFAULT (''), `action` text NOT NULL, `subject_type` text NOT NULL, `subject_id` text NOT NULL, `subaccount_id` text NOT NULL DEFAULT (''), `changes` text NOT NULL, `notes` text NOT NULL DEFAULT (''), `request_id` text NOT NULL DEFAULT (''), PRIMARY KEY (`id`));
-- copy rows from old table "audit_events" to new temporary table "new_audit_events"
INSERT INTO `new_audit_events` (`id`, `at`, `actor_type`, `actor_id`, `actor_role`, `action`, `subject_type`, `subject_id`, `subaccount_id`, `changes`, `notes`, `request_id`) SELECT `id`, `at`, `actor_type`, `actor_id`, `actor_role`, `action`, `subject_type`, `subject_id`, `subaccount_id`, `changes`, `notes`, `request_id` FROM `audit_events`;
-- drop "audit_events" table after copying rows
DROP TABLE `audit_events`;
-- rename temporary table "new_audit_events" to "audit_events"
ALTER TABLE `new_audit_events` RENAME TO `audit_events`;
-- create index "auditevent_subject_id_at" to table: "audit_events"
CREATE INDEX `auditevent_subject_id_at` ON `audit_events` (`subject_id`, `at`);
-- create index "auditevent_subaccount_id_at" to table: "audit_events"
CREATE INDEX `auditevent_subaccount_id_at` ON `audit_events` (`subaccount_id`, `at`);
-- create index "auditevent_at" to table: "audit_events"
CREATE INDEX `auditevent_at` ON `audit_events` (`at`);
-- create "new_review_tasks" table
CREATE TABLE `new_review_tasks` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `subaccount_id` text NOT NULL, `subject_type` text NOT NULL, `subject_id` text NOT NULL, `reason` text NOT NULL, `priority` text NOT NULL, `status` text NOT NULL DEFAULT ('open'), `claimed_by` text NOT NULL DEFAULT (''), `claimed_by_key_id` text NOT NULL DEFAULT (''), `claimed_at` datetime NULL, `resolution` text NOT NULL DEFAULT (''), `notes` text NOT NULL DEFAULT (''), `resolved_by` text NOT NULL DEFAULT (''), `resolved_at` datetime NULL, PRIMARY KEY (`id`));
-- copy rows from old table "review_tasks" to new temporary table "new_review_tasks"
INSERT INTO `new_review_tasks` (`id`, `created_at`, `updated_at`, `subaccount_id`, `subject_type`, `subject_id`, `reason`, `priority`, `status`, `claimed_by`, `claimed_at`, `resolution`, `notes`, `resolved_by`, `resolved_at`) SELECT `id`, `created_at`, `updated_at`, `subaccount_id`, `subject_type`, `subject_id`, `reason`, `priority`, `status`, `claimed_by`, `claimed_at`, `resolution`, `notes`, `resolved_by`, `resolved_at` FROM `review_tasks`;
-- drop "review_tasks" table after copying rows
DROP TABLE `review_tasks`;
-- rename temporary table "new_review_tasks" to "review_tasks"
ALTER TABLE `new_review_tasks` RENAME TO `review_tasks`;
-- create index "reviewtask_subject_type_subject_id_reason_status" to table: "review_tasks"
CREATE INDEX `reviewtask_subject_type_subject_id_reason_status` ON `review_tasks` (`subject_type`, `subject_id`, `reason`, `status`);
-- create index "reviewtask_status_priority_created_at" to table: "review_tasks"
CREATE INDEX `reviewtask_status_priority_created_at` ON `review_tasks` (`status`, `priority`, `created_at`);
-- create "operator_sessions" table
CREATE TABLE `operator_sessions` (`id` text NOT NULL, `token_hash` text NOT NULL, `created_at` datetime NOT NULL, `expires_at` datetime NOT NULL, `revoked_at` datetime NULL, `api_key_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `operator_sessions_api_keys_key` FOREIGN KEY (`api_key_id`) REFERENCES `api_keys` (`id`) ON DELETE NO ACTION);
-- create index "operator_sessions_token_hash_key" to table: "operator_sessions"
CREATE UNIQUE INDEX `operator_sessions_token_hash_key` ON `operator_sessions` (`token_hash`);
-- create index "operatorsession_api_key_id" to table: "operator_sessions"
CREATE INDEX `operatorsession_api_key_id` ON `operator_sessions` (`api_key_id`);
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;

-- +goose Down
-- reverse: create index "operatorsession_api_key_id" to table: "operator_sessions"
DROP INDEX `operatorsession_api_key_id`;
-- reverse: create index "operator_sessions_token_hash_key" to table: "operator_sessions"
DROP INDEX `operator_sessions_token_hash_key`;
-- reverse: create "operator_sessions" table
DROP TABLE `operator_sessions`;
-- reverse: create index "reviewtask_status_priority_created_at" to table: "review_tasks"
DROP INDEX `reviewtask_status_priority_created_at`;
-- reverse: create index "reviewtask_subject_type_subject_id_reason_status" to table: "review_tasks"
DROP INDEX `reviewtask_subject_type_subject_id_reason_status`;
-- reverse: create "new_review_tasks" table
DROP TABLE `new_review_tasks`;
-- reverse: create index "auditevent_at" to table: "audit_events"
DROP INDEX `auditevent_at`;
-- reverse: create index "auditevent_subaccount_id_at" to table: "audit_events"
DROP INDEX `auditevent_subaccount_id_at`;
-- reverse: create index "auditevent_subject_id_at" to table: "audit_events"
DROP INDEX `auditevent_subject_id_at`;
-- reverse: create "new_audit_events" table
DROP TABLE `new_audit_events`;
