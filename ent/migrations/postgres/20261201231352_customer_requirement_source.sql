-- +goose Up
-- modify "customers" table
ALTER TABLE "customers" ADD COLUMN "identity_verification_required_source" character varying NULL, ADD COLUMN "stripe_risk_charge_created" timestamptz NULL;

-- who set the requirements in force, from their reasons; an operator's clear stands too
UPDATE customers SET identity_verification_required_source = CASE
    WHEN identity_verification_required_reason = 'subaccount_policy' THEN 'subaccount_policy'
    WHEN identity_verification_required_reason LIKE 'risk_threshold_exceeded:%' THEN 'risk_score'
    WHEN identity_verification_required_reason LIKE 'early_fraud_warning:%' THEN 'early_fraud_warning'
    ELSE 'operator' END
  WHERE identity_verification_required OR identity_requirement_cleared_at IS NOT NULL;

-- +goose Down
-- reverse: modify "customers" table
ALTER TABLE "customers" DROP COLUMN "stripe_risk_charge_created", DROP COLUMN "identity_verification_required_source";
