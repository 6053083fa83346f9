package risk

import (
	"context"
	"fmt"

	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/identity"
	"github.com/idgate/idgate/internal/tenant"
)

// DefaultVerificationCostCents is the price of one Stripe Identity verification (seed 003's
// $1.50).
const DefaultVerificationCostCents = 150

// Proposal is a verification policy to try out on a subaccount's customers.
type Proposal struct {
	Mode      string // disabled, all_users or risk_based
	Threshold int    // 0-100, for risk_based
	CostCents *int   // price of one verification; nil: DefaultVerificationCostCents
}

// Simulation is what a proposal would do to a subaccount's customers today.
type Simulation struct {
	Customers int
	Scored    int // customers with a Radar score
	// Flagged customers meet the proposal: every customer with all_users, a score at or
	// over the threshold with risk_based (identity.RiskRequires), nobody with disabled.
	Flagged int
	// NewlyFlagged would have to verify and are not required to today; verified customers
	// are never asked again, so they are not among them.
	NewlyFlagged int
	// NoLongerFlagged are required to verify today but do not meet the proposal.
	NoLongerFlagged int
	// AlreadyVerified are flagged but verified; VerificationsNeeded are flagged and not.
	AlreadyVerified     int
	VerificationsNeeded int
	EstimatedCostCents  int64 // VerificationsNeeded times the cost of one
	// Customers with an early fraud warning whom the proposal flags, and misses.
	FraudWarningsCaught int
	FraudWarningsMissed int
}

// simulateQuery counts a subaccount's customers in one pass; %s is the proposal's flagged
// predicate (1 or 0 per row). Arguments: [threshold,] verified status, subaccount id.
const simulateQuery = `SELECT COUNT(*), COUNT(stripe_risk_score),
	COALESCE(SUM(flagged), 0),
	COALESCE(SUM(CASE WHEN flagged = 1 AND verified = 0 AND required = 0 THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN flagged = 0 AND required = 1 THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN flagged = 1 AND verified = 1 THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN flagged = 1 AND warned = 1 THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN flagged = 0 AND warned = 1 THEN 1 ELSE 0 END), 0)
FROM (SELECT stripe_risk_score, %s AS flagged,
		CASE WHEN identity_verification_required THEN 1 ELSE 0 END AS required,
		CASE WHEN identity_status = ? THEN 1 ELSE 0 END AS verified,
		CASE WHEN fraud_warning_id <> '' THEN 1 ELSE 0 END AS warned
	FROM customers WHERE subaccount_id = ?) c`

// flaggedBy is the flagged predicate of each mode, matching the policy that flags customers
// (internal/identity/policy.go); only risk_based takes an argument, the threshold.
var flaggedBy = map[tenant.Mode]string{
	tenant.ModeDisabled:  "0",
	tenant.ModeAllUsers:  "1",
	tenant.ModeRiskBased: "CASE WHEN stripe_risk_score >= ? THEN 1 ELSE 0 END",
}

// SimulatePolicy answers, from stored scores and without changing anything, what proposal
// p would flag and cost in subaccount subaccountID. The customers are counted in the
// database, not loaded.
func (s *Service) SimulatePolicy(ctx context.Context, subaccountID string, p Proposal) (Simulation, error) {
	mode, err := tenant.ParseMode(p.Mode)
	switch {
	case subaccountID == "":
		return Simulation{}, apperr.Invalid("subaccount_id", "is required")
	case err != nil:
		return Simulation{}, apperr.Invalid("mode", "must be disabled, all_users or risk_based")
	case p.Threshold < 0 || p.Threshold > 100:
		return Simulation{}, apperr.Invalid("threshold", "must be between 0 and 100")
	case p.CostCents != nil && *p.CostCents < 0:
		return Simulation{}, apperr.Invalid("cost_per_verification_cents", "must be 0 or more")
	}
	cost := DefaultVerificationCostCents
	if p.CostCents != nil {
		cost = *p.CostCents
	}
	if _, err := s.subaccounts.Get(ctx, subaccountID); err != nil {
		return Simulation{}, err
	}

	var args []any
	if mode == tenant.ModeRiskBased {
		args = append(args, p.Threshold)
	}
	args = append(args, identity.StatusVerified, subaccountID)
	stmt, err := s.store.PrepareRead(ctx, fmt.Sprintf(simulateQuery, flaggedBy[mode]))
	if err != nil {
		return Simulation{}, fmt.Errorf("prepare policy simulation: %w", err)
	}
	defer stmt.Close()
	var customers, scored, flagged, newly, noLonger, verified, caught, missed int64
	err = stmt.QueryRowContext(ctx, args...).Scan(&customers, &scored, &flagged, &newly, &noLonger, &verified, &caught, &missed)
	if err != nil {
		return Simulation{}, fmt.Errorf("simulate policy for %s: %w", subaccountID, err)
	}
	return Simulation{
		Customers: int(customers), Scored: int(scored), Flagged: int(flagged),
		NewlyFlagged: int(newly), NoLongerFlagged: int(noLonger),
		AlreadyVerified: int(verified), VerificationsNeeded: int(flagged - verified),
		EstimatedCostCents:  (flagged - verified) * int64(cost),
		FraudWarningsCaught: int(caught), FraudWarningsMissed: int(missed),
	}, nil
}
