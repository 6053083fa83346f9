-- +goose Up
-- create "biometric_consents" table
CREATE TABLE `biometric_consents` (`id` text NOT NULL, `merchant_id` text NOT NULL, `subaccount_id` text NOT NULL, `granted` bool NOT NULL, `recorded_at` datetime NOT NULL, `ip_address` text NOT NULL DEFAULT (''), `user_agent` text NOT NULL DEFAULT (''), `country` text NOT NULL, `legal_basis` text NOT NULL, `withdrawn_at` datetime NULL, PRIMARY KEY (`id`));
-- create index "biometricconsent_merchant_id_recorded_at" to table: "biometric_consents"
CREATE INDEX `biometricconsent_merchant_id_recorded_at` ON `biometric_consents` (`merchant_id`, `recorded_at`);

-- +goose Down
-- reverse: create index "biometricconsent_merchant_id_recorded_at" to table: "biometric_consents"
DROP INDEX `biometricconsent_merchant_id_recorded_at`;
-- reverse: create "biometric_consents" table
DROP TABLE `biometric_consents`;
