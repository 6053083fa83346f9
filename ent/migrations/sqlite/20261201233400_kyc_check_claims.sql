-- +goose Up
-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- create "new_kyc_checks" table
CREATE TABLE `new_kyc_checks` (`id` text NOT NULL, `merchant_id` text NOT NULL, `subaccount_id` text NOT NULL, `country` text NOT NULL, `provider` text NOT NULL, `tier` integer NOT NULL, `outcome` text NOT NULL, `latency_ms` integer NOT NULL, `cost_cents` integer NOT NULL, `transaction_id` text NOT NULL DEFAULT (''), `at` datetime NOT NULL, `claim` text NULL, PRIMARY KEY (`id`));
-- copy rows from old table "kyc_checks" to new temporary table "new_kyc_checks"
INSERT INTO `new_kyc_checks` (`id`, `merchant_id`, `subaccount_id`, `country`, `provider`, `tier`, `outcome`, `latency_ms`, `cost_cents`, `transaction_id`, `at`) SELECT `id`, `merchant_id`, `subaccount_id`, `country`, `provider`, `tier`, `outcome`, `latency_ms`, `cost_cents`, `transaction_id`, `at` FROM `kyc_checks`;
-- drop "kyc_checks" table after copying rows
DROP TABLE `kyc_checks`;
-- rename temporary table "new_kyc_checks" to "kyc_checks"
ALTER TABLE `new_kyc_checks` RENAME TO `kyc_checks`;
-- create index "kyc_checks_claim_key" to table: "kyc_checks"
CREATE UNIQUE INDEX `kyc_checks_claim_key` ON `kyc_checks` (`claim`);
-- create index "kyccheck_at" to table: "kyc_checks"
CREATE INDEX `kyccheck_at` ON `kyc_checks` (`at`);
-- create index "kyccheck_merchant_id" to table: "kyc_checks"
CREATE INDEX `kyccheck_merchant_id` ON `kyc_checks` (`merchant_id`);
-- create index "kyccheck_transaction_id" to table: "kyc_checks"
CREATE INDEX `kyccheck_transaction_id` ON `kyc_checks` (`transaction_id`);
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;

-- +goose Down
-- reverse: create index "kyccheck_transaction_id" to table: "kyc_checks"
DROP INDEX `kyccheck_transaction_id`;
-- reverse: create index "kyccheck_merchant_id" to table: "kyc_checks"
DROP INDEX `kyccheck_merchant_id`;
-- reverse: create index "kyccheck_at" to table: "kyc_checks"
DROP INDEX `kyccheck_at`;
-- reverse: create index "kyc_checks_claim_key" to table: "kyc_checks"
DROP INDEX `kyc_checks_claim_key`;
-- reverse: create "new_kyc_checks" table
DROP TABLE `new_kyc_checks`;
