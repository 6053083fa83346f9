-- +goose Up
-- the credential id is unique per customer only (no cross-tenant existence oracle)
DROP INDEX "webauthn_credentials_credential_id_key";
-- covered by the new index's first column
DROP INDEX "webauthncredential_customer_id";
-- create index "webauthncredential_customer_id_credential_id" to table: "webauthn_credentials"
CREATE UNIQUE INDEX "webauthncredential_customer_id_credential_id" ON "webauthn_credentials" ("customer_id", "credential_id");

-- +goose Down
-- reverse: create index "webauthncredential_customer_id_credential_id" to table: "webauthn_credentials"
DROP INDEX "webauthncredential_customer_id_credential_id";
CREATE INDEX "webauthncredential_customer_id" ON "webauthn_credentials" ("customer_id");
CREATE UNIQUE INDEX "webauthn_credentials_credential_id_key" ON "webauthn_credentials" ("credential_id");
