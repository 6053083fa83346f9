-- +goose Up
-- add column "document_uploads" to table: "merchants"
ALTER TABLE `merchants` ADD COLUMN `document_uploads` json NULL;
-- add column "document_files" to table: "merchants"
ALTER TABLE `merchants` ADD COLUMN `document_files` json NULL;

-- +goose Down
-- reverse: add column "document_files" to table: "merchants"
ALTER TABLE `merchants` DROP COLUMN `document_files`;
-- reverse: add column "document_uploads" to table: "merchants"
ALTER TABLE `merchants` DROP COLUMN `document_uploads`;
