-- +goose Up
-- add column "pii_touched_at" to table: "biometric_consents"
ALTER TABLE `biometric_consents` ADD COLUMN `pii_touched_at` datetime NULL;
-- add column "pii_touched_at" to table: "risk_signals"
ALTER TABLE `risk_signals` ADD COLUMN `pii_touched_at` datetime NULL;
-- add column "pii_touched_at" to table: "customers"
ALTER TABLE `customers` ADD COLUMN `pii_touched_at` datetime NULL;
-- add column "pii_touched_at" to table: "merchants"
ALTER TABLE `merchants` ADD COLUMN `pii_touched_at` datetime NULL;
-- the retention clock of existing rows: when their personal data was last written, as far as known
UPDATE `customers` SET `pii_touched_at` = `updated_at`;
UPDATE `merchants` SET `pii_touched_at` = `updated_at`;
UPDATE `biometric_consents` SET `pii_touched_at` = `recorded_at`;
UPDATE `risk_signals` SET `pii_touched_at` = COALESCE(`location_recorded_at`, `updated_at`);
-- the audit log recorded merchants' sealed values (before and after): keep only that they changed
UPDATE `audit_events` SET `changes` = json_set(`changes`, '$.person_first_name', json('{"changed":true}')) WHERE `subject_type` = 'Merchant' AND `changes` LIKE '%"person_first_name":{"after"%';
UPDATE `audit_events` SET `changes` = json_set(`changes`, '$.person_last_name', json('{"changed":true}')) WHERE `subject_type` = 'Merchant' AND `changes` LIKE '%"person_last_name":{"after"%';
UPDATE `audit_events` SET `changes` = json_set(`changes`, '$.person_dob', json('{"changed":true}')) WHERE `subject_type` = 'Merchant' AND `changes` LIKE '%"person_dob":{"after"%';
UPDATE `audit_events` SET `changes` = json_set(`changes`, '$.person_address', json('{"changed":true}')) WHERE `subject_type` = 'Merchant' AND `changes` LIKE '%"person_address":{"after"%';
UPDATE `audit_events` SET `changes` = json_set(`changes`, '$.person_id_number', json('{"changed":true}')) WHERE `subject_type` = 'Merchant' AND `changes` LIKE '%"person_id_number":{"after"%';
UPDATE `audit_events` SET `changes` = json_set(`changes`, '$.business_legal_name', json('{"changed":true}')) WHERE `subject_type` = 'Merchant' AND `changes` LIKE '%"business_legal_name":{"after"%';
UPDATE `audit_events` SET `changes` = json_set(`changes`, '$.business_tax_id', json('{"changed":true}')) WHERE `subject_type` = 'Merchant' AND `changes` LIKE '%"business_tax_id":{"after"%';

-- +goose Down
-- reverse: add column "pii_touched_at" to table: "merchants"
ALTER TABLE `merchants` DROP COLUMN `pii_touched_at`;
-- reverse: add column "pii_touched_at" to table: "customers"
ALTER TABLE `customers` DROP COLUMN `pii_touched_at`;
-- reverse: add column "pii_touched_at" to table: "risk_signals"
ALTER TABLE `risk_signals` DROP COLUMN `pii_touched_at`;
-- reverse: add column "pii_touched_at" to table: "biometric_consents"
ALTER TABLE `biometric_consents` DROP COLUMN `pii_touched_at`;
