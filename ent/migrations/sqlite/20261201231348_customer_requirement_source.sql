-- +goose Up
-- add column "identity_verification_required_source" to table: "customers"
ALTER TABLE `customers` ADD COLUMN `identity_verification_required_source` text NULL;
-- add column "stripe_risk_charge_created" to table: "customers"
ALTER TABLE `customers` ADD COLUMN `stripe_risk_charge_created` datetime NULL;

-- who set the requirements in force, from their reasons; an operator's clear stands too
UPDATE customers SET identity_verification_required_source = CASE
    WHEN identity_verification_required_reason = 'subaccount_policy' THEN 'subaccount_policy'
    WHEN identity_verification_required_reason LIKE 'risk_threshold_exceeded:%' THEN 'risk_score'
    WHEN identity_verification_required_reason LIKE 'early_fraud_warning:%' THEN 'early_fraud_warning'
    ELSE 'operator' END
  WHERE identity_verification_required OR identity_requirement_cleared_at IS NOT NULL;

-- +goose Down
-- reverse: add column "stripe_risk_charge_created" to table: "customers"
ALTER TABLE `customers` DROP COLUMN `stripe_risk_charge_created`;
-- reverse: add column "identity_verification_required_source" to table: "customers"
ALTER TABLE `customers` DROP COLUMN `identity_verification_required_source`;
