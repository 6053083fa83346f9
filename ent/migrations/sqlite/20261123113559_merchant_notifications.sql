-- +goose Up
-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- create "new_notifications" table
CREATE TABLE `new_notifications` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `subaccount_id` text NOT NULL, `subject_type` text NOT NULL DEFAULT ('customer'), `customer_id` text NOT NULL DEFAULT (''), `merchant_id` text NOT NULL DEFAULT (''), `type` text NOT NULL, `title` text NOT NULL, `body` text NOT NULL, `delivered_at` datetime NULL, `attempts` integer NOT NULL DEFAULT (0), `last_error` text NOT NULL DEFAULT (''), PRIMARY KEY (`id`));
-- copy rows from old table "notifications" to new temporary table "new_notifications"
INSERT INTO `new_notifications` (`id`, `created_at`, `updated_at`, `subaccount_id`, `customer_id`, `type`, `title`, `body`, `delivered_at`, `attempts`, `last_error`) SELECT `id`, `created_at`, `updated_at`, `subaccount_id`, IFNULL(`customer_id`, ('')) AS `customer_id`, `type`, `title`, `body`, `delivered_at`, `attempts`, `last_error` FROM `notifications`;
-- drop "notifications" table after copying rows
DROP TABLE `notifications`;
-- rename temporary table "new_notifications" to "notifications"
ALTER TABLE `new_notifications` RENAME TO `notifications`;
-- create index "notification_customer_id_created_at" to table: "notifications"
CREATE INDEX `notification_customer_id_created_at` ON `notifications` (`customer_id`, `created_at`);
-- create index "notification_merchant_id_created_at" to table: "notifications"
CREATE INDEX `notification_merchant_id_created_at` ON `notifications` (`merchant_id`, `created_at`);
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;

-- +goose Down
-- reverse: create index "notification_merchant_id_created_at" to table: "notifications"
DROP INDEX `notification_merchant_id_created_at`;
-- reverse: create index "notification_customer_id_created_at" to table: "notifications"
DROP INDEX `notification_customer_id_created_at`;
-- reverse: create "new_notifications" table
DROP TABLE `new_notifications`;
