package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
	"github.com/idgate/idgate/internal/testenv"
)

type sandboxPayment struct {
	ID               string            `json:"id"`
	CustomerID       string            `json:"customer_id"`
	StripeCustomerID string            `json:"stripe_customer_id"`
	Amount           string            `json:"amount"`
	Status           string            `json:"status"`
	AmountReceived   string            `json:"amount_received"`
	Metadata         map[string]string `json:"metadata"`
}

// TestSandboxPayments: under IDGATE_SANDBOX=on, GET /v1/sandbox says so and names the
// relying party and the local Stripe; POST /v1/sandbox/payment-intents makes an authorised
// PaymentIntent for the customer, which steps up by the subaccount's amount threshold or
// when marked; once the payer's passkey passes the step-up, reading it back shows the
// result in its metadata and its capture. Bad input names the field and creates nothing;
// another tenant's customer and PaymentIntent answer like missing ones.
func TestSandboxPayments(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e := start(t, testConfig(t, db.URL, map[string]string{
				"IDGATE_SANDBOX": "on", "IDGATE_SANDBOX_ADDR": "127.0.0.1:0", "IDGATE_SANDBOX_STRIPE_MOCK": testenv.StripeMock(t),
				"STRIPE_CONNECT_WEBHOOK_SECRET": "whsec_sandbox_connect",
				"IDGATE_WEBAUTHN_RP_ID":         rp.ID, "IDGATE_WEBAUTHN_RP_NAME": rp.Name, "IDGATE_WEBAUTHN_ORIGINS": rp.Origin,
			}))
			ctx := context.Background()
			var info struct {
				Enabled bool   `json:"enabled"`
				RPID    string `json:"webauthn_rp_id"`
				Base    string `json:"stripe_api_base"`
			}
			if code, _ := e.call("GET", "/v1/sandbox", "", &info); code != 200 || !info.Enabled || info.RPID != rp.ID || info.Base != e.srv.SandboxURL() {
				t.Fatalf("GET /v1/sandbox: %d %+v", code, info)
			}
			_, cust, stripeCustomer := e.payerIn(`{"amount_thresholds":{"usd":4000}}`)
			for _, bad := range []struct{ body, field string }{
				{`{"customer_id":%q,"amount":10}`, "amount"},
				{`{"customer_id":%q,"amount":5000,"currency":"USD"}`, "currency"},
				{`{"customer_id":"","amount":5000}`, "customer_id"},
			} {
				body := bad.body
				if strings.Contains(body, "%q") {
					body = fmt.Sprintf(body, cust)
				}
				var st struct {
					Details []struct {
						Violations []struct{ Field string } `json:"field_violations"`
					} `json:"details"`
				}
				code, _ := e.call("POST", "/v1/sandbox/payment-intents", body, &st)
				if code != http.StatusBadRequest || len(st.Details) == 0 || len(st.Details[0].Violations) == 0 || st.Details[0].Violations[0].Field != bad.field {
					t.Errorf("%s: HTTP %d %+v, want 400 naming %s", body, code, st, bad.field)
				}
			}
			var list struct {
				Data []any `json:"data"`
			}
			sandboxGet(t, e.srv.SandboxURL()+"/v1/payment_intents", &list)
			if len(list.Data) != 0 {
				t.Fatalf("refused requests left %d PaymentIntents in the sandbox", len(list.Data))
			}

			var pi sandboxPayment
			if code, _ := e.call("POST", "/v1/sandbox/payment-intents", fmt.Sprintf(`{"customer_id":%q,"amount":4200}`, cust), &pi); code != 200 {
				t.Fatalf("create: HTTP %d", code)
			}
			if !strings.HasPrefix(pi.ID, "pi_") || pi.CustomerID != cust || pi.StripeCustomerID != stripeCustomer || pi.Amount != "4200" ||
				pi.Status != "requires_capture" || pi.Metadata["stepup_required"] != "" || pi.Metadata["idgate_customer_id"] != cust {
				t.Fatalf("created %+v", pi)
			}
			// Under the threshold a payment steps up only when marked.
			for body, want := range map[string]string{`{"customer_id":%q,"amount":100}`: "", `{"customer_id":%q,"amount":100,"stepup_required":true}`: "payment_metadata"} {
				var small sandboxPayment
				if code, _ := e.call("POST", "/v1/sandbox/payment-intents", fmt.Sprintf(body, cust), &small); code != 200 {
					t.Fatalf("create %s: HTTP %d", body, code)
				}
				p, err := e.identity.EvaluatePayment(ctx, &idgatev1.EvaluatePaymentRequest{PaymentIntentId: small.ID})
				if err != nil || p.Required != (want != "") || want != "" && p.Reasons[0] != want {
					t.Fatalf("evaluate %s: %v %v, want reason %q", body, p, err, want)
				}
			}

			device := e.enrol(t, cust)
			if p, err := e.identity.EvaluatePayment(ctx, &idgatev1.EvaluatePaymentRequest{PaymentIntentId: pi.ID}); err != nil || !p.Required || p.Reasons[0] != "amount_threshold:4200>=4000 usd" {
				t.Fatalf("evaluate: %v %v", p, err)
			}
			begin, err := e.identity.BeginStepUp(ctx, &idgatev1.BeginStepUpRequest{PaymentIntentId: pi.ID, CaptureOnPass: true})
			if err != nil {
				t.Fatal(err)
			}
			if p, err := e.identity.FinishStepUp(ctx, &idgatev1.FinishStepUpRequest{PaymentIntentId: pi.ID, ChallengeId: begin.ChallengeId,
				AssertionJson: device.sign(t, begin.OptionsJson, rp.Origin)}); err != nil || p.Status != "passed" {
				t.Fatalf("finish: %v %v", p, err)
			}
			testenv.Eventually(t, "the result and the capture read back from the sandbox", func() bool {
				var got sandboxPayment
				code, _ := e.call("GET", "/v1/sandbox/payment-intents/"+pi.ID, "", &got)
				pi = got
				return code == 200 && got.Status == "succeeded" && got.AmountReceived == "4200" && got.Metadata["stepup_status"] == "passed"
			})
			if pi.Metadata["stepup_method"] != "webauthn" || pi.Metadata["stepup_credential_id"] != device.id {
				t.Fatalf("metadata %v, want the webauthn pass with credential %s", pi.Metadata, device.id)
			}

			// Another tenant's key: the customer and the PaymentIntent are as if missing.
			otherSub, _, _ := e.payerIn(`{}`)
			other := e.newKey(t, "service", otherSub)
			own := e.key
			e.key = other
			answers := map[string]string{}
			for name, path := range map[string]string{
				"other's payment": "/v1/sandbox/payment-intents/" + pi.ID, "missing payment": "/v1/sandbox/payment-intents/pi_000000000000000000000000",
			} {
				code, _ := e.call("GET", path, "", nil)
				answers[name] = fmt.Sprint(code)
			}
			for name, id := range map[string]string{"other's customer": cust, "missing customer": "cust_nobody"} {
				code, _ := e.call("POST", "/v1/sandbox/payment-intents", fmt.Sprintf(`{"customer_id":%q,"amount":5000}`, id), nil)
				answers[name] = fmt.Sprint(code)
			}
			e.key = own
			if answers["other's payment"] != "404" || answers["missing payment"] != "404" || answers["other's customer"] != "404" || answers["missing customer"] != "404" {
				t.Fatalf("another tenant's objects: %v, want 404 as for missing ones", answers)
			}
		})
	}
}

// TestSandboxPaymentsOff: without the sandbox the console is told so, and the payment
// routes refuse, saying how to turn it on.
func TestSandboxPaymentsOff(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e := start(t, testConfig(t, db.URL, map[string]string{"STRIPE_API_BASE": testenv.Stripe(t)}))
			var info struct {
				Enabled bool `json:"enabled"`
			}
			if code, _ := e.call("GET", "/v1/sandbox", "", &info); code != 200 || info.Enabled {
				t.Fatalf("GET /v1/sandbox without the sandbox: %d enabled=%v", code, info.Enabled)
			}
			_, cust, _ := e.payerIn(`{}`)
			var st struct{ Message string }
			if code, _ := e.call("POST", "/v1/sandbox/payment-intents", fmt.Sprintf(`{"customer_id":%q,"amount":5000}`, cust), &st); code != http.StatusBadRequest || !strings.Contains(st.Message, "IDGATE_SANDBOX=on") {
				t.Fatalf("create without the sandbox: %d %q", code, st.Message)
			}
		})
	}
}

// sandboxGet reads url from the sandbox as the platform would and decodes it into out.
func sandboxGet(t *testing.T, url string, out any) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.SetBasicAuth("sk_test_sandbox", "")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
}
