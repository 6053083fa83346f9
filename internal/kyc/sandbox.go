package kyc

import (
	"context"
	"strings"

	"github.com/idgate/idgate/internal/apperr"
)

// Test values of the sandbox provider, in the spirit of Stripe's test values (Stripe's
// 000000000 is an id number that verifies). The surname decides first, then the numbers:
//
//	last_name Outage   the provider is down: 503 with Retry-After, nothing checked or billed
//	last_name Timeout  the provider does not answer in time: 503, the check recorded as error
//	last_name Mismatch no match, whatever the numbers
//	SSN 0000 (tier 1, last four) or 000000000 (tier 2): a match; any other SSN: no match
//	EIN 000000000 (a company's business_ein, KYB): matches; any other EIN: no match
//
// Surnames compare without regard to case.
const (
	sandboxOutage   = "Outage"
	sandboxTimeout  = "Timeout"
	sandboxMismatch = "Mismatch"
	sandboxSSNLast4 = "0000"
	sandboxSSN      = "000000000"
	sandboxEIN      = "000000000"
)

// Sandbox is the database-KYC provider of test mode (make run): it checks nothing against
// any record and answers by the test values above, so that every tier of merchant
// onboarding can be tried without a Trulioo contract. Its outage and timeout fail as
// Trulioo's would, so idgate's retry and ledger paths are the ones a real provider takes;
// they answer at once rather than after a real wait. It is never used with a live Stripe
// key (config refuses it, and the server does not register it).
type Sandbox struct{}

// NewSandbox returns the provider.
func NewSandbox() Sandbox { return Sandbox{} }

// Name is the provider's registry name.
func (Sandbox) Name() string { return "sandbox" }

// Verify answers r by its test values.
func (Sandbox) Verify(_ context.Context, r Request) (Result, error) {
	switch {
	case strings.EqualFold(r.LastName, sandboxOutage):
		return Result{}, &Unbilled{Err: apperr.UnavailableFor(OutageRetry, nil,
			"the sandbox KYC provider is down (test surname %q); nothing was checked or billed: try again", sandboxOutage)}
	case strings.EqualFold(r.LastName, sandboxTimeout):
		return Result{}, apperr.Unavailable(nil,
			"the sandbox KYC provider did not answer check %s in time (test surname %q); it may have completed: look the reference up before checking again", r.Reference, sandboxTimeout)
	}
	res := Result{Outcome: NoMatch, TransactionID: "sandbox_" + r.Reference}
	if !strings.EqualFold(r.LastName, sandboxMismatch) && (r.NationalID == sandboxSSNLast4 || r.NationalID == sandboxSSN) &&
		(r.Business == nil || r.Business.TaxID == sandboxEIN) {
		res.Outcome = Match
	}
	return res, nil
}
