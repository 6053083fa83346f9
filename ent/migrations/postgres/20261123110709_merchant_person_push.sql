-- +goose Up
-- modify "merchants" table
ALTER TABLE "merchants" ADD COLUMN "person_id_number" character varying NOT NULL DEFAULT '', ADD COLUMN "stripe_person_id" character varying NULL, ADD COLUMN "rejected_document_files" jsonb NULL;

-- +goose Down
-- reverse: modify "merchants" table
ALTER TABLE "merchants" DROP COLUMN "rejected_document_files", DROP COLUMN "stripe_person_id", DROP COLUMN "person_id_number";
