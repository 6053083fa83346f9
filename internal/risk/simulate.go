package risk

import (
	"context"
	"database/sql"
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

// Simulation is what a proposal would do to a subaccount's customers today, decided with
// the rule the re-evaluation after a policy change applies (identity.MustVerify): what it
// predicts is what switching to the proposal then does.
type Simulation struct {
	Customers int
	Scored    int // customers with a Radar score
	// Flagged customers are asked by the proposal: those it would require to verify, and
	// the verified ones its policy would ask if they were not (AlreadyVerified).
	Flagged int
	// NewlyFlagged would have to verify and are not required to today.
	NewlyFlagged int
	// NoLongerFlagged are required to verify today and would not be.
	NoLongerFlagged int
	// AlreadyVerified are flagged but verified (never asked again); VerificationsNeeded are
	// required and not verified, including those an operator or a fraud warning requires,
	// which no policy lifts.
	AlreadyVerified     int
	VerificationsNeeded int
	EstimatedCostCents  int64 // VerificationsNeeded times the cost of one
	// Customers with an early fraud warning whom the proposal flags, and misses.
	FraudWarningsCaught int
	FraudWarningsMissed int
}

// simulateQuery reads what the rule needs of each of a subaccount's customers.
const simulateQuery = `SELECT stripe_risk_score, identity_status, identity_verification_required,
	identity_verification_required_reason, identity_verification_required_source, fraud_warning_id
FROM customers WHERE subaccount_id = ?`

// SimulatePolicy answers, from stored scores and without changing anything, what proposal
// p would flag and cost in subaccount subaccountID. The customers are streamed from the
// database, one row in memory at a time.
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

	stmt, err := s.store.PrepareRead(ctx, simulateQuery)
	if err != nil {
		return Simulation{}, fmt.Errorf("prepare policy simulation: %w", err)
	}
	defer stmt.Close()
	rows, err := stmt.QueryContext(ctx, subaccountID)
	if err != nil {
		return Simulation{}, fmt.Errorf("simulate policy for %s: %w", subaccountID, err)
	}
	defer rows.Close()
	var sim Simulation
	policy := identity.Policy{Mode: mode, Threshold: p.Threshold}
	for rows.Next() {
		var (
			score          sql.NullInt64
			status, source sql.NullString
			f              identity.Facts
			warning        string
		)
		if err := rows.Scan(&score, &status, &f.Current.Required, &f.Current.Reason, &source, &warning); err != nil {
			return Simulation{}, fmt.Errorf("simulate policy for %s: %w", subaccountID, err)
		}
		if score.Valid {
			v := int(score.Int64)
			f.Score = &v
		}
		if status.Valid {
			f.Status = &status.String
		}
		f.Current.Source = identity.Source(source.String)
		sim.add(policy, f, warning != "")
	}
	if err := rows.Err(); err != nil {
		return Simulation{}, fmt.Errorf("simulate policy for %s: %w", subaccountID, err)
	}
	sim.EstimatedCostCents = int64(sim.VerificationsNeeded) * int64(cost)
	return sim, nil
}

// add counts one customer.
func (sim *Simulation) add(p identity.Policy, f identity.Facts, warned bool) {
	want := identity.MustVerify(p, f)
	verified := f.Status != nil && *f.Status == identity.StatusVerified
	sim.Customers++
	if f.Score != nil {
		sim.Scored++
	}
	var flagged bool
	switch {
	case verified:
		// Asked by the policy alone, were they not verified.
		flagged = identity.MustVerify(p, identity.Facts{Score: f.Score}).Required
		if flagged {
			sim.AlreadyVerified++
		}
	case want.Required:
		flagged = true
		sim.VerificationsNeeded++
	}
	if flagged {
		sim.Flagged++
	}
	switch {
	case want.Required && !f.Current.Required:
		sim.NewlyFlagged++
	case !want.Required && f.Current.Required:
		sim.NoLongerFlagged++
	}
	switch {
	case warned && flagged:
		sim.FraudWarningsCaught++
	case warned:
		sim.FraudWarningsMissed++
	}
}
