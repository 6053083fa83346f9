-- +goose Up
-- create "api_keys" table
CREATE TABLE "api_keys" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "name" character varying NOT NULL, "prefix" character varying NOT NULL, "hash" character varying NOT NULL, "role" character varying NOT NULL, "subaccount_ids" jsonb NULL, "created_by" character varying NOT NULL DEFAULT '', "last_used_at" timestamptz NULL, "revoked_at" timestamptz NULL, PRIMARY KEY ("id"));
-- create index "api_keys_hash_key" to table: "api_keys"
CREATE UNIQUE INDEX "api_keys_hash_key" ON "api_keys" ("hash");
-- create "audit_events" table
CREATE TABLE "audit_events" ("id" character varying NOT NULL, "at" timestamptz NOT NULL, "actor_type" character varying NOT NULL, "actor_id" character varying NOT NULL DEFAULT '', "actor_role" character varying NOT NULL DEFAULT '', "action" character varying NOT NULL, "subject_type" character varying NOT NULL, "subject_id" character varying NOT NULL, "subaccount_id" character varying NOT NULL DEFAULT '', "changes" text NOT NULL, "notes" text NOT NULL DEFAULT '', "request_id" character varying NOT NULL DEFAULT '', PRIMARY KEY ("id"));
-- create index "auditevent_at" to table: "audit_events"
CREATE INDEX "auditevent_at" ON "audit_events" ("at");
-- create index "auditevent_subaccount_id_at" to table: "audit_events"
CREATE INDEX "auditevent_subaccount_id_at" ON "audit_events" ("subaccount_id", "at");
-- create index "auditevent_subject_id_at" to table: "audit_events"
CREATE INDEX "auditevent_subject_id_at" ON "audit_events" ("subject_id", "at");

-- +goose Down
-- reverse: create index "auditevent_subject_id_at" to table: "audit_events"
DROP INDEX "auditevent_subject_id_at";
-- reverse: create index "auditevent_subaccount_id_at" to table: "audit_events"
DROP INDEX "auditevent_subaccount_id_at";
-- reverse: create index "auditevent_at" to table: "audit_events"
DROP INDEX "auditevent_at";
-- reverse: create "audit_events" table
DROP TABLE "audit_events";
-- reverse: create index "api_keys_hash_key" to table: "api_keys"
DROP INDEX "api_keys_hash_key";
-- reverse: create "api_keys" table
DROP TABLE "api_keys";
