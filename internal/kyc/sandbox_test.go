package kyc_test

import (
	"context"
	"errors"
	"testing"

	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/kyc"
)

// TestSandboxTestValues: each documented test value answers as documented.
func TestSandboxTestValues(t *testing.T) {
	jenny := func(last, id string, biz *kyc.Business) kyc.Request {
		return kyc.Request{Reference: "chk_1", Country: "US", FirstName: "Jenny", LastName: last, NationalID: id, Business: biz}
	}
	for _, tc := range []struct {
		name    string
		r       kyc.Request
		outcome string // empty: an error
		billed  bool   // for an error: whether it may follow a performed check
	}{
		{"tier-1 test SSN", jenny("Rosen", "0000", nil), kyc.Match, true},
		{"tier-2 test SSN", jenny("Rosen", "000000000", nil), kyc.Match, true},
		{"another SSN", jenny("Rosen", "1111", nil), kyc.NoMatch, true},
		{"another full SSN", jenny("Rosen", "111111111", nil), kyc.NoMatch, true},
		{"mismatching surname", jenny("Mismatch", "000000000", nil), kyc.NoMatch, true},
		{"surnames ignore case", jenny("mismatch", "0000", nil), kyc.NoMatch, true},
		{"company with the test EIN", jenny("Rosen", "0000", &kyc.Business{LegalName: "Rosen LLC", TaxID: "000000000"}), kyc.Match, true},
		{"company with another EIN", jenny("Rosen", "0000", &kyc.Business{LegalName: "Rosen LLC", TaxID: "123456789"}), kyc.NoMatch, true},
		{"outage", jenny("Outage", "0000", nil), "", false},
		{"timeout", jenny("TIMEOUT", "0000", nil), "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := kyc.NewSandbox().Verify(context.Background(), tc.r)
			if tc.outcome != "" {
				if err != nil || res.Outcome != tc.outcome || res.TransactionID != "sandbox_chk_1" {
					t.Fatalf("got %+v %v, want %s", res, err, tc.outcome)
				}
				return
			}
			var unbilled *kyc.Unbilled
			if apperr.KindOf(err) != apperr.KindUnavailable || errors.As(err, &unbilled) == tc.billed {
				t.Fatalf("got %+v %v, want Unavailable, unbilled=%v", res, err, !tc.billed)
			}
			var ae *apperr.Error
			if !tc.billed && (!errors.As(err, &ae) || ae.RetryAfter != kyc.OutageRetry) {
				t.Fatalf("outage: %v, want Retry-After %v", err, kyc.OutageRetry)
			}
		})
	}
}
