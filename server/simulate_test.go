package server_test

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
	"github.com/idgate/idgate/internal/testenv"
)

// simulateAnswer is what :simulate answers.
type simulateAnswer struct {
	EventID string `json:"event_id"`
	Message string `json:"message"`
}

// simulateAs asks :simulate for an outcome of session with the API key key.
func (e *env) simulateAs(key, session, body string) (int, simulateAnswer) {
	e.t.Helper()
	as := *e
	as.key = key
	var r simulateAnswer
	code, _ := as.call("POST", "/v1/verification-sessions/"+session+":simulate", body, &r)
	return code, r
}

// tier3Session takes a new high-risk US merchant of sub to its first tier-3 session.
func (e *env) tier3Session(sub, externalID string) (merchantID, sessionID string) {
	e.t.Helper()
	merchantID = e.newMerchant(sub, externalID, "US", true)
	if code, _, m := e.merchantCall("POST", "/v1/merchants/"+merchantID+"/biometric-consent", `{"granted":true,"ip_address":"203.0.113.7","user_agent":"Mozilla/5.0"}`); code != 200 {
		e.t.Fatalf("consent: HTTP %d %s", code, m.Message)
	}
	var vs struct {
		SessionID string `json:"session_id"`
	}
	if code, _ := e.call("POST", "/v1/merchants/"+merchantID+"/verification-sessions", `{}`, &vs); code != 200 || !strings.HasPrefix(vs.SessionID, "vs_") {
		e.t.Fatalf("tier-3 session: HTTP %d %+v", code, vs)
	}
	return merchantID, vs.SessionID
}

// selfieStepUp begins the identity step-up of a new PaymentIntent of stripeCustomer, marked
// for step-up, and returns the PaymentIntent and its selfie session.
func (e *env) selfieStepUp(t *testing.T, proxy *testenv.StripeProxy, stripeCustomer string) (pi, sessionID string) {
	t.Helper()
	pi = paymentIntent(t, proxy, stripeCustomer, 5000, map[string]string{"stepup_required": "true"})
	b, err := e.identity.BeginStepUp(context.Background(), &idgatev1.BeginStepUpRequest{PaymentIntentId: pi})
	if err != nil || b.Method != "identity" {
		t.Fatalf("begin identity step-up: %+v %v", b, err)
	}
	return pi, b.VerificationSession.GetSessionId()
}

// TestSimulateEverySession: :simulate drives a merchant's tier-3 session and a payment
// step-up's selfie session as their real events would, through the webhook path; another
// tenant's session answers exactly like a missing one, and nothing is fed for it.
func TestSimulateEverySession(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e, proxy := stepUpEnv(t, db)
			sub, _, stripeCustomer := e.payerIn(`{"fallback":"identity","cancel_on_failure":false}`)

			// A merchant's tier-3 session: a failed attempt asks for another; a verified one
			// verifies the merchant and pushes the document to its Connect account.
			merchant, first := e.tier3Session(sub, "us-risky")
			e.simulate(first, "requires_input", "selfie_face_mismatch")
			_, _, m := e.merchantCall("GET", "/v1/merchants/"+merchant, "")
			if m.NextAction != "start_document_verification" || m.KYCStatus != "" || m.ledger() != "3 stripe_identity no_match" {
				t.Fatalf("after a simulated failed attempt: %+v", m)
			}
			var second struct {
				SessionID string `json:"session_id"`
				Attempt   int    `json:"attempt"`
			}
			if code, _ := e.call("POST", "/v1/merchants/"+merchant+"/verification-sessions", `{}`, &second); code != 200 || second.Attempt != 2 {
				t.Fatalf("second attempt: HTTP %d %+v", code, second)
			}
			e.simulate(second.SessionID, "verified", "")
			_, _, m = e.merchantCall("GET", "/v1/merchants/"+merchant, "")
			if m.KYCStatus != "verified" || m.ledger() != "3 stripe_identity match, 3 stripe_identity no_match" {
				t.Fatalf("after a simulated verified session: %+v", m)
			}
			testenv.Eventually(t, "the tier-3 document pushed to the merchant's person", func() bool {
				for _, r := range proxy.Requests("POST", "/persons") {
					if r.Form.Get("verification[document][front]") != "" {
						return true
					}
				}
				return false
			})

			// A payment step-up's selfie session: verified passes it and writes the result
			// into the PaymentIntent; canceled fails another.
			passing, vs := e.selfieStepUp(t, proxy, stripeCustomer)
			e.simulate(vs, "verified", "")
			testenv.Eventually(t, "the simulated step-up's result in Stripe", func() bool { return e.canCapture(t, passing).Allowed })
			if c := e.canCapture(t, passing); c.Reason != "stepup_passed" {
				t.Fatalf("after the simulated verified selfie session: %+v", c)
			}
			failing, vs := e.selfieStepUp(t, proxy, stripeCustomer)
			e.simulate(vs, "canceled", "")
			if c := e.canCapture(t, failing); c.Allowed || c.Reason != "stepup_failed" {
				t.Fatalf("after the simulated canceled selfie session: %+v", c)
			}

			// Another tenant's key: its sessions are invisible, answered as a missing one is.
			_, open := e.tier3Session(sub, "us-open")
			_, pending := e.selfieStepUp(t, proxy, stripeCustomer)
			var other struct{ ID string }
			e.call("POST", "/v1/subaccounts", `{"name":"Other tenant"}`, &other)
			outsider := e.newKey(t, "service", other.ID)
			before := len(e.events())
			missing := "vs_1NotAnySessionOfIdgate"
			code, want := e.simulateAs(outsider, missing, `{"outcome":"verified"}`)
			if code != http.StatusNotFound {
				t.Fatalf("unknown session: HTTP %d %+v", code, want)
			}
			for what, id := range map[string]string{"merchant session": open, "step-up session": pending} {
				code, got := e.simulateAs(outsider, id, `{"outcome":"verified"}`)
				if code != http.StatusNotFound || strings.ReplaceAll(got.Message, id, missing) != want.Message {
					t.Errorf("another tenant's %s: HTTP %d %q, want 404 %q", what, code, got.Message, want.Message)
				}
			}
			if after := len(e.events()); after != before {
				t.Fatalf("%d events fed for other tenants' sessions", after-before)
			}
			// The tenant's own key drives them.
			if code, r := e.simulateAs(e.newKey(t, "service", sub), open, `{"outcome":"processing"}`); code != 200 || r.EventID == "" {
				t.Fatalf("the tenant's own merchant session: HTTP %d %+v", code, r)
			}
		})
	}
}

// TestSimulateRefusedInLiveMode: sessions of every kind, created in test mode, cannot be
// simulated once idgate runs on the same database with a live key, nor does the sandbox
// answer database KYC there; nothing reaches the webhook path.
func TestSimulateRefusedInLiveMode(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e, proxy := stepUpEnv(t, db)
			sub, cust, stripeCustomer := e.payerIn(`{"fallback":"identity"}`)
			_, merchantSession := e.tier3Session(sub, "us-risky")
			_, stepUpSession := e.selfieStepUp(t, proxy, stripeCustomer)
			customerSession := e.session(cust)
			pending := e.newMerchant(sub, "us-pending", "US", false)
			e.stop()

			live := start(t, testConfig(t, db.URL, map[string]string{"STRIPE_API_BASE": proxy.URL, "STRIPE_SECRET_KEY": "sk_live_not_a_real_key"}))
			before := len(live.events())
			for what, id := range map[string]string{"customer": customerSession, "merchant": merchantSession, "step-up": stepUpSession} {
				code, r := live.simulateAs(adminKey, id, `{"outcome":"verified"}`)
				if code != http.StatusBadRequest || !strings.Contains(r.Message, "test key") {
					t.Errorf("%s session with a live key: HTTP %d %q, want 400 FailedPrecondition", what, code, r.Message)
				}
			}
			if after := len(live.events()); after != before {
				t.Fatalf("%d simulated events fed with a live key", after-before)
			}
			code, _, m := live.merchantCall("POST", "/v1/merchants/"+pending+"/database-kyc", tier1Body("Rosen", "0000"))
			if code != http.StatusServiceUnavailable || !strings.Contains(m.Message, "no database KYC provider") {
				t.Fatalf("database KYC with a live key: HTTP %d %q, want 503: the sandbox serves test mode only", code, m.Message)
			}
			if _, _, m := live.merchantCall("GET", "/v1/merchants/"+pending, ""); len(m.Checks) != 0 || m.NextAction != "start_database_kyc" {
				t.Fatalf("after the refused check: %+v", m)
			}
		})
	}
}

// TestEverySessionHasAnOwner: :simulate finds a session through the SessionOwners of
// identity (customers), onboarding (merchants) and stepup (payments), each of which rebuilds
// the metadata with its package's sessionMetadata. So every Stripe Identity session idgate
// creates (every stripe.SessionParams) is made in one of those packages with that
// function's metadata; a new kind of session must bring its own owner.
func TestEverySessionHasAnOwner(t *testing.T) {
	owners := map[string]bool{"identity": true, "onboarding": true, "stepup": true}
	fset := token.NewFileSet()
	found := map[string]int{}
	err := filepath.WalkDir("../internal", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.CompositeLit)
			if !ok || typeName(lit) != "stripe.SessionParams" {
				return true
			}
			found[f.Name.Name]++
			metadata := false
			for _, el := range lit.Elts {
				if kv, ok := el.(*ast.KeyValueExpr); ok && ident(kv.Key) == "Metadata" {
					call, ok := kv.Value.(*ast.CallExpr)
					metadata = ok && ident(call.Fun) == "sessionMetadata"
				}
			}
			switch {
			case !owners[f.Name.Name]:
				t.Errorf("%s: package %s creates verification sessions: give it a SessionOwner registered with SimulateSessionsOf", fset.Position(lit.Pos()), f.Name.Name)
			case !metadata:
				t.Errorf("%s: a session's Metadata must be sessionMetadata(...), which its SessionOwner rebuilds for :simulate", fset.Position(lit.Pos()))
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for pkg := range owners {
		if found[pkg] == 0 {
			t.Errorf("package %s creates no verification session any more: found %v", pkg, found)
		}
	}
}

// typeName names a composite literal's type when it is pkg.Name, else "".
func typeName(lit *ast.CompositeLit) string {
	if sel, ok := lit.Type.(*ast.SelectorExpr); ok {
		return ident(sel.X) + "." + sel.Sel.Name
	}
	return ""
}

func ident(e ast.Expr) string {
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}
