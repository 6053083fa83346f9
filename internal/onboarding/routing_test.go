package onboarding

import "testing"

// TestRouting is issue 5's routing table.
func TestRouting(t *testing.T) {
	for _, tc := range []struct {
		country  string
		highRisk bool
		route    string
		tier     int
	}{
		{"US", false, RouteDatabaseKYC, 1},
		{"DE", false, RouteDocumentLiveness, 3},
		{"GB", false, RouteDocumentLiveness, 3},
		{"AU", false, RouteDocumentLiveness, 3},
		{"CA", false, RouteDocumentLiveness, 3},
		{"FR", false, RouteDocumentLiveness, 3},
		{"US", true, RouteDocumentLiveness, 3},
		{"MX", false, RouteDatabaseKYC, 1},
		{"CH", false, RouteDatabaseKYC, 1}, // not in the EU
	} {
		if r := Route(tc.country, tc.highRisk); r != tc.route || Tier(r) != tc.tier {
			t.Errorf("%s high-risk=%v: %s tier %d, want %s tier %d", tc.country, tc.highRisk, r, Tier(r), tc.route, tc.tier)
		}
	}
	if n := len(livenessCountries); n != 30 {
		t.Errorf("%d liveness countries, want the 27 EU states + GB, AU, CA", n)
	}
}
