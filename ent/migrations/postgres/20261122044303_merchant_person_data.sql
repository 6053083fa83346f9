-- +goose Up
-- modify "merchants" table
ALTER TABLE "merchants" ADD COLUMN "person_first_name" character varying NOT NULL DEFAULT '', ADD COLUMN "person_last_name" character varying NOT NULL DEFAULT '', ADD COLUMN "person_dob" character varying NOT NULL DEFAULT '', ADD COLUMN "person_address" character varying NOT NULL DEFAULT '';

-- +goose Down
-- reverse: modify "merchants" table
ALTER TABLE "merchants" DROP COLUMN "person_address", DROP COLUMN "person_dob", DROP COLUMN "person_last_name", DROP COLUMN "person_first_name";
