package server_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
	"github.com/idgate/idgate/internal/config"
	"github.com/idgate/idgate/internal/testenv"
	"github.com/idgate/idgate/server"
)

// sandboxEnv is an idgate serving IDGATE_SANDBOX=on in front of the tests' stripe-mock.
func sandboxEnv(t *testing.T, db testenv.DB) *env {
	t.Helper()
	return start(t, testConfig(t, db.URL, map[string]string{
		"IDGATE_SANDBOX": "on", "IDGATE_SANDBOX_ADDR": "127.0.0.1:0", "IDGATE_SANDBOX_STRIPE_MOCK": testenv.StripeMock(t),
		"STRIPE_CONNECT_WEBHOOK_SECRET": "whsec_sandbox_connect",
	}))
}

// TestSandboxDeliversSignedEvents: under IDGATE_SANDBOX=on, a customer's session waits
// until its test page is used, and the events the sandbox then sends, signed with the
// configured secret, reach idgate's webhook endpoint and verify the customer; a
// PaymentIntent created at the sandbox is announced to idgate the same way.
func TestSandboxDeliversSignedEvents(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e := sandboxEnv(t, db)
			sandboxURL := e.srv.SandboxURL()
			_, id, stripeCustomer := e.newCustomer("all_users", 50, 3)
			vs := e.session(id)
			if c := e.customer(id); c.IdentityStatus == nil || *c.IdentityStatus == "verified" {
				t.Fatalf("before the test page: status %v, want a session still open", c.IdentityStatus)
			}
			resp, err := http.PostForm(sandboxURL+"/sandbox/verify/"+vs, url.Values{"outcome": {"verified"}})
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("test page: %v %v", resp, err)
			}
			resp.Body.Close()
			testenv.Eventually(t, "the customer verified by the sandbox's events", func() bool {
				c := e.customer(id)
				return c.IdentityStatus != nil && *c.IdentityStatus == "verified"
			})

			form := url.Values{"amount": {"4200"}, "currency": {"usd"}, "customer": {stripeCustomer}, "capture_method": {"manual"}}
			req, _ := http.NewRequest(http.MethodPost, sandboxURL+"/v1/payment_intents", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth("sk_test_sandbox", "")
			if resp, err = http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("create a PaymentIntent at the sandbox: %v %v", resp, err)
			}
			resp.Body.Close()
			testenv.Eventually(t, "payment_intent.created processed", func() bool {
				for _, ev := range e.events() {
					if ev.GetType() == "payment_intent.created" && ev.GetState() != "pending" {
						return true
					}
				}
				return false
			})
			types := map[string]bool{}
			for _, ev := range e.events() {
				types[ev.GetType()] = true
				if ev.GetState() == "failed" {
					t.Errorf("event %s (%s) failed: %s", ev.GetId(), ev.GetType(), ev.GetLastError())
				}
			}
			for _, want := range []string{"identity.verification_session.created", "identity.verification_session.processing", "identity.verification_session.verified"} {
				if !types[want] {
					t.Errorf("idgate received no %s; it has %v", want, types)
				}
			}
		})
	}
}

// TestSandboxConnectKYC: under IDGATE_SANDBOX=on with Stripe Connect as the database-KYC
// provider, a US merchant's tier 1 with Stripe's test identity completes by itself: the
// sandbox verifies the person it was given and its person.updated and account.updated,
// signed with the Connect secret, reach idgate, which records the match and the enabled
// charges.
func TestSandboxConnectKYC(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e := start(t, testConfig(t, db.URL, map[string]string{
				"IDGATE_SANDBOX": "on", "IDGATE_SANDBOX_ADDR": "127.0.0.1:0", "IDGATE_SANDBOX_STRIPE_MOCK": testenv.StripeMock(t),
				"STRIPE_CONNECT_WEBHOOK_SECRET": "whsec_sandbox_connect", "IDGATE_DATABASE_KYC_PROVIDER": "stripe_connect",
			}))
			ctx := context.Background()
			onb := idgatev1.NewConnectOnboardingServiceClient(e.conn)
			sa, err := e.risk.CreateSubaccount(ctx, &idgatev1.CreateSubaccountRequest{Name: "US marketplace"})
			if err != nil {
				t.Fatal(err)
			}
			m, err := onb.CreateMerchant(ctx, &idgatev1.CreateMerchantRequest{SubaccountId: sa.Id, ExternalId: "us-shop", Country: "US", BusinessType: "individual"})
			if err != nil {
				t.Fatal(err)
			}
			if m, err = onb.StartDatabaseKYC(ctx, &idgatev1.StartDatabaseKYCRequest{MerchantId: m.Id, FirstName: "Jenny", LastName: "Rosen", Dob: "1901-01-01", SsnLast4: "0000",
				Address: &idgatev1.PostalAddress{Line1: "address_full_match", City: "San Francisco", State: "CA", PostalCode: "94111"}}); err != nil || m.NextAction != "wait_for_database_kyc" {
				t.Fatalf("tier 1 submitted: %v %v", m, err)
			}
			testenv.Eventually(t, "the sandbox's verdict applied", func() bool {
				m, err = onb.GetMerchant(ctx, &idgatev1.GetMerchantRequest{Id: m.Id})
				return err == nil && m.KycStatus == "verified" && m.ChargesEnabled
			})
			for _, ev := range e.events() {
				if ev.GetState() == "failed" || ev.GetAccount() != "" && ev.GetAccount() != m.StripeAccountId {
					t.Errorf("event %s (%s, account %q): %s %s", ev.GetId(), ev.GetType(), ev.GetAccount(), ev.GetState(), ev.GetLastError())
				}
			}
		})
	}
}

// TestSandboxRefusedWithALiveKey: IDGATE_SANDBOX=on with a live key does not start.
func TestSandboxRefusedWithALiveKey(t *testing.T) {
	for _, key := range []string{"sk_live_x", "rk_live_x"} {
		cfg, err := config.FromEnv(func(k string) string {
			return map[string]string{"IDGATE_SANDBOX": "on", "STRIPE_SECRET_KEY": key, "STRIPE_WEBHOOK_SECRET": "whsec_a", "STRIPE_CONNECT_WEBHOOK_SECRET": "whsec_b"}[k]
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "IDGATE_SANDBOX=on") || !strings.Contains(err.Error(), "live") {
			t.Errorf("Validate with %s: %v, want the sandbox refused", key[:8], err)
		}
		cfg.DatabaseURL = "sqlite:" + t.TempDir() + "/idgate.db"
		cfg.GRPCAddr, cfg.HTTPAddr, cfg.SandboxAddr = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
		cfg.DataKeyFile = t.TempDir() + "/key"
		if srv, err := server.New(context.Background(), cfg, slog.New(slog.DiscardHandler)); err == nil || srv != nil {
			t.Errorf("server.New with %s and the sandbox: started (%v)", key[:8], err)
		} else if !strings.Contains(err.Error(), "live key") {
			t.Errorf("server.New with %s: %v, want the live key named", key[:8], err)
		}
	}
}

// TestSandboxSimulate: under IDGATE_SANDBOX=on, :simulate moves the session at the sandbox
// as its test page would, so the events that verify the customer are the sandbox's own,
// carrying the verified outputs a real session has (not an event idgate signs itself with
// none); the answer names the last of them, and another tenant's session is not found.
func TestSandboxSimulate(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e := sandboxEnv(t, db)
			_, id, _ := e.newCustomer("all_users", 50, 3)
			vs := e.session(id)
			code, r := e.simulateAs(e.key, vs, `{"outcome":"verified"}`)
			if code != http.StatusOK || !strings.HasPrefix(r.EventID, "evt_") || strings.HasPrefix(r.EventID, "evt_simulated") {
				t.Fatalf(":simulate: HTTP %d %+v, want the sandbox's event id", code, r)
			}
			testenv.Eventually(t, "the customer verified by the sandbox's events", func() bool {
				c := e.customer(id)
				return c.IdentityStatus != nil && *c.IdentityStatus == "verified"
			})
			var c struct {
				FirstName string `json:"identity_first_name"`
			}
			if code, _ := e.call("GET", "/api/customers/"+id, "", &c); code != 200 || c.FirstName != "Jenny" {
				t.Errorf("verified outputs after :simulate: HTTP %d first name %q, want the sandbox's test person Jenny", code, c.FirstName)
			}
			if code, r := e.simulateAs(e.key, vs, `{"outcome":"canceled"}`); code != http.StatusBadRequest {
				t.Errorf(":simulate canceled on a verified session: HTTP %d %+v, want 400", code, r)
			}
		})
	}
}
