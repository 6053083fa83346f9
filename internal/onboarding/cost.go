package onboarding

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/ent/kyccheck"
	"github.com/idgate/idgate/ent/predicate"
	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/store"
)

// Providers of checks.
const (
	ProviderTrulioo        = "trulioo"
	ProviderStripeConnect  = "stripe_connect"
	ProviderSandbox        = "sandbox" // test mode's database KYC (kyc.Sandbox)
	ProviderStripeIdentity = "stripe_identity"
	ProviderManual         = "manual"
)

// DefaultCosts are seed 003's prices, in cents, by provider and tier: Trulioo $1.50 at tier
// 1 and nothing more for the full-SSN retry in the same session, Stripe Identity $2.50,
// manual review internal; the sandbox is free.
var DefaultCosts = map[string]map[int]int{
	ProviderTrulioo:        {1: 150, 2: 0},
	ProviderStripeConnect:  {1: 0, 2: 0},
	ProviderSandbox:        {1: 0, 2: 0},
	ProviderStripeIdentity: {3: 250},
	ProviderManual:         {4: 0},
}

// Outcomes of a check.
const (
	OutcomeMatch    = "match"
	OutcomeNoMatch  = "no_match"
	OutcomeError    = "error"
	OutcomeCanceled = "canceled"
	OutcomePending  = "pending" // an asynchronous provider has not answered yet
	// A database-KYC claim: its provider is being asked, or performed nothing (released).
	// Neither is a check of the ledger.
	OutcomeRunning  = "running"
	OutcomeReleased = "released"
)

// inLedger selects the checks that happened: every query of the ledger uses it.
var inLedger = kyccheck.OutcomeNotIn(OutcomeRunning, OutcomeReleased)

// Check is one verification check.
type Check struct {
	MerchantID    string
	Provider      string
	Tier          int
	Outcome       string
	Latency       time.Duration
	TransactionID string
	At            time.Time
}

// RecordCheck writes a check to the ledger, priced by the provider's cost for its tier.
func (s *Service) RecordCheck(ctx context.Context, c Check) error {
	return recordCheck(ctx, s.store.Ent, c)
}

func recordCheck(ctx context.Context, client *ent.Client, c Check) error {
	costs, ok := DefaultCosts[c.Provider]
	if !ok {
		return apperr.Invalid("provider", "unknown provider %q", c.Provider)
	}
	if !slices.Contains([]string{OutcomeMatch, OutcomeNoMatch, OutcomeError, OutcomeCanceled, OutcomePending}, c.Outcome) {
		return apperr.Invalid("outcome", "must be match, no_match, error, canceled or pending")
	}
	m, err := client.Merchant.Get(ctx, c.MerchantID)
	if err != nil {
		return store.MapError(err, "merchant "+c.MerchantID)
	}
	if c.At.IsZero() {
		c.At = time.Now().UTC()
	}
	return client.KYCCheck.Create().SetID(store.NewID("chk")).SetMerchantID(m.ID).SetSubaccountID(m.SubaccountID).
		SetCountry(m.Country).SetProvider(c.Provider).SetTier(c.Tier).SetOutcome(c.Outcome).
		SetLatencyMs(int(c.Latency.Milliseconds())).SetCostCents(costs[c.Tier]).SetTransactionID(c.TransactionID).
		SetAt(c.At).Exec(ctx)
}

// TierCost is one row of the cost report.
type TierCost struct {
	Tier        int
	Checks      int
	Successes   int
	SuccessRate float64
	CostCents   int
}

// CostReport is seed 003's cost table computed from recorded checks.
type CostReport struct {
	Tiers                 []TierCost
	Merchants             int
	TotalCents            int
	CentsPerMerchant      float64
	CentsPer1000Merchants float64
}

// Country groups of the report: where verification starts.
var countryGroups = []string{RouteDatabaseKYC, RouteDocumentLiveness}

// GetVerificationCostReport sums the checks between from and until (until zero: now),
// optionally of one country group ("database_kyc" or "document_liveness" countries).
func (s *Service) GetVerificationCostReport(ctx context.Context, from, until time.Time, group string) (CostReport, error) {
	if group != "" && !slices.Contains(countryGroups, group) {
		return CostReport{}, apperr.Invalid("country_group", "must be database_kyc or document_liveness")
	}
	if until.IsZero() {
		until = time.Now().UTC().Add(time.Second)
	}
	if !from.Before(until) {
		return CostReport{}, apperr.Invalid("from", "must be before until")
	}
	preds := []predicate.KYCCheck{inLedger, kyccheck.AtGTE(from), kyccheck.AtLT(until)}
	checks, err := s.store.Reader.KYCCheck.Query().Where(preds...).All(ctx)
	if err != nil {
		return CostReport{}, fmt.Errorf("cost report: %w", err)
	}
	tiers := map[int]*TierCost{}
	merchants := map[string]bool{}
	var r CostReport
	for _, c := range checks {
		if group != "" && Route(c.Country, false) != group {
			continue
		}
		t := tiers[c.Tier]
		if t == nil {
			t = &TierCost{Tier: c.Tier}
			tiers[c.Tier] = t
		}
		t.Checks++
		if c.Outcome == OutcomeMatch {
			t.Successes++
		}
		t.CostCents += c.CostCents
		r.TotalCents += c.CostCents
		merchants[c.MerchantID] = true
	}
	for _, t := range tiers {
		t.SuccessRate = float64(t.Successes) / float64(t.Checks)
		r.Tiers = append(r.Tiers, *t)
	}
	slices.SortFunc(r.Tiers, func(a, b TierCost) int { return a.Tier - b.Tier })
	if r.Merchants = len(merchants); r.Merchants > 0 {
		r.CentsPerMerchant = float64(r.TotalCents) / float64(r.Merchants)
		r.CentsPer1000Merchants = r.CentsPerMerchant * 1000
	}
	return r, nil
}
