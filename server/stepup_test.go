package server_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
	"github.com/idgate/idgate/internal/clock"
	"github.com/idgate/idgate/internal/testenv"
	"github.com/idgate/idgate/server"
)

// The relying party the tests' idgate is configured as, and the payer's browser.
var rp = virtualwebauthn.RelyingParty{Name: "Fleet Pay", ID: "pay.example.test", Origin: "https://pay.example.test"}

// stepUpEnv is an idgate whose Stripe proxy the test can ask what reached Stripe.
func stepUpEnv(t *testing.T, db testenv.DB, opts ...server.Options) (*env, *testenv.StripeProxy) {
	proxy := testenv.NewStripe(t)
	_, sinkURL := newSink(t)
	e := start(t, testConfig(t, db.URL, map[string]string{
		"STRIPE_API_BASE": proxy.URL, "IDGATE_NOTIFY_URL": sinkURL, "IDGATE_NOTIFY_SECRET": notifySecret,
		"IDGATE_WEBAUTHN_RP_ID": rp.ID, "IDGATE_WEBAUTHN_RP_NAME": rp.Name, "IDGATE_WEBAUTHN_ORIGINS": rp.Origin,
	}), opts...)
	return e, proxy
}

// payerIn creates a subaccount with the step-up policy (JSON) and a customer of it linked to
// a Stripe customer; it returns their ids and the Stripe customer's.
func (e *env) payerIn(policy string) (sub, cust, stripeCustomer string) {
	var sa, c struct{ ID string }
	e.call("POST", "/v1/subaccounts", `{"name":"Fleet","stepup_policy":`+policy+`}`, &sa)
	stripeCustomer = fmt.Sprintf("cus_P%d", time.Now().UnixNano())
	if code, _ := e.call("POST", "/v1/customers", fmt.Sprintf(`{"subaccount_id":%q,"external_id":"payer","stripe_customer_id":%q}`, sa.ID, stripeCustomer), &c); code != 200 {
		e.t.Fatalf("create payer: HTTP %d", code)
	}
	return sa.ID, c.ID, stripeCustomer
}

// payer is a customer's device: a software authenticator holding one passkey.
type payer struct {
	id   string // the credential's idgate id
	auth virtualwebauthn.Authenticator
	cred virtualwebauthn.Credential
}

func (e *env) enrol(t *testing.T, customerID string) *payer {
	t.Helper()
	ctx := context.Background()
	begin, err := e.identity.BeginEnrollment(ctx, &idgatev1.BeginEnrollmentRequest{CustomerId: customerID, DisplayName: "Jenny"})
	if err != nil {
		t.Fatal(err)
	}
	opts, err := virtualwebauthn.ParseAttestationOptions(begin.OptionsJson)
	if err != nil {
		t.Fatal(err)
	}
	if opts.RelyingPartyID != rp.ID {
		t.Fatalf("creation options for rp %q, want %q", opts.RelyingPartyID, rp.ID)
	}
	p := &payer{auth: virtualwebauthn.NewAuthenticatorWithOptions(virtualwebauthn.AuthenticatorOptions{UserHandle: []byte(customerID)}),
		cred: passkey(t)}
	attestation := virtualwebauthn.CreateAttestationResponse(rp, p.auth, p.cred, *opts)
	c, err := e.identity.FinishEnrollment(ctx, &idgatev1.FinishEnrollmentRequest{CustomerId: customerID, ChallengeId: begin.ChallengeId, CredentialJson: attestation, Name: "phone"})
	if err != nil {
		t.Fatalf("finish enrolment: %v", err)
	}
	if !strings.HasPrefix(c.Id, "wac_") || c.Name != "phone" || c.Aaguid == "" {
		t.Fatalf("credential %+v", c)
	}
	// The same attestation cannot enrol twice: the challenge is used up.
	if _, err := e.identity.FinishEnrollment(ctx, &idgatev1.FinishEnrollmentRequest{CustomerId: customerID, ChallengeId: begin.ChallengeId, CredentialJson: attestation}); status.Code(err) != codes.FailedPrecondition {
		t.Fatalf("replayed enrolment: %v, want FailedPrecondition", err)
	}
	p.auth.AddCredential(p.cred)
	p.id = c.Id
	return p
}

// passkey is a new P-256 credential whose public key coordinates are 32 bytes each.
// virtualwebauthn encodes them with big.Int.Bytes, which drops leading zero bytes, and
// go-webauthn rightly refuses the shorter coordinate: about one key in 128 would fail.
func passkey(t *testing.T) virtualwebauthn.Credential {
	t.Helper()
	for {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if len(k.X.Bytes()) != 32 || len(k.Y.Bytes()) != 32 {
			continue
		}
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return virtualwebauthn.NewCredentialWithImportedKey(virtualwebauthn.KeyTypeEC2, der)
	}
}

// sign answers a step-up's request options as the payer's browser at origin would.
func (p *payer) sign(t *testing.T, optionsJSON, origin string) string {
	t.Helper()
	opts, err := virtualwebauthn.ParseAssertionOptions(optionsJSON)
	if err != nil {
		t.Fatal(err)
	}
	party := rp
	party.Origin = origin
	return virtualwebauthn.CreateAssertionResponse(party, p.auth, p.cred, *opts)
}

// paymentIntent creates a manual-capture PaymentIntent in the sandbox for the customer,
// authorised with a test card (requires_capture), as a payment is when idgate captures it.
func paymentIntent(t *testing.T, proxy *testenv.StripeProxy, stripeCustomer string, amount int, metadata map[string]string) string {
	t.Helper()
	form := url.Values{"amount": {fmt.Sprint(amount)}, "currency": {"usd"}, "capture_method": {"manual"}, "confirm": {"true"}, "payment_method": {"pm_card_visa"}}
	if stripeCustomer != "" {
		form.Set("customer", stripeCustomer)
	}
	for k, v := range metadata {
		form.Set("metadata["+k+"]", v)
	}
	id := stripePost(t, proxy, "/v1/payment_intents", form)
	if !strings.HasPrefix(id, "pi_") {
		t.Fatalf("created payment intent %q", id)
	}
	return id
}

// stripePost makes a call to (mock) Stripe as the platform would, and returns the id answered.
func stripePost(t *testing.T, proxy *testenv.StripeProxy, path string, form url.Values) string {
	t.Helper()
	req, _ := http.NewRequest("POST", proxy.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Authorization", "Bearer sk_test_idgate")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var obj struct {
		ID string `json:"id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&obj); err != nil || resp.StatusCode != 200 {
		t.Fatalf("POST %s: %d %v", path, resp.StatusCode, err)
	}
	return obj.ID
}

func (e *env) deliverEvent(t *testing.T, typ, object string) {
	t.Helper()
	id := fmt.Sprintf("evt_%d", time.Now().UnixNano())
	payload := stripeEvent(id, typ, "2023-10-16", object)
	if code, body := e.deliver("/v1/webhooks/stripe", payload, sign(payload, secret, time.Now())); code != 200 {
		t.Fatalf("deliver %s: %d %s", typ, code, body)
	}
	if st := e.waitState(id); st != "processed" {
		t.Fatalf("%s ended %q", typ, st)
	}
}

type captureJSON struct {
	Allowed bool   `json:"allowed"`
	Reason  string `json:"reason"`
}

func (e *env) canCapture(t *testing.T, pi string) captureJSON {
	t.Helper()
	var c captureJSON
	if code, _ := e.call("GET", "/v1/payments/"+pi+"/capturable", "", &c); code != 200 {
		t.Fatalf("capturable: HTTP %d", code)
	}
	return c
}

// TestPaymentStepUp is issue 6's round trip: a passkey is enrolled; a PaymentIntent marked
// for step-up is held until the payer's assertion, bound to that payment, passes; the
// result reaches the PaymentIntent's metadata before it is captured. Assertions for another
// payment, replayed, expired, from the wrong origin or from a cloned authenticator fail.
func TestPaymentStepUp(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			clk := &clock.Fake{}
			e, proxy := stepUpEnv(t, db, server.Options{Clock: clk})
			ctx := context.Background()
			_, cust, stripeCustomer := e.payerIn(`{"fallback":"none","on_fraud_warning":true,"amount_thresholds":{"usd":100000}}`)

			// Without a passkey and without a fallback, a step-up cannot begin.
			marked := map[string]string{"stepup_required": "true"}
			early := paymentIntent(t, proxy, stripeCustomer, 5000, marked)
			if _, err := e.identity.BeginStepUp(ctx, &idgatev1.BeginStepUpRequest{PaymentIntentId: early}); status.Code(err) != codes.FailedPrecondition {
				t.Fatalf("step-up without a passkey: %v", err)
			}
			device := e.enrol(t, cust)

			// A plain small payment does not step up; a marked one is held.
			plain := paymentIntent(t, proxy, stripeCustomer, 5000, nil)
			e.deliverEvent(t, "payment_intent.created", fmt.Sprintf(`{"id":%q,"object":"payment_intent"}`, plain))
			if c := e.canCapture(t, plain); !c.Allowed || c.Reason != "stepup_not_required" {
				t.Fatalf("plain payment: %+v", c)
			}
			pi := paymentIntent(t, proxy, stripeCustomer, 5000, marked)
			e.deliverEvent(t, "payment_intent.requires_action", fmt.Sprintf(`{"id":%q,"object":"payment_intent","status":"requires_action"}`, pi))
			if c := e.canCapture(t, pi); c.Allowed || c.Reason != "stepup_required" {
				t.Fatalf("marked payment before the step-up: %+v", c)
			}
			big, err := e.identity.EvaluatePayment(ctx, &idgatev1.EvaluatePaymentRequest{PaymentIntentId: paymentIntent(t, proxy, stripeCustomer, 150000, nil)})
			if err != nil || !big.Required || big.Reasons[0] != "amount_threshold:150000>=100000 usd" {
				t.Fatalf("payment over the amount threshold: %+v %v", big, err)
			}

			begin, err := e.identity.BeginStepUp(ctx, &idgatev1.BeginStepUpRequest{PaymentIntentId: pi, CaptureOnPass: true})
			if err != nil || begin.Method != "webauthn" {
				t.Fatalf("begin step-up: %+v %v", begin, err)
			}
			if c := e.canCapture(t, pi); c.Allowed || c.Reason != "stepup_pending" {
				t.Fatalf("during the step-up: %+v", c)
			}
			assertion := device.sign(t, begin.OptionsJson, rp.Origin)

			// The assertion for pi does not approve another payment.
			other := paymentIntent(t, proxy, stripeCustomer, 5000, marked)
			otherBegin, err := e.identity.BeginStepUp(ctx, &idgatev1.BeginStepUpRequest{PaymentIntentId: other})
			if err != nil {
				t.Fatal(err)
			}
			_, err = e.identity.FinishStepUp(ctx, &idgatev1.FinishStepUpRequest{PaymentIntentId: other, ChallengeId: otherBegin.ChallengeId, AssertionJson: assertion})
			if status.Code(err) != codes.FailedPrecondition {
				t.Fatalf("assertion for another payment: %v, want FailedPrecondition", err)
			}
			if c := e.canCapture(t, other); c.Allowed || c.Reason != "stepup_failed" {
				t.Fatalf("the other payment after a foreign assertion: %+v", c)
			}

			// The right assertion passes; the result is written, then the payment captured.
			passed, err := e.identity.FinishStepUp(ctx, &idgatev1.FinishStepUpRequest{PaymentIntentId: pi, ChallengeId: begin.ChallengeId, AssertionJson: assertion})
			if err != nil || passed.Status != "passed" || passed.Method != "webauthn" || passed.CredentialId == "" {
				t.Fatalf("finish step-up: %+v %v", passed, err)
			}
			// Replayed, it fails: the challenge is used up.
			if _, err := e.identity.FinishStepUp(ctx, &idgatev1.FinishStepUpRequest{PaymentIntentId: pi, ChallengeId: begin.ChallengeId, AssertionJson: assertion}); status.Code(err) != codes.FailedPrecondition {
				t.Fatalf("replayed assertion: %v", err)
			}
			testenv.Eventually(t, "the step-up result in Stripe", func() bool { return e.canCapture(t, pi).Allowed })
			testenv.Eventually(t, "the capture", func() bool { return len(proxy.Requests("POST", "/v1/payment_intents/"+pi+"/capture")) == 1 })
			if c := proxy.Requests("POST", "/v1/payment_intents/"+pi+"/capture"); c[0].Status != http.StatusOK {
				t.Fatalf("the capture answered HTTP %d, want the authorised payment captured", c[0].Status)
			}
			var metadataAt, captureAt int = -1, -1
			for i, r := range proxy.Requests("POST", "") {
				switch {
				case r.Path == "/v1/payment_intents/"+pi && r.Form.Get("metadata[stepup_status]") == "passed":
					if r.Form.Get("metadata[stepup_challenge_id]") != begin.ChallengeId || r.Form.Get("metadata[stepup_method]") != "webauthn" {
						t.Fatalf("metadata written: %v", r.Form)
					}
					metadataAt = i
				case r.Path == "/v1/payment_intents/"+pi+"/capture":
					captureAt = i
				}
			}
			if metadataAt < 0 || captureAt < metadataAt {
				t.Fatalf("metadata update at %d, capture at %d: the result must be in the metadata before capture", metadataAt, captureAt)
			}

			// The platform raises the amount after the challenge began: the assertion, made for
			// the old amount, does not approve the new one.
			raised := paymentIntent(t, proxy, stripeCustomer, 5000, marked)
			b, err := e.identity.BeginStepUp(ctx, &idgatev1.BeginStepUpRequest{PaymentIntentId: raised})
			if err != nil {
				t.Fatal(err)
			}
			stripePost(t, proxy, "/v1/payment_intents/"+raised, url.Values{"amount": {"90000"}})
			_, err = e.identity.FinishStepUp(ctx, &idgatev1.FinishStepUpRequest{PaymentIntentId: raised, ChallengeId: b.ChallengeId, AssertionJson: device.sign(t, b.OptionsJson, rp.Origin)})
			if status.Code(err) != codes.FailedPrecondition {
				t.Fatalf("assertion after the amount changed: %v, want FailedPrecondition", err)
			}
			if c := e.canCapture(t, raised); c.Allowed || c.Reason != "stepup_required" {
				t.Fatalf("after the amount changed: %+v", c)
			}

			// The wrong origin fails.
			phished := paymentIntent(t, proxy, stripeCustomer, 5000, marked)
			b, err = e.identity.BeginStepUp(ctx, &idgatev1.BeginStepUpRequest{PaymentIntentId: phished})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.identity.FinishStepUp(ctx, &idgatev1.FinishStepUpRequest{PaymentIntentId: phished, ChallengeId: b.ChallengeId, AssertionJson: device.sign(t, b.OptionsJson, "https://pay.example.evil")}); status.Code(err) != codes.FailedPrecondition {
				t.Fatalf("assertion from another origin: %v", err)
			}

			// An expired challenge fails, and says so.
			late := paymentIntent(t, proxy, stripeCustomer, 5000, marked)
			b, err = e.identity.BeginStepUp(ctx, &idgatev1.BeginStepUpRequest{PaymentIntentId: late})
			if err != nil {
				t.Fatal(err)
			}
			clk.Advance(5 * time.Minute) // the default challenge lifetime
			_, err = e.identity.FinishStepUp(ctx, &idgatev1.FinishStepUpRequest{PaymentIntentId: late, ChallengeId: b.ChallengeId, AssertionJson: device.sign(t, b.OptionsJson, rp.Origin)})
			if status.Code(err) != codes.FailedPrecondition || !strings.Contains(err.Error(), "expired") {
				t.Fatalf("expired challenge: %v", err)
			}
			if c := e.canCapture(t, late); c.Allowed || c.Reason != "stepup_expired" {
				t.Fatalf("after expiry: %+v", c)
			}

			// A signature counter that goes back flags the passkey as cloned.
			device.cred.Counter = 10
			counted := paymentIntent(t, proxy, stripeCustomer, 5000, marked)
			b, _ = e.identity.BeginStepUp(ctx, &idgatev1.BeginStepUpRequest{PaymentIntentId: counted})
			if _, err := e.identity.FinishStepUp(ctx, &idgatev1.FinishStepUpRequest{PaymentIntentId: counted, ChallengeId: b.ChallengeId, AssertionJson: device.sign(t, b.OptionsJson, rp.Origin)}); err != nil {
				t.Fatalf("counter 10: %v", err)
			}
			device.cred.Counter = 5
			cloned := paymentIntent(t, proxy, stripeCustomer, 5000, marked)
			b, _ = e.identity.BeginStepUp(ctx, &idgatev1.BeginStepUpRequest{PaymentIntentId: cloned})
			_, err = e.identity.FinishStepUp(ctx, &idgatev1.FinishStepUpRequest{PaymentIntentId: cloned, ChallengeId: b.ChallengeId, AssertionJson: device.sign(t, b.OptionsJson, rp.Origin)})
			if status.Code(err) != codes.FailedPrecondition || !strings.Contains(err.Error(), "sign_count_regression") {
				t.Fatalf("counter went back: %v", err)
			}
			creds, err := e.identity.ListCredentials(ctx, &idgatev1.ListCredentialsRequest{CustomerId: cust})
			if err != nil || len(creds.Credentials) != 1 || !creds.Credentials[0].CloneWarning || creds.Credentials[0].SignCount != 10 {
				t.Fatalf("credentials after a counter regression: %+v %v", creds, err)
			}

			// A revoked passkey cannot be used.
			if _, err := e.identity.RevokeCredential(ctx, &idgatev1.RevokeCredentialRequest{CustomerId: cust, Id: creds.Credentials[0].Id}); err != nil {
				t.Fatal(err)
			}
			if _, err := e.identity.BeginStepUp(ctx, &idgatev1.BeginStepUpRequest{PaymentIntentId: paymentIntent(t, proxy, stripeCustomer, 5000, marked)}); status.Code(err) != codes.FailedPrecondition {
				t.Fatalf("step-up with only a revoked passkey: %v", err)
			}

			// An early fraud warning flags the customer and steps up their next payments.
			e.deliverEvent(t, "radar.early_fraud_warning.created", fmt.Sprintf(
				`{"id":"issfr_1","object":"radar.early_fraud_warning","actionable":true,"fraud_type":"unauthorized_use_of_card","charge":{"id":"ch_1","object":"charge","customer":%q}}`, stripeCustomer))
			if c := e.customer(cust); !c.IdentityVerificationRequired || c.IdentityVerificationRequiredReason != "early_fraud_warning:issfr_1" {
				t.Fatalf("after an early fraud warning: %+v", c)
			}
			next, err := e.identity.EvaluatePayment(ctx, &idgatev1.EvaluatePaymentRequest{PaymentIntentId: paymentIntent(t, proxy, stripeCustomer, 5000, nil)})
			if err != nil || !next.Required || next.Reasons[0] != "early_fraud_warning:issfr_1" {
				t.Fatalf("next payment after a fraud warning: %+v %v", next, err)
			}
			// An operator who has looked into it clears it: payments no longer step up for it.
			if _, err := e.identity.ClearRequirement(ctx, &idgatev1.ClearRequirementRequest{Id: cust, Notes: "friendly fraud, refunded"}); err != nil {
				t.Fatal(err)
			}
			after, err := e.identity.EvaluatePayment(ctx, &idgatev1.EvaluatePaymentRequest{PaymentIntentId: paymentIntent(t, proxy, stripeCustomer, 5000, nil)})
			if err != nil || after.Required {
				t.Fatalf("next payment after the warning was cleared: %+v %v", after, err)
			}

			// Redaction deletes the passkeys and their challenges; the payments keep their outcome.
			if _, err := e.identity.RedactCustomerIdentity(ctx, &idgatev1.RedactCustomerIdentityRequest{Id: cust}); err != nil {
				t.Fatal(err)
			}
			if creds, err := e.identity.ListCredentials(ctx, &idgatev1.ListCredentialsRequest{CustomerId: cust}); err != nil || len(creds.Credentials) != 0 {
				t.Fatalf("passkeys after redaction: %+v %v", creds, err)
			}
			for _, table := range []string{"webauthn_credentials", "webauthn_challenges"} {
				if n := countRows(t, db, table, "customer_id", cust); n != 0 {
					t.Fatalf("%d rows in %s after redaction", n, table)
				}
			}
			if c := e.canCapture(t, pi); !c.Allowed || c.Reason != "stepup_passed" {
				t.Fatalf("a passed payment after redaction: %+v", c)
			}
		})
	}
}

// TestConcurrentEvaluations: a new payment evaluated by several calls at once, as when the
// platform calls EvaluatePayment while Stripe's payment_intent.created event for it is being
// processed: every call answers the decision (none is told the payment has no customer),
// and the event is applied too.
func TestConcurrentEvaluations(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e, proxy := stepUpEnv(t, db)
			_, cust, stripeCustomer := e.payerIn(`{}`)
			for range 5 {
				pi := paymentIntent(t, proxy, stripeCustomer, 5000, map[string]string{"stepup_required": "true"})
				id := fmt.Sprintf("evt_%d", time.Now().UnixNano())
				payload := stripeEvent(id, "payment_intent.created", "2023-10-16", fmt.Sprintf(`{"id":%q,"object":"payment_intent"}`, pi))
				if code, body := e.deliver("/v1/webhooks/stripe", payload, sign(payload, secret, time.Now())); code != 200 {
					t.Fatalf("deliver: %d %s", code, body)
				}
				start, errs := make(chan struct{}), make(chan error, 8)
				for range cap(errs) {
					go func() {
						<-start
						p, err := e.identity.EvaluatePayment(context.Background(), &idgatev1.EvaluatePaymentRequest{PaymentIntentId: pi})
						if err == nil && (!p.Required || p.CustomerId != cust) {
							err = fmt.Errorf("answered %+v", p)
						}
						errs <- err
					}()
				}
				close(start)
				for range cap(errs) {
					if err := <-errs; err != nil {
						t.Errorf("evaluate %s at once with others: %v", pi, err)
					}
				}
				if st := e.waitState(id); st != "processed" || e.events()[id].Outcome != "applied" {
					t.Errorf("payment_intent.created of %s: %s %q, want processed and applied", pi, st, e.events()[id].Outcome)
				}
			}
		})
	}
}

// TestStepUpIdentityFallback: a payer without a passkey steps up through a Stripe Identity
// selfie session; its signed outcome decides the payment. A canceled session fails the
// step-up and, under a cancel-on-failure policy, cancels the PaymentIntent; an event for a
// superseded session changes nothing.
func TestStepUpIdentityFallback(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e, proxy := stepUpEnv(t, db)
			ctx := context.Background()
			sub, cust, stripeCustomer := e.payerIn(`{"fallback":"identity","cancel_on_failure":true}`)
			marked := map[string]string{"stepup_required": "true"}
			session := func(pi, id, status string) string {
				return fmt.Sprintf(`{"id":%q,"object":"identity.verification_session","status":%q,"type":"document",`+
					`"metadata":{"customer_id":%q,"subaccount_id":%q,"payment_intent_id":%q,"purpose":"stepup"}}`, id, status, cust, sub, pi)
			}
			begin := func(pi string) string {
				t.Helper()
				b, err := e.identity.BeginStepUp(ctx, &idgatev1.BeginStepUpRequest{PaymentIntentId: pi, ReturnUrl: "https://pay.example.test/done"})
				if err != nil || b.Method != "identity" || !strings.HasPrefix(b.VerificationSession.GetSessionId(), "vs_") || b.VerificationSession.GetClientSecret() == "" {
					t.Fatalf("begin identity step-up: %+v %v", b, err)
				}
				return b.VerificationSession.SessionId
			}

			pi := paymentIntent(t, proxy, stripeCustomer, 5000, marked)
			superseded := begin(pi)
			vs := begin(pi)
			created := proxy.Requests("POST", "/v1/identity/verification_sessions")
			if last := created[len(created)-1].Form; last.Get("metadata[payment_intent_id]") != pi || last.Get("options[document][require_matching_selfie]") != "true" {
				t.Fatalf("step-up session created with %v", last)
			}
			e.deliverEvent(t, "identity.verification_session.canceled", session(pi, superseded, "canceled"))
			if c := e.canCapture(t, pi); c.Allowed || c.Reason != "stepup_pending" {
				t.Fatalf("after the superseded session's event: %+v", c)
			}
			e.deliverEvent(t, "identity.verification_session.verified", session(pi, vs, "verified"))
			testenv.Eventually(t, "the identity step-up result in Stripe", func() bool { return e.canCapture(t, pi).Allowed })
			if got := e.canCapture(t, pi); got.Reason != "stepup_passed" {
				t.Fatalf("after the verified session: %+v", got)
			}
			if len(proxy.Requests("POST", "/v1/payment_intents/"+pi+"/capture")) != 0 {
				t.Fatal("captured without capture_on_pass")
			}
			written := false
			for _, r := range proxy.Requests("POST", "/v1/payment_intents/"+pi) {
				written = written || (r.Form.Get("metadata[stepup_status]") == "passed" && r.Form.Get("metadata[stepup_method]") == "identity")
			}
			if !written {
				t.Fatal("the identity step-up's result was not written to the PaymentIntent")
			}

			failing := paymentIntent(t, proxy, stripeCustomer, 5000, marked)
			e.deliverEvent(t, "identity.verification_session.canceled", session(failing, begin(failing), "canceled"))
			if c := e.canCapture(t, failing); c.Allowed || c.Reason != "stepup_failed" {
				t.Fatalf("after a canceled session: %+v", c)
			}
			testenv.Eventually(t, "the cancellation", func() bool { return len(proxy.Requests("POST", "/v1/payment_intents/"+failing+"/cancel")) == 1 })
			if _, err := e.identity.BeginStepUp(ctx, &idgatev1.BeginStepUpRequest{PaymentIntentId: failing}); status.Code(err) != codes.FailedPrecondition {
				t.Fatalf("step-up on a canceled payment: %v", err)
			}

			// Redacting the customer redacts the step-up selfie sessions in Stripe too.
			if _, err := e.identity.RedactCustomerIdentity(ctx, &idgatev1.RedactCustomerIdentityRequest{Id: cust}); err != nil {
				t.Fatal(err)
			}
			testenv.Eventually(t, "the step-up session's redaction", func() bool {
				return len(proxy.Requests("POST", "/v1/identity/verification_sessions/"+vs+"/redact")) == 1
			})
		})
	}
}

// TestEnrollmentPolicy: a subaccount can let only identity-verified customers enrol a
// passkey; a policy sent without on_fraud_warning keeps fraud-warning step-ups on.
func TestEnrollmentPolicy(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e, _ := stepUpEnv(t, db)
			ctx := context.Background()
			var sub struct {
				ID     string
				Policy struct {
					OnFraudWarning                 bool   `json:"on_fraud_warning"`
					Fallback                       string `json:"fallback"`
					ChallengeTTLSeconds            int    `json:"challenge_ttl_seconds"`
					EnrollmentRequiresVerification bool   `json:"enrollment_requires_verification"`
				} `json:"stepup_policy"`
			}
			e.call("POST", "/v1/subaccounts", `{"name":"Fleet","stepup_policy":{"enrollment_requires_verification":true}}`, &sub)
			if p := sub.Policy; !p.OnFraudWarning || p.Fallback != "identity" || p.ChallengeTTLSeconds != 300 || !p.EnrollmentRequiresVerification {
				t.Fatalf("policy %+v", p)
			}
			var bad struct{ Message string }
			if code, _ := e.call("PATCH", "/v1/subaccounts/"+sub.ID, `{"stepup_policy":{"challenge_ttl_seconds":5}}`, &bad); code != 400 || !strings.Contains(bad.Message, "stepup_policy.challenge_ttl_seconds") {
				t.Fatalf("a 5-second challenge: HTTP %d %+v", code, bad)
			}
			var cust struct{ ID string }
			e.call("POST", "/v1/customers", fmt.Sprintf(`{"subaccount_id":%q,"external_id":"payer"}`, sub.ID), &cust)
			_, err := e.identity.BeginEnrollment(ctx, &idgatev1.BeginEnrollmentRequest{CustomerId: cust.ID})
			if status.Code(err) != codes.FailedPrecondition || !strings.Contains(err.Error(), "verify") {
				t.Fatalf("enrolment before verification: %v", err)
			}
			if _, err := e.identity.ManualVerify(ctx, &idgatev1.ManualVerifyRequest{Id: cust.ID, Notes: "passport seen at the depot"}); err != nil {
				t.Fatal(err)
			}
			e.enrol(t, cust.ID)
		})
	}
}

func placeholder(db testenv.DB) string {
	if db.Dialect == "sqlite" {
		return "?"
	}
	return "$1"
}

// rawDB opens idgate's database behind its back, as an operator's psql would.
func rawDB(t *testing.T, db testenv.DB) *sql.DB {
	t.Helper()
	driver, dsn := "pgx", db.URL
	if db.Dialect == "sqlite" {
		driver, dsn = "sqlite", strings.TrimPrefix(db.URL, "sqlite:")+"?_pragma=busy_timeout(10000)"
	}
	conn, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// countRows counts a table's rows whose column has the value.
func countRows(t *testing.T, db testenv.DB, table, column, value string) int {
	t.Helper()
	var n int
	if err := rawDB(t, db).QueryRow("SELECT count(*) FROM "+table+" WHERE "+column+" = "+placeholder(db), value).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
