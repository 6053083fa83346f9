package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
	"github.com/idgate/idgate/internal/clock"
	"github.com/idgate/idgate/internal/notify"
	"github.com/idgate/idgate/internal/testenv"
	"github.com/idgate/idgate/server"
)

const notifySecret = "notify-secret-for-tests"

// sink is the platform's notification endpoint: it answers 500 to the first delivery of
// each notification, then accepts, and keeps what it accepted.
type sink struct {
	mu       sync.Mutex
	seen     map[string]int
	accepted []notify.Payload
	badSigs  atomic.Int32
}

func newSink(t *testing.T) (*sink, string) {
	s := &sink{seen: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !notify.Verify(notifySecret, r.Header.Get(notify.SignatureHeader), body, 5*time.Minute, time.Now()) {
			s.badSigs.Add(1)
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var p notify.Payload
		_ = json.Unmarshal(body, &p)
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.seen[p.ID]++; s.seen[p.ID] == 1 {
			http.Error(w, "try again", http.StatusInternalServerError)
			return
		}
		s.accepted = append(s.accepted, p)
	}))
	t.Cleanup(srv.Close)
	return s, srv.URL
}

func (s *sink) waitFor(t *testing.T, customerID, typ string) notify.Payload {
	t.Helper()
	return s.waitForSubject(t, "customer", customerID, typ)
}

// waitForSubject waits for a notification of type typ to a customer or a merchant.
func (s *sink) waitForSubject(t *testing.T, subjectType, id, typ string) notify.Payload {
	t.Helper()
	var got notify.Payload
	testenv.Eventually(t, "a "+typ+" notification for "+subjectType+" "+id, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, p := range s.accepted {
			if p.SubjectType == subjectType && p.CustomerID+p.MerchantID == id && p.Type == typ {
				got = p
				return true
			}
		}
		return false
	})
	return got
}

// identityEnv is a server with Stripe (stripe-mock) and a notification sink; extra
// settings are added to the test configuration.
func identityEnv(t *testing.T, db testenv.DB, extra ...map[string]string) (*env, *sink) {
	s, url := newSink(t)
	vars := map[string]string{
		"STRIPE_API_BASE":      testenv.Stripe(t),
		"IDGATE_NOTIFY_URL":    url,
		"IDGATE_NOTIFY_SECRET": notifySecret,
	}
	for _, m := range extra {
		for k, v := range m {
			vars[k] = v
		}
	}
	return start(t, testConfig(t, db.URL, vars)), s
}

// customerJSON is GET /api/customers/{id} as seed 004 documents it.
type customerJSON struct {
	ID                                 string  `json:"id"`
	IdentityVerificationRequired       bool    `json:"identity_verification_required"`
	IdentityVerificationRequiredAt     *string `json:"identity_verification_required_at"`
	IdentityVerificationRequiredReason string  `json:"identity_verification_required_reason"`
	IdentityStatus                     *string `json:"identity_status"`
	StripeRiskScore                    *int    `json:"stripe_risk_score"`
	StripeRiskLevel                    *string `json:"stripe_risk_level"`
	IdentityLastErrorCode              string  `json:"identity_last_error_code"`
	IdentityGuidance                   string  `json:"identity_guidance"`
	IdentityVerifiedAt                 *string `json:"identity_verified_at"`
	IdentityManualVerification         bool    `json:"identity_manual_verification"`
	IdentityManualVerificationNotes    string  `json:"identity_manual_verification_notes"`
	IdentityManualVerificationBy       string  `json:"identity_manual_verification_by"`
	IdentityManualVerificationAt       *string `json:"identity_manual_verification_at"`
	IdentityAttemptCount               int     `json:"identity_attempt_count"`
	IdentityRedactedAt                 *string `json:"identity_redacted_at"`
	Email                              string  `json:"email"`
}

func (e *env) customer(id string) customerJSON {
	e.t.Helper()
	var c customerJSON
	if code, _ := e.call("GET", "/api/customers/"+id, "", &c); code != 200 {
		e.t.Fatalf("GET /api/customers/%s: %d", id, code)
	}
	return c
}

type accessJSON struct {
	Allowed        bool    `json:"allowed"`
	Reason         string  `json:"reason"`
	RequiredAction string  `json:"required_action"`
	IdentityStatus *string `json:"identity_status"`
	Message        string  `json:"message"`
}

func (e *env) access(id string) accessJSON {
	e.t.Helper()
	var a accessJSON
	if code, _ := e.call("GET", "/v1/customers/"+id+"/access?action=ride_start", "", &a); code != 200 {
		e.t.Fatalf("access: HTTP %d", code)
	}
	return a
}

// newCustomer creates a subaccount with the given policy and one customer in it.
func (e *env) newCustomer(mode string, threshold, attempts int) (subID, custID, stripeID string) {
	e.t.Helper()
	var sa, c struct {
		ID string `json:"id"`
	}
	e.call("POST", "/v1/subaccounts", fmt.Sprintf(`{"name":"Fleet","identity_verification_mode":%q,"identity_verification_risk_threshold":%d,"max_verification_attempts":%d}`, mode, threshold, attempts), &sa)
	stripeID = fmt.Sprintf("cus_T%d", time.Now().UnixNano())
	code, _ := e.call("POST", "/v1/customers", fmt.Sprintf(`{"subaccount_id":%q,"external_id":"rider-%s","stripe_customer_id":%q,"email":"rider@example.com"}`, sa.ID, stripeID, stripeID), &c)
	if code != 200 || c.ID == "" {
		e.t.Fatalf("create customer: HTTP %d", code)
	}
	return sa.ID, c.ID, stripeID
}

func (e *env) charge(stripeCustomerID, level string) {
	e.t.Helper()
	id := fmt.Sprintf("evt_charge_%d", time.Now().UnixNano())
	payload := stripeEvent(id, "charge.succeeded", "2023-10-16", fmt.Sprintf(
		`{"id":"ch_%d","object":"charge","customer":%q,"paid":true,"status":"succeeded","outcome":{"risk_level":%q,"risk_score":82,"type":"authorized"}}`,
		time.Now().UnixNano(), stripeCustomerID, level))
	if code, body := e.deliver("/v1/webhooks/stripe", payload, sign(payload, secret, time.Now())); code != 200 {
		e.t.Fatalf("deliver charge.succeeded: %d %s", code, body)
	}
	if st := e.waitState(id); st != "processed" {
		e.t.Fatalf("charge.succeeded ended %q", st)
	}
}

func (e *env) session(custID string) (sessionID string) {
	e.t.Helper()
	var vs struct {
		ClientSecret string `json:"client_secret"`
		SessionID    string `json:"session_id"`
		Message      string `json:"message"`
	}
	if code, _ := e.call("POST", "/api/customers/"+custID+"/identity-session", `{}`, &vs); code != 200 {
		e.t.Fatalf("identity-session: HTTP %d %s", code, vs.Message)
	}
	if !strings.HasPrefix(vs.SessionID, "vs_") || vs.ClientSecret == "" {
		e.t.Fatalf("identity-session returned %+v, want session_id vs_... and a client_secret", vs)
	}
	return vs.SessionID
}

func (e *env) simulate(sessionID, outcome, code string) {
	e.t.Helper()
	var r struct {
		EventID string `json:"event_id"`
		Message string `json:"message"`
	}
	if c, _ := e.call("POST", "/v1/verification-sessions/"+sessionID+":simulate", fmt.Sprintf(`{"outcome":%q,"error_code":%q}`, outcome, code), &r); c != 200 {
		e.t.Fatalf("simulate %s: HTTP %d %s", outcome, c, r.Message)
	}
	if st := e.waitState(r.EventID); st != "processed" {
		e.t.Fatalf("simulated %s ended %q", outcome, st)
	}
}

// TestRiskBasedFlow is issue 3's end-to-end flow through the JSON gateway.
func TestRiskBasedFlow(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e, sink := identityEnv(t, db)
			_, id, stripeID := e.newCustomer("risk_based", 50, 3)
			if a := e.access(id); !a.Allowed || a.Reason != "verification_not_required" {
				t.Fatalf("before any risk: %+v", a)
			}

			e.charge(stripeID, "highest")
			c := e.customer(id)
			if !c.IdentityVerificationRequired || c.IdentityVerificationRequiredReason != "risk_threshold_exceeded:75>=50" ||
				c.StripeRiskScore == nil || *c.StripeRiskScore != 75 || c.StripeRiskLevel == nil || *c.StripeRiskLevel != "highest" ||
				c.IdentityStatus != nil || c.IdentityVerificationRequiredAt == nil {
				t.Fatalf("after a highest-risk charge: %+v", c)
			}
			if _, err := time.Parse(time.RFC3339, *c.IdentityVerificationRequiredAt); err != nil {
				t.Fatalf("identity_verification_required_at is not RFC 3339: %v", err)
			}
			// A later charge never replaces the first charge's score.
			e.charge(stripeID, "normal")
			if c := e.customer(id); *c.StripeRiskScore != 75 {
				t.Fatalf("a second charge changed the score to %d", *c.StripeRiskScore)
			}
			if a := e.access(id); a.Allowed || a.Reason != "identity_verification_required" || a.RequiredAction != "start_verification" {
				t.Fatalf("flagged customer at the gate: %+v", a)
			}
			sink.waitFor(t, id, "identity_required")

			vs := e.session(id)
			if again := e.session(id); again != vs {
				t.Fatalf("a second identity-session while the first is open gave %s, want %s reused", again, vs)
			}
			if c := e.customer(id); c.IdentityStatus == nil || *c.IdentityStatus != "pending" || c.IdentityAttemptCount != 1 {
				t.Fatalf("after starting a session: %+v", c)
			}
			if a := e.access(id); a.Allowed || a.RequiredAction != "wait_for_verification" {
				t.Fatalf("pending customer at the gate: %+v", a)
			}

			e.simulate(vs, "requires_input", "selfie_face_mismatch")
			c = e.customer(id)
			if c.IdentityStatus == nil || *c.IdentityStatus != "requires_input" || c.IdentityLastErrorCode != "selfie_face_mismatch" || !strings.Contains(c.IdentityGuidance, "selfie") {
				t.Fatalf("after requires_input: %+v", c)
			}
			if a := e.access(id); a.Allowed || a.RequiredAction != "retry_verification" || !strings.Contains(a.Message, "selfie") {
				t.Fatalf("requires_input at the gate: %+v", a)
			}
			sink.waitFor(t, id, "identity_requires_input")

			e.simulate(vs, "verified", "")
			c = e.customer(id)
			if c.IdentityStatus == nil || *c.IdentityStatus != "verified" || c.IdentityVerificationRequired || c.IdentityVerifiedAt == nil {
				t.Fatalf("after verified: %+v", c)
			}
			if a := e.access(id); !a.Allowed || a.Reason != "identity_verified" {
				t.Fatalf("verified customer at the gate: %+v", a)
			}
			sink.waitFor(t, id, "identity_verified")

			// Late and repeated events change nothing: a processing after verified, a
			// requires_input for the same session.
			e.simulate(vs, "processing", "")
			e.simulate(vs, "requires_input", "document_expired")
			if c := e.customer(id); *c.IdentityStatus != "verified" || c.IdentityLastErrorCode != "" {
				t.Fatalf("late events moved a verified customer: %+v", c)
			}
			if sink.badSigs.Load() != 0 {
				t.Fatalf("%d notifications arrived with a bad signature", sink.badSigs.Load())
			}
		})
	}
}

func TestVerificationAttemptsAreLimited(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e, _ := identityEnv(t, db)
			_, id, _ := e.newCustomer("all_users", 50, 2)
			if c := e.customer(id); !c.IdentityVerificationRequired || c.IdentityVerificationRequiredReason != "subaccount_policy" {
				t.Fatalf("new customer of an all_users subaccount: %+v", c)
			}
			first := e.session(id)
			e.simulate(first, "requires_input", "document_expired")
			second := e.session(id) // the failed session is not reused: a new attempt
			if second == first {
				t.Fatal("a session that came back with an error was reused")
			}
			e.simulate(second, "canceled", "")
			// The older session's late event must not speak for the customer any more.
			e.simulate(first, "processing", "")
			if c := e.customer(id); *c.IdentityStatus != "canceled" {
				t.Fatalf("an old session's event overwrote the newest one: %+v", c)
			}

			_, err := e.identity.CreateVerificationSession(context.Background(), &idgatev1.CreateVerificationSessionRequest{CustomerId: id})
			if status.Code(err) != codes.FailedPrecondition || !strings.Contains(err.Error(), "manual review task rev_") {
				t.Fatalf("third session with 2 attempts allowed: %v, want FailedPrecondition naming a review task", err)
			}
			var body struct{ Message string }
			if code, _ := e.call("POST", "/api/customers/"+id+"/identity-session", `{}`, &body); code != 400 || !strings.Contains(body.Message, "attempts") {
				t.Fatalf("over HTTP: %d %q", code, body.Message)
			}
			if c := e.customer(id); *c.IdentityStatus != "failed" || c.IdentityAttemptCount != 2 {
				t.Fatalf("after exhausting attempts: %+v", c)
			}
			if a := e.access(id); a.Allowed || a.RequiredAction != "contact_support" {
				t.Fatalf("failed customer at the gate: %+v", a)
			}
		})
	}
}

func TestOperatorActions(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e, sink := identityEnv(t, db)
			ctx := context.Background()
			_, id, stripeID := e.newCustomer("risk_based", 50, 3)
			e.charge(stripeID, "elevated")

			// Clear: the gate opens, but the customer is not verified.
			c, err := e.identity.ClearRequirement(ctx, &idgatev1.ClearRequirementRequest{Id: id, Operator: "ops@fleet", Notes: "known rider"})
			if err != nil || c.IdentityVerificationRequired || c.IdentityStatus != nil {
				t.Fatalf("clear: %v %v", c, err)
			}
			if a := e.access(id); !a.Allowed || a.Reason != "verification_not_required" {
				t.Fatalf("after clear: %+v", a)
			}
			sink.waitFor(t, id, "requirement_cleared")

			// Require: blocked until verified again.
			if _, err := e.identity.RequireVerification(ctx, &idgatev1.RequireVerificationRequest{Id: id}); status.Code(err) != codes.InvalidArgument {
				t.Fatalf("require without reason: %v", err)
			}
			c, err = e.identity.RequireVerification(ctx, &idgatev1.RequireVerificationRequest{Id: id, Reason: "chargeback"})
			if err != nil || !c.IdentityVerificationRequired || c.IdentityVerificationRequiredReason != "operator:chargeback" {
				t.Fatalf("require: %v %v", c, err)
			}
			if a := e.access(id); a.Allowed {
				t.Fatalf("after require: %+v", a)
			}

			// Manual verify through seed 004's route: notes required; by and at recorded.
			var bad struct{ Message string }
			if code, _ := e.call("POST", "/api/customers/"+id+"/identity-manual-verify", `{"notes":"  "}`, &bad); code != 400 || !strings.Contains(bad.Message, "notes") {
				t.Fatalf("manual verify without notes: %d %q", code, bad.Message)
			}
			var mv customerJSON
			if code, _ := e.call("POST", "/api/customers/"+id+"/identity-manual-verify", `{"notes":"Verified in person at downtown location","operator":"ops@fleet"}`, &mv); code != 200 {
				t.Fatalf("manual verify: %d", code)
			}
			if *mv.IdentityStatus != "verified" || mv.IdentityVerificationRequired || !mv.IdentityManualVerification ||
				mv.IdentityManualVerificationNotes != "Verified in person at downtown location" || !strings.HasPrefix(mv.IdentityManualVerificationBy, "ops@fleet (key_") || mv.IdentityManualVerificationAt == nil {
				t.Fatalf("after manual verify: %+v", mv)
			}
			if a := e.access(id); !a.Allowed || a.Reason != "identity_verified" {
				t.Fatalf("manually verified at the gate: %+v", a)
			}

			// Refresh reads the session from Stripe; a customer without one gets a clear error.
			if _, err := e.identity.RefreshFromStripe(ctx, &idgatev1.RefreshFromStripeRequest{Id: id}); status.Code(err) != codes.FailedPrecondition {
				t.Fatalf("refresh without a session: %v", err)
			}
			for path, body := range map[string]string{
				"/v1/customers/cust_nope:clearRequirement":        `{}`,
				"/v1/customers/cust_nope:requireVerification":     `{"reason":"x"}`,
				"/api/customers/cust_nope/identity-manual-verify": `{"notes":"x"}`,
				"/v1/customers/cust_nope:redact":                  `{}`,
				"/api/customers/cust_nope/identity-session":       `{}`,
			} {
				if code, _ := e.call("POST", path, body, nil); code != 404 {
					t.Errorf("%s on an unknown customer: %d", path, code)
				}
			}
		})
	}
}

func TestRefreshRepairsAMissedWebhook(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e, _ := identityEnv(t, db)
			_, id, stripeID := e.newCustomer("risk_based", 50, 3)
			e.charge(stripeID, "highest")
			e.session(id)
			// No webhook arrives; stripe-mock's session is verified, as Stripe's would be.
			c, err := e.identity.RefreshFromStripe(context.Background(), &idgatev1.RefreshFromStripeRequest{Id: id})
			if err != nil || c.GetIdentityStatus() != "verified" || c.IdentityVerificationRequired {
				t.Fatalf("refresh: %v %v", c, err)
			}
		})
	}
}

func TestRedaction(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e, _ := identityEnv(t, db)
			_, id, stripeID := e.newCustomer("risk_based", 50, 3)
			e.charge(stripeID, "highest")
			vs := e.session(id)
			e.simulate(vs, "verified", "")

			var c customerJSON
			if code, _ := e.call("POST", "/v1/customers/"+id+":redact", `{}`, &c); code != 200 {
				t.Fatalf("redact: %d", code)
			}
			if c.Email != "" || c.IdentityRedactedAt != nil {
				t.Fatalf("right after redact: %+v (want data wiped, completion pending Stripe)", c)
			}
			if _, err := e.identity.CreateVerificationSession(context.Background(), &idgatev1.CreateVerificationSessionRequest{CustomerId: id}); status.Code(err) != codes.FailedPrecondition {
				t.Fatalf("new session after redaction: %v", err)
			}
			// Stripe confirms with identity.verification_session.redacted.
			evID := fmt.Sprintf("evt_redacted_%d", time.Now().UnixNano())
			payload := stripeEvent(evID, "identity.verification_session.redacted", "2023-10-16", fmt.Sprintf(`{"id":%q,"object":"identity.verification_session","status":"verified","redaction":{"status":"redacted"}}`, vs))
			if code, _ := e.deliver("/v1/webhooks/stripe", payload, sign(payload, secret, time.Now())); code != 200 {
				t.Fatalf("deliver redacted: %d", code)
			}
			e.waitState(evID)
			if c := e.customer(id); c.IdentityRedactedAt == nil {
				t.Fatalf("after Stripe's redacted event: %+v", c)
			}
		})
	}
}

func TestRecordPaymentRisk(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e, _ := identityEnv(t, db)
			_, id, _ := e.newCustomer("risk_based", 80, 3)
			var r struct {
				Recorded                           bool   `json:"recorded"`
				StripeRiskScore                    int    `json:"stripe_risk_score"`
				IdentityVerificationRequired       bool   `json:"identity_verification_required"`
				IdentityVerificationRequiredReason string `json:"identity_verification_required_reason"`
				Message                            string `json:"message"`
			}
			// 75 (highest) is under this subaccount's threshold of 80: recorded, not flagged.
			if code, _ := e.call("POST", "/v1/customers/"+id+"/payment-risk", `{"charge_id":"ch_1","risk_level":"highest","risk_score":91}`, &r); code != 200 ||
				!r.Recorded || r.StripeRiskScore != 75 || r.IdentityVerificationRequired {
				t.Fatalf("first charge: %d %+v", code, r)
			}
			if code, _ := e.call("POST", "/v1/customers/"+id+"/payment-risk", `{"charge_id":"ch_2","risk_level":"elevated"}`, &r); code != 200 || r.Recorded || r.StripeRiskScore != 75 {
				t.Fatalf("second charge must not replace the first: %d %+v", code, r)
			}
			for body, field := range map[string]string{
				`{"risk_level":"apocalyptic"}`:                 "risk_level",
				`{"risk_level":"normal","risk_score":101}`:     "risk_score",
				`{"risk_level":"normal","charge_id":"acct_1"}`: "charge_id",
			} {
				if code, _ := e.call("POST", "/v1/customers/"+id+"/payment-risk", body, &r); code != 400 || !strings.Contains(r.Message, field) {
					t.Errorf("%s: %d %q, want 400 naming %s", body, code, r.Message, field)
				}
			}
		})
	}
}

// TestSimulationNeedsTestMode: with a live key, outcomes cannot be simulated.
func TestSimulationNeedsTestMode(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e := start(t, testConfig(t, db.URL, map[string]string{"STRIPE_SECRET_KEY": "sk_live_not_a_real_key"}))
			_, err := e.identity.SimulateVerificationOutcome(context.Background(), &idgatev1.SimulateVerificationOutcomeRequest{SessionId: "vs_1", Outcome: "verified"})
			if status.Code(err) != codes.FailedPrecondition || !strings.Contains(err.Error(), "test key") {
				t.Fatalf("simulate with a live key: %v, want FailedPrecondition", err)
			}
		})
	}
}

// TestReconciliation: a session whose webhooks never arrive for IDGATE_RECONCILE_AFTER is
// read back from Stripe by the periodic job, and the customer's state repaired; so is a
// redaction Stripe made without its event reaching idgate.
func TestReconciliation(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			clk := &clock.Fake{}
			e := start(t, testConfig(t, db.URL, map[string]string{
				"STRIPE_API_BASE": testenv.Stripe(t), "IDGATE_RECONCILE_AFTER": "1h", "IDGATE_RECONCILE_EVERY": "1s",
			}), server.Options{Clock: clk})
			_, id, _ := e.newCustomer("all_users", 50, 3)
			e.session(id)
			clk.Advance(61 * time.Minute)
			// stripe-mock's session is verified, as Stripe's would be after the customer finished.
			testenv.Eventually(t, "the silent session reconciled", func() bool {
				c := e.customer(id)
				return c.IdentityStatus != nil && *c.IdentityStatus == "verified"
			})

			// A redaction whose identity.verification_session.redacted event never arrives
			// (this Stripe sends no events) is confirmed by the read-back as well.
			var c customerJSON
			if code, _ := e.call("POST", "/v1/customers/"+id+":redact", `{}`, &c); code != 200 || c.IdentityRedactedAt != nil {
				t.Fatalf("redact: %d %+v (want completion pending Stripe)", code, c)
			}
			clk.Advance(61 * time.Minute)
			testenv.Eventually(t, "the unconfirmed redaction reconciled", func() bool {
				return e.customer(id).IdentityRedactedAt != nil
			})
		})
	}
}
