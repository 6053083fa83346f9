-- +goose Up
-- modify "audit_events" table
ALTER TABLE "audit_events" ADD COLUMN "actor_name" character varying NOT NULL DEFAULT '';
-- modify "review_tasks" table
ALTER TABLE "review_tasks" ADD COLUMN "claimed_by_key_id" character varying NOT NULL DEFAULT '';
-- create "operator_sessions" table
CREATE TABLE "operator_sessions" ("id" character varying NOT NULL, "token_hash" character varying NOT NULL, "created_at" timestamptz NOT NULL, "expires_at" timestamptz NOT NULL, "revoked_at" timestamptz NULL, "api_key_id" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "operator_sessions_api_keys_key" FOREIGN KEY ("api_key_id") REFERENCES "api_keys" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- create index "operator_sessions_token_hash_key" to table: "operator_sessions"
CREATE UNIQUE INDEX "operator_sessions_token_hash_key" ON "operator_sessions" ("token_hash");
-- create index "operatorsession_api_key_id" to table: "operator_sessions"
CREATE INDEX "operatorsession_api_key_id" ON "operator_sessions" ("api_key_id");

-- +goose Down
-- reverse: create index "operatorsession_api_key_id" to table: "operator_sessions"
DROP INDEX "operatorsession_api_key_id";
-- reverse: create index "operator_sessions_token_hash_key" to table: "operator_sessions"
DROP INDEX "operator_sessions_token_hash_key";
-- reverse: create "operator_sessions" table
DROP TABLE "operator_sessions";
-- reverse: modify "review_tasks" table
ALTER TABLE "review_tasks" DROP COLUMN "claimed_by_key_id";
-- reverse: modify "audit_events" table
ALTER TABLE "audit_events" DROP COLUMN "actor_name";
