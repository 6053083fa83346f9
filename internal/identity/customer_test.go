package identity

import (
	"strings"
	"testing"

	"github.com/idgate/idgate/internal/apperr"
)

func TestNewCustomerValidate(t *testing.T) {
	ok := NewCustomer{SubaccountID: "sub_1", ExternalID: "rider-1", StripeCustomerID: "cus_Abc123", Email: "r@example.com", Phone: "+447700900123"}
	for _, tc := range []struct {
		name  string
		edit  func(*NewCustomer)
		field string
	}{
		{"complete", func(*NewCustomer) {}, ""},
		{"only required", func(n *NewCustomer) { *n = NewCustomer{SubaccountID: "sub_1", ExternalID: "x"} }, ""},
		{"no subaccount", func(n *NewCustomer) { n.SubaccountID = "" }, "subaccount_id"},
		{"no external id", func(n *NewCustomer) { n.ExternalID = "" }, "external_id"},
		{"external id too long", func(n *NewCustomer) { n.ExternalID = strings.Repeat("a", 256) }, "external_id"},
		{"external id with newline", func(n *NewCustomer) { n.ExternalID = "a\nb" }, "external_id"},
		{"external id not utf-8", func(n *NewCustomer) { n.ExternalID = "\xff" }, "external_id"},
		{"account id as customer", func(n *NewCustomer) { n.StripeCustomerID = "acct_1" }, "stripe_customer_id"},
		{"email with display name", func(n *NewCustomer) { n.Email = "Rider <r@example.com>" }, "email"},
		{"email without domain", func(n *NewCustomer) { n.Email = "rider" }, "email"},
		{"national phone", func(n *NewCustomer) { n.Phone = "07700900123" }, "phone"},
		{"phone with spaces", func(n *NewCustomer) { n.Phone = "+44 7700 900123" }, "phone"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n := ok
			tc.edit(&n)
			err := n.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if apperr.KindOf(err) != apperr.KindInvalid || !strings.HasPrefix(err.Error(), tc.field+":") {
				t.Fatalf("got %v, want invalid %s", err, tc.field)
			}
		})
	}
}
