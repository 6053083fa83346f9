-- +goose Up
-- modify "customers" table
ALTER TABLE "customers" ADD COLUMN "identity_verification_required" boolean NOT NULL DEFAULT false, ADD COLUMN "identity_verification_required_at" timestamptz NULL, ADD COLUMN "identity_verification_required_reason" character varying NOT NULL DEFAULT '', ADD COLUMN "identity_requirement_cleared_at" timestamptz NULL, ADD COLUMN "identity_status" character varying NULL, ADD COLUMN "identity_verified_at" timestamptz NULL, ADD COLUMN "identity_session_id" character varying NULL, ADD COLUMN "identity_attempt_count" bigint NOT NULL DEFAULT 0, ADD COLUMN "identity_last_error_code" character varying NOT NULL DEFAULT '', ADD COLUMN "stripe_risk_score" bigint NULL, ADD COLUMN "stripe_radar_risk_score" bigint NULL, ADD COLUMN "stripe_risk_level" character varying NULL, ADD COLUMN "stripe_risk_charge_id" character varying NOT NULL DEFAULT '', ADD COLUMN "identity_first_name" character varying NOT NULL DEFAULT '', ADD COLUMN "identity_last_name" character varying NOT NULL DEFAULT '', ADD COLUMN "identity_dob" character varying NOT NULL DEFAULT '', ADD COLUMN "identity_id_type" character varying NOT NULL DEFAULT '', ADD COLUMN "identity_address" character varying NOT NULL DEFAULT '', ADD COLUMN "identity_id_number_last4" character varying NOT NULL DEFAULT '', ADD COLUMN "identity_issuing_country" character varying NOT NULL DEFAULT '', ADD COLUMN "identity_expiration_date" character varying NOT NULL DEFAULT '', ADD COLUMN "identity_manual_verification" boolean NOT NULL DEFAULT false, ADD COLUMN "identity_manual_verification_notes" character varying NOT NULL DEFAULT '', ADD COLUMN "identity_manual_verification_by" character varying NOT NULL DEFAULT '', ADD COLUMN "identity_manual_verification_at" timestamptz NULL, ADD COLUMN "identity_redaction_requested_at" timestamptz NULL, ADD COLUMN "identity_redacted_at" timestamptz NULL;
-- modify "subaccounts" table
ALTER TABLE "subaccounts" ADD COLUMN "require_matching_selfie" boolean NOT NULL DEFAULT true, ADD COLUMN "require_live_capture" boolean NOT NULL DEFAULT true, ADD COLUMN "require_id_number" boolean NOT NULL DEFAULT false, ADD COLUMN "allowed_document_types" jsonb NULL;
-- create "notifications" table
CREATE TABLE "notifications" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "subaccount_id" character varying NOT NULL, "customer_id" character varying NOT NULL, "type" character varying NOT NULL, "title" character varying NOT NULL, "body" character varying NOT NULL, "delivered_at" timestamptz NULL, "attempts" bigint NOT NULL DEFAULT 0, "last_error" character varying NOT NULL DEFAULT '', PRIMARY KEY ("id"));
-- create index "notification_customer_id_created_at" to table: "notifications"
CREATE INDEX "notification_customer_id_created_at" ON "notifications" ("customer_id", "created_at");
-- create "review_tasks" table
CREATE TABLE "review_tasks" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "subaccount_id" character varying NOT NULL, "subject_type" character varying NOT NULL, "subject_id" character varying NOT NULL, "reason" character varying NOT NULL, "priority" character varying NOT NULL, "status" character varying NOT NULL DEFAULT 'open', "resolution" character varying NOT NULL DEFAULT '', "resolved_at" timestamptz NULL, PRIMARY KEY ("id"));
-- create index "reviewtask_status_priority_created_at" to table: "review_tasks"
CREATE INDEX "reviewtask_status_priority_created_at" ON "review_tasks" ("status", "priority", "created_at");
-- create index "reviewtask_subject_type_subject_id_reason_status" to table: "review_tasks"
CREATE INDEX "reviewtask_subject_type_subject_id_reason_status" ON "review_tasks" ("subject_type", "subject_id", "reason", "status");
-- create "verification_sessions" table
CREATE TABLE "verification_sessions" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "customer_id" character varying NOT NULL, "subaccount_id" character varying NOT NULL, "status" character varying NOT NULL, "last_error_code" character varying NOT NULL DEFAULT '', "status_event_at" timestamptz NULL, "attempt" bigint NOT NULL, "url" character varying NOT NULL DEFAULT '', "redaction_requested_at" timestamptz NULL, "redacted_at" timestamptz NULL, PRIMARY KEY ("id"));
-- create index "verificationsession_customer_id_created_at" to table: "verification_sessions"
CREATE INDEX "verificationsession_customer_id_created_at" ON "verification_sessions" ("customer_id", "created_at");

-- +goose Down
-- reverse: create index "verificationsession_customer_id_created_at" to table: "verification_sessions"
DROP INDEX "verificationsession_customer_id_created_at";
-- reverse: create "verification_sessions" table
DROP TABLE "verification_sessions";
-- reverse: create index "reviewtask_subject_type_subject_id_reason_status" to table: "review_tasks"
DROP INDEX "reviewtask_subject_type_subject_id_reason_status";
-- reverse: create index "reviewtask_status_priority_created_at" to table: "review_tasks"
DROP INDEX "reviewtask_status_priority_created_at";
-- reverse: create "review_tasks" table
DROP TABLE "review_tasks";
-- reverse: create index "notification_customer_id_created_at" to table: "notifications"
DROP INDEX "notification_customer_id_created_at";
-- reverse: create "notifications" table
DROP TABLE "notifications";
-- reverse: modify "subaccounts" table
ALTER TABLE "subaccounts" DROP COLUMN "allowed_document_types", DROP COLUMN "require_id_number", DROP COLUMN "require_live_capture", DROP COLUMN "require_matching_selfie";
-- reverse: modify "customers" table
ALTER TABLE "customers" DROP COLUMN "identity_redacted_at", DROP COLUMN "identity_redaction_requested_at", DROP COLUMN "identity_manual_verification_at", DROP COLUMN "identity_manual_verification_by", DROP COLUMN "identity_manual_verification_notes", DROP COLUMN "identity_manual_verification", DROP COLUMN "identity_expiration_date", DROP COLUMN "identity_issuing_country", DROP COLUMN "identity_id_number_last4", DROP COLUMN "identity_address", DROP COLUMN "identity_id_type", DROP COLUMN "identity_dob", DROP COLUMN "identity_last_name", DROP COLUMN "identity_first_name", DROP COLUMN "stripe_risk_charge_id", DROP COLUMN "stripe_risk_level", DROP COLUMN "stripe_radar_risk_score", DROP COLUMN "stripe_risk_score", DROP COLUMN "identity_last_error_code", DROP COLUMN "identity_attempt_count", DROP COLUMN "identity_session_id", DROP COLUMN "identity_verified_at", DROP COLUMN "identity_status", DROP COLUMN "identity_requirement_cleared_at", DROP COLUMN "identity_verification_required_reason", DROP COLUMN "identity_verification_required_at", DROP COLUMN "identity_verification_required";
