-- +goose Up
-- modify "merchants" table
ALTER TABLE "merchants" ADD COLUMN "document_uploads" jsonb NULL, ADD COLUMN "document_files" jsonb NULL;

-- +goose Down
-- reverse: modify "merchants" table
ALTER TABLE "merchants" DROP COLUMN "document_files", DROP COLUMN "document_uploads";
