-- +goose Up
-- modify "biometric_consents" table
ALTER TABLE "biometric_consents" ADD COLUMN "pii_touched_at" timestamptz NULL;
-- modify "customers" table
ALTER TABLE "customers" ADD COLUMN "pii_touched_at" timestamptz NULL;
-- modify "merchants" table
ALTER TABLE "merchants" ADD COLUMN "pii_touched_at" timestamptz NULL;
-- modify "risk_signals" table
ALTER TABLE "risk_signals" ADD COLUMN "pii_touched_at" timestamptz NULL;
-- the retention clock of existing rows: when their personal data was last written, as far as known
UPDATE "customers" SET "pii_touched_at" = "updated_at";
UPDATE "merchants" SET "pii_touched_at" = "updated_at";
UPDATE "biometric_consents" SET "pii_touched_at" = "recorded_at";
UPDATE "risk_signals" SET "pii_touched_at" = COALESCE("location_recorded_at", "updated_at");
-- the audit log recorded merchants' sealed values (before and after): keep only that they changed
UPDATE "audit_events" SET "changes" = jsonb_set("changes"::jsonb, '{person_first_name}', '{"changed":true}')::text WHERE "subject_type" = 'Merchant' AND "changes" LIKE '%"person_first_name":{"after"%';
UPDATE "audit_events" SET "changes" = jsonb_set("changes"::jsonb, '{person_last_name}', '{"changed":true}')::text WHERE "subject_type" = 'Merchant' AND "changes" LIKE '%"person_last_name":{"after"%';
UPDATE "audit_events" SET "changes" = jsonb_set("changes"::jsonb, '{person_dob}', '{"changed":true}')::text WHERE "subject_type" = 'Merchant' AND "changes" LIKE '%"person_dob":{"after"%';
UPDATE "audit_events" SET "changes" = jsonb_set("changes"::jsonb, '{person_address}', '{"changed":true}')::text WHERE "subject_type" = 'Merchant' AND "changes" LIKE '%"person_address":{"after"%';
UPDATE "audit_events" SET "changes" = jsonb_set("changes"::jsonb, '{person_id_number}', '{"changed":true}')::text WHERE "subject_type" = 'Merchant' AND "changes" LIKE '%"person_id_number":{"after"%';
UPDATE "audit_events" SET "changes" = jsonb_set("changes"::jsonb, '{business_legal_name}', '{"changed":true}')::text WHERE "subject_type" = 'Merchant' AND "changes" LIKE '%"business_legal_name":{"after"%';
UPDATE "audit_events" SET "changes" = jsonb_set("changes"::jsonb, '{business_tax_id}', '{"changed":true}')::text WHERE "subject_type" = 'Merchant' AND "changes" LIKE '%"business_tax_id":{"after"%';

-- +goose Down
-- reverse: modify "risk_signals" table
ALTER TABLE "risk_signals" DROP COLUMN "pii_touched_at";
-- reverse: modify "merchants" table
ALTER TABLE "merchants" DROP COLUMN "pii_touched_at";
-- reverse: modify "customers" table
ALTER TABLE "customers" DROP COLUMN "pii_touched_at";
-- reverse: modify "biometric_consents" table
ALTER TABLE "biometric_consents" DROP COLUMN "pii_touched_at";
