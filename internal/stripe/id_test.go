package stripe_test

import (
	"strings"
	"testing"

	"github.com/idgate/idgate/internal/stripe"
)

func TestValidID(t *testing.T) {
	for _, tc := range []struct {
		id   string
		want bool
	}{
		{"cus_123", true},
		{"cus_test_ab12_x9", true},
		{"cus_NffrFeUfNV2Hib", true},
		{"cus_" + strings.Repeat("a", stripe.MaxIDLength-4), true},
		{"cus_" + strings.Repeat("a", stripe.MaxIDLength-3), false},
		{"cus_", false},
		{"cus", false},
		{"", false},
		{"acct_123", false},
		{"cus_12 3", false},
		{"cus_12-3", false},
		{"cus_12/../3", false},
		{"cus_é", false},
		{"CUS_123", false},
	} {
		if got := stripe.ValidID(tc.id, "cus"); got != tc.want {
			t.Errorf("ValidID(%q, cus) = %v, want %v", tc.id, got, tc.want)
		}
	}
	if !stripe.ValidID("py_1", "ch", "py") || stripe.ValidID("pi_1", "ch", "py") {
		t.Error("ValidID with several prefixes accepts one of them, nothing else")
	}
}
