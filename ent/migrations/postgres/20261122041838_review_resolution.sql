-- +goose Up
-- modify "review_tasks" table
ALTER TABLE "review_tasks" ADD COLUMN "claimed_by" character varying NOT NULL DEFAULT '', ADD COLUMN "claimed_at" timestamptz NULL, ADD COLUMN "notes" text NOT NULL DEFAULT '', ADD COLUMN "resolved_by" character varying NOT NULL DEFAULT '';

-- +goose Down
-- reverse: modify "review_tasks" table
ALTER TABLE "review_tasks" DROP COLUMN "resolved_by", DROP COLUMN "notes", DROP COLUMN "claimed_at", DROP COLUMN "claimed_by";
