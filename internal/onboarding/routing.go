// Package onboarding takes merchants (Stripe Connect custom accounts) through KYC to
// charges_enabled: routing by country and risk, the account and its persons kept in sync
// with Stripe, and the next action each merchant needs.
package onboarding

import "slices"

// Routes: where a merchant's verification starts (seed 003).
const (
	RouteDatabaseKYC      = "database_kyc"      // tier 1: database KYC, then tier 2, then 3
	RouteDocumentLiveness = "document_liveness" // tier 3: document + liveness, biometric consent first
)

// livenessCountries go straight to document + liveness with biometric consent: the EU
// member states, the United Kingdom, Australia and Canada. This is the one list.
var livenessCountries = []string{
	// EU member states
	"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
	"LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
	// and
	"GB", "AU", "CA",
}

// Route decides where a merchant starts: high-risk merchants and the liveness countries at
// document + liveness, everyone else at database KYC.
func Route(country string, highRisk bool) string {
	if highRisk || slices.Contains(livenessCountries, country) {
		return RouteDocumentLiveness
	}
	return RouteDatabaseKYC
}

// Tier is the tier a route starts at.
func Tier(route string) int {
	if route == RouteDocumentLiveness {
		return 3
	}
	return 1
}
