-- +goose Up
-- create "gate_changes" table
CREATE TABLE `gate_changes` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `customer_id` text NOT NULL, `created_at` datetime NOT NULL);
-- create index "gatechange_created_at" to table: "gate_changes"
CREATE INDEX `gatechange_created_at` ON `gate_changes` (`created_at`);

-- +goose Down
-- reverse: create index "gatechange_created_at" to table: "gate_changes"
DROP INDEX `gatechange_created_at`;
-- reverse: create "gate_changes" table
DROP TABLE `gate_changes`;
