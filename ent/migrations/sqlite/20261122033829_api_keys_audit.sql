-- +goose Up
-- create "api_keys" table
CREATE TABLE `api_keys` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `prefix` text NOT NULL, `hash` text NOT NULL, `role` text NOT NULL, `subaccount_ids` json NULL, `created_by` text NOT NULL DEFAULT (''), `last_used_at` datetime NULL, `revoked_at` datetime NULL, PRIMARY KEY (`id`));
-- create index "api_keys_hash_key" to table: "api_keys"
CREATE UNIQUE INDEX `api_keys_hash_key` ON `api_keys` (`hash`);
-- create "audit_events" table
CREATE TABLE `audit_events` (`id` text NOT NULL, `at` datetime NOT NULL, `actor_type` text NOT NULL, `actor_id` text NOT NULL DEFAULT (''), `actor_role` text NOT NULL DEFAULT (''), `action` text NOT NULL, `subject_type` text NOT NULL, `subject_id` text NOT NULL, `subaccount_id` text NOT NULL DEFAULT (''), `changes` text NOT NULL, `notes` text NOT NULL DEFAULT (''), `request_id` text NOT NULL DEFAULT (''), PRIMARY KEY (`id`));
-- create index "auditevent_subject_id_at" to table: "audit_events"
CREATE INDEX `auditevent_subject_id_at` ON `audit_events` (`subject_id`, `at`);
-- create index "auditevent_subaccount_id_at" to table: "audit_events"
CREATE INDEX `auditevent_subaccount_id_at` ON `audit_events` (`subaccount_id`, `at`);
-- create index "auditevent_at" to table: "audit_events"
CREATE INDEX `auditevent_at` ON `audit_events` (`at`);

-- +goose Down
-- reverse: create index "auditevent_at" to table: "audit_events"
DROP INDEX `auditevent_at`;
-- reverse: create index "auditevent_subaccount_id_at" to table: "audit_events"
DROP INDEX `auditevent_subaccount_id_at`;
-- reverse: create index "auditevent_subject_id_at" to table: "audit_events"
DROP INDEX `auditevent_subject_id_at`;
-- reverse: create "audit_events" table
DROP TABLE `audit_events`;
-- reverse: create index "api_keys_hash_key" to table: "api_keys"
DROP INDEX `api_keys_hash_key`;
-- reverse: create "api_keys" table
DROP TABLE `api_keys`;
