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
-- reverse: create index "auditevent_at" to table: "audit_events"
DROP INDEX `auditevent_at`;
-- reverse: create index "auditevent_subaccount_id_at" to table: "audit_events"
DROP INDEX `auditevent_subaccount_id_at`;
-- reverse: create index "auditevent_subject_id_at" to table: "audit_events"
DROP INDEX `auditevent_subject_id_at`;
-- reverse: create "new_audit_events" table
DROP TABLE `new_audit_events`;
