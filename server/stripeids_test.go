package server_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/idgate/idgate/internal/stripe"
	"github.com/idgate/idgate/internal/testenv"
)

// TestStripeIDs sends every Stripe id the API accepts through the JSON gateway: ids of an
// unusual but valid shape (Stripe may change their length and format) get past
// validation; a wrong prefix, a space or more than 255 characters is InvalidArgument
// naming the field.
func TestStripeIDs(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e := start(t, testConfig(t, db.URL, map[string]string{"STRIPE_API_BASE": testenv.Stripe(t)}))
			var sub struct{ ID string }
			if code, _ := e.call("POST", "/v1/subaccounts", `{"name":"Fleet"}`, &sub); code != 200 {
				t.Fatalf("create subaccount: HTTP %d", code)
			}
			var cust struct{ ID string }
			if code, _ := e.call("POST", "/v1/customers", fmt.Sprintf(`{"subaccount_id":%q,"external_id":"rider-1"}`, sub.ID), &cust); code != 200 {
				t.Fatalf("create customer: HTTP %d", code)
			}
			long := strings.Repeat("a", stripe.MaxIDLength-2) // too long after any prefix
			riders := 0
			customer := func(stripeID string) (string, string, string) {
				riders++
				return "POST", "/v1/customers", fmt.Sprintf(`{"subaccount_id":%q,"external_id":"stripe-id-%d","stripe_customer_id":%q}`, sub.ID, riders, stripeID)
			}
			charge := func(id string) (string, string, string) {
				return "POST", "/v1/customers/" + cust.ID + "/payment-risk", fmt.Sprintf(`{"charge_id":%q,"risk_level":"normal"}`, id)
			}
			evaluate := func(id string) (string, string, string) {
				return "POST", "/v1/payments/" + url.PathEscape(id) + ":evaluate", `{}`
			}
			capturable := func(id string) (string, string, string) {
				return "GET", "/v1/payments/" + url.PathEscape(id) + "/capturable", ""
			}
			begin := func(id string) (string, string, string) {
				return "POST", "/v1/payments/" + url.PathEscape(id) + "/stepup:begin", `{}`
			}
			finish := func(id string) (string, string, string) {
				return "POST", "/v1/payments/" + url.PathEscape(id) + "/stepup:finish", `{"challenge_id":"chl_1","assertion_json":"{}"}`
			}
			simulate := func(id string) (string, string, string) {
				return "POST", "/v1/verification-sessions/" + url.PathEscape(id) + ":simulate", `{"outcome":"verified"}`
			}
			for _, tc := range []struct {
				name    string
				request func(string) (string, string, string)
				field   string
				status  int // what a valid id gets; 0: anything but refusing the field
				valid   []string
				invalid []string
			}{
				{"customer", customer, "stripe_customer_id", 200, []string{"cus_test_ab12_x9", "cus_1", "cus_" + long[:stripe.MaxIDLength-4]}, []string{"acct_1", "cus_1 2", "cus_", "cus_" + long}},
				{"charge", charge, "charge_id", 200, []string{"ch_test_ab12_x9", "py_3Ab_c"}, []string{"pi_1", "ch_1 2", "ch_" + long}},
				{"evaluate", evaluate, "payment_intent_id", 0, []string{"pi_test_ab12_x9"}, []string{"ch_1", "pi_1 2", "pi_" + long}},
				{"capturable", capturable, "payment_intent_id", 0, []string{"pi_test_ab12_x9"}, []string{"ch_1", "pi_1 2", "pi_" + long}},
				{"begin step-up", begin, "payment_intent_id", 0, []string{"pi_test_ab12_x9"}, []string{"ch_1", "pi_1 2"}},
				{"finish step-up", finish, "payment_intent_id", 0, []string{"pi_test_ab12_x9"}, []string{"ch_1", "pi_1 2"}},
				{"simulate session", simulate, "session_id", 404, []string{"vs_test_ab12_x9"}, []string{"vi_1", "vs_1 2", "vs_" + long}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					for _, id := range tc.valid {
						method, path, body := tc.request(id)
						var out struct{ Message string }
						code, _ := e.call(method, path, body, &out)
						if tc.status != 0 && code != tc.status || code == 400 && strings.Contains(out.Message, tc.field) {
							t.Errorf("%s %q: HTTP %d %q, want it accepted", tc.field, id, code, out.Message)
						}
					}
					for _, id := range tc.invalid {
						method, path, body := tc.request(id)
						var out struct{ Message string }
						if code, _ := e.call(method, path, body, &out); code != 400 || !strings.HasPrefix(out.Message, tc.field+":") {
							t.Errorf("%s %q: HTTP %d %q, want 400 naming the field", tc.field, id, code, out.Message)
						}
					}
				})
			}
		})
	}
}
