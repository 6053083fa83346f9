-- +goose Up
-- create index "webauthnchallenge_customer_id" to table: "webauthn_challenges"
CREATE INDEX "webauthnchallenge_customer_id" ON "webauthn_challenges" ("customer_id");

-- +goose Down
-- reverse: create index "webauthnchallenge_customer_id" to table: "webauthn_challenges"
DROP INDEX "webauthnchallenge_customer_id";
