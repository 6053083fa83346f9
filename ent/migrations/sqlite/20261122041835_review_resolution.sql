-- +goose Up
-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- create "new_review_tasks" table
CREATE TABLE `new_review_tasks` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `subaccount_id` text NOT NULL, `subject_type` text NOT NULL, `subject_id` text NOT NULL, `reason` text NOT NULL, `priority` text NOT NULL, `status` text NOT NULL DEFAULT ('open'), `claimed_by` text NOT NULL DEFAULT (''), `claimed_at` datetime NULL, `resolution` text NOT NULL DEFAULT (''), `notes` text NOT NULL DEFAULT (''), `resolved_by` text NOT NULL DEFAULT (''), `resolved_at` datetime NULL, PRIMARY KEY (`id`));
-- copy rows from old table "review_tasks" to new temporary table "new_review_tasks"
INSERT INTO `new_review_tasks` (`id`, `created_at`, `updated_at`, `subaccount_id`, `subject_type`, `subject_id`, `reason`, `priority`, `status`, `resolution`, `resolved_at`) SELECT `id`, `created_at`, `updated_at`, `subaccount_id`, `subject_type`, `subject_id`, `reason`, `priority`, `status`, `resolution`, `resolved_at` FROM `review_tasks`;
-- drop "review_tasks" table after copying rows
DROP TABLE `review_tasks`;
-- rename temporary table "new_review_tasks" to "review_tasks"
ALTER TABLE `new_review_tasks` RENAME TO `review_tasks`;
-- create index "reviewtask_subject_type_subject_id_reason_status" to table: "review_tasks"
CREATE INDEX `reviewtask_subject_type_subject_id_reason_status` ON `review_tasks` (`subject_type`, `subject_id`, `reason`, `status`);
-- create index "reviewtask_status_priority_created_at" to table: "review_tasks"
CREATE INDEX `reviewtask_status_priority_created_at` ON `review_tasks` (`status`, `priority`, `created_at`);
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;

-- +goose Down
-- reverse: create index "reviewtask_status_priority_created_at" to table: "review_tasks"
DROP INDEX `reviewtask_status_priority_created_at`;
-- reverse: create index "reviewtask_subject_type_subject_id_reason_status" to table: "review_tasks"
DROP INDEX `reviewtask_subject_type_subject_id_reason_status`;
-- reverse: create "new_review_tasks" table
DROP TABLE `new_review_tasks`;
