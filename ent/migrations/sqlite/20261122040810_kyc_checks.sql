-- +goose Up
-- create "kyc_checks" table
CREATE TABLE `kyc_checks` (`id` text NOT NULL, `merchant_id` text NOT NULL, `subaccount_id` text NOT NULL, `country` text NOT NULL, `provider` text NOT NULL, `tier` integer NOT NULL, `outcome` text NOT NULL, `latency_ms` integer NOT NULL, `cost_cents` integer NOT NULL, `transaction_id` text NOT NULL DEFAULT (''), `at` datetime NOT NULL, PRIMARY KEY (`id`));
-- create index "kyccheck_at" to table: "kyc_checks"
CREATE INDEX `kyccheck_at` ON `kyc_checks` (`at`);
-- create index "kyccheck_merchant_id" to table: "kyc_checks"
CREATE INDEX `kyccheck_merchant_id` ON `kyc_checks` (`merchant_id`);

-- +goose Down
-- reverse: create index "kyccheck_merchant_id" to table: "kyc_checks"
DROP INDEX `kyccheck_merchant_id`;
-- reverse: create index "kyccheck_at" to table: "kyc_checks"
DROP INDEX `kyccheck_at`;
-- reverse: create "kyc_checks" table
DROP TABLE `kyc_checks`;
