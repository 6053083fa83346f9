package onboarding_test

import (
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/internal/onboarding"
	"github.com/idgate/idgate/internal/store"
	"github.com/idgate/idgate/internal/testenv"
)

// TestCostReportReproducesSeed003 records the checks of seed 003's two scenarios, 1,000 US
// merchants (850 pass tier 1, 100 tier 2, 50 tier 3) and 1,000 EU merchants (950 tier 3,
// 50 manual review), and expects the report to compute the seed's totals: $1,400 and $1.40
// per US merchant, $2,375 and $2.375 per EU merchant.
func TestCostReportReproducesSeed003(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			ctx := testenv.System(t)
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			st := testenv.Store(t, db)
			if err := st.Ent.Subaccount.Create().SetID("sub_1").SetName("market").Exec(ctx); err != nil {
				t.Fatal(err)
			}
			svc := onboarding.NewService(st, nil, nil, nil, nil, nil, log)
			at := time.Now().UTC().Add(-time.Hour)
			seed := func(country string, n int, provider string, tier int) {
				builders := make([]*ent.MerchantCreate, n)
				ids := make([]string, n)
				for i := range n {
					ids[i] = store.NewID("mer")
					builders[i] = st.Ent.Merchant.Create().SetID(ids[i]).SetSubaccountID("sub_1").SetExternalID(ids[i]).
						SetCountry(country).SetBusinessType("individual").SetRoute(onboarding.Route(country, false))
				}
				for start := 0; start < n; start += 100 {
					if err := st.Ent.Merchant.CreateBulk(builders[start:min(start+100, n)]...).Exec(ctx); err != nil {
						t.Fatal(err)
					}
				}
				for _, id := range ids {
					if err := svc.RecordCheck(ctx, onboarding.Check{MerchantID: id, Provider: provider, Tier: tier, Outcome: onboarding.OutcomeMatch, At: at}); err != nil {
						t.Fatal(err)
					}
				}
			}
			seed("US", 850, onboarding.ProviderTrulioo, 1)
			seed("US", 100, onboarding.ProviderTrulioo, 2)
			seed("US", 50, onboarding.ProviderStripeIdentity, 3)
			seed("DE", 950, onboarding.ProviderStripeIdentity, 3)
			seed("FR", 50, onboarding.ProviderManual, 4)

			for _, tc := range []struct {
				group       string
				merchants   int
				total       int
				perMerchant float64
				tiers       string
			}{
				{onboarding.RouteDatabaseKYC, 1000, 140000, 140, "1:850/127500 2:100/0 3:50/12500"},
				{onboarding.RouteDocumentLiveness, 1000, 237500, 237.5, "3:950/237500 4:50/0"},
				{"", 2000, 377500, 188.75, "1:850/127500 2:100/0 3:1000/250000 4:50/0"},
			} {
				r, err := svc.GetVerificationCostReport(ctx, at.Add(-time.Minute), time.Time{}, tc.group)
				if err != nil {
					t.Fatal(err)
				}
				tiers := ""
				for i, tier := range r.Tiers {
					if i > 0 {
						tiers += " "
					}
					tiers += fmt.Sprintf("%d:%d/%d", tier.Tier, tier.Checks, tier.CostCents)
					if tier.SuccessRate != 1 {
						t.Errorf("tier %d success rate %v", tier.Tier, tier.SuccessRate)
					}
				}
				if r.Merchants != tc.merchants || r.TotalCents != tc.total || r.CentsPerMerchant != tc.perMerchant ||
					r.CentsPer1000Merchants != tc.perMerchant*1000 || tiers != tc.tiers {
					t.Errorf("group %q: %d merchants, %d cents, %v per merchant, tiers %s; want %d, %d, %v, %s",
						tc.group, r.Merchants, r.TotalCents, r.CentsPerMerchant, tiers, tc.merchants, tc.total, tc.perMerchant, tc.tiers)
				}
			}
			if _, err := svc.GetVerificationCostReport(ctx, at, time.Time{}, "moon"); err == nil {
				t.Error("an unknown country group was accepted")
			}
		})
	}
}
