package server_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/idgate/idgate/internal/testenv"
)

// pathCustomerJSON is the part of a customer the non-biometric path shows.
type pathCustomerJSON struct {
	customerJSON
	IdentityVerificationPath string `json:"identity_verification_path"`
	IdentityRetryAllowed     bool   `json:"identity_retry_allowed"`
	IdentityOperatorAction   string `json:"identity_operator_action"`
	BiometricConsentRecord   *struct {
		Granted               bool   `json:"granted"`
		RecordedAt            string `json:"recorded_at"`
		Country               string `json:"country"`
		LegalBasis            string `json:"legal_basis"`
		VerificationSessionID string `json:"verification_session_id"`
	} `json:"biometric_consent_record"`
}

func (e *env) pathCustomer(id string) pathCustomerJSON {
	e.t.Helper()
	var c pathCustomerJSON
	if code, _ := e.call("GET", "/v1/customers/"+id, "", &c); code != 200 {
		e.t.Fatalf("GET /v1/customers/%s: %d", id, code)
	}
	return c
}

type gateJSON struct {
	accessJSON
	RetryAllowed   bool   `json:"retry_allowed"`
	OperatorAction string `json:"operator_action"`
}

func (e *env) gate(id string) gateJSON {
	e.t.Helper()
	var a gateJSON
	if code, _ := e.call("GET", "/v1/customers/"+id+"/access?action=ride_start", "", &a); code != 200 {
		e.t.Fatalf("access: HTTP %d", code)
	}
	return a
}

// policyCustomer creates an all_users subaccount with the given extra policy fields (JSON
// members) and one customer with the given extra fields.
func (e *env) policyCustomer(policy, customer string) (subID, custID string) {
	e.t.Helper()
	var sa, c struct {
		ID      string `json:"id"`
		Message string `json:"message"`
	}
	if code, _ := e.call("POST", "/v1/subaccounts", `{"name":"Fleet","identity_verification_mode":"all_users"`+policy+`}`, &sa); code != 200 {
		e.t.Fatalf("create subaccount: HTTP %d %s", code, sa.Message)
	}
	ext := fmt.Sprintf("rider-%d", time.Now().UnixNano())
	if code, _ := e.call("POST", "/v1/customers", fmt.Sprintf(`{"subaccount_id":%q,"external_id":%q%s}`, sa.ID, ext, customer), &c); code != 200 {
		e.t.Fatalf("create customer: HTTP %d %s", code, c.Message)
	}
	return sa.ID, c.ID
}

// sessionCreate is the create request Stripe (stripe-mock, through the proxy) received for
// session id.
func sessionCreate(t *testing.T, proxy *testenv.StripeProxy, id string) url.Values {
	t.Helper()
	for _, r := range proxy.Requests("POST", "/v1/identity/verification_sessions") {
		if r.ID == id {
			if r.Status != 200 {
				t.Fatalf("Stripe answered the create of %s with %d", id, r.Status)
			}
			return r.Form
		}
	}
	t.Fatalf("no create request for session %s reached Stripe", id)
	return nil
}

func (e *env) openReviewTask(customerID, reason string) string {
	e.t.Helper()
	var tasks struct {
		Tasks []struct {
			ID        string `json:"id"`
			SubjectID string `json:"subject_id"`
			Reason    string `json:"reason"`
		} `json:"tasks"`
	}
	e.call("GET", "/v1/review-tasks?status=open", "", &tasks)
	for _, tk := range tasks.Tasks {
		if tk.SubjectID == customerID && tk.Reason == reason {
			return tk.ID
		}
	}
	e.t.Fatalf("no open review task %s for %s in %+v", reason, customerID, tasks.Tasks)
	return ""
}

// TestNonBiometricPath is a rider who declines the selfie, through the JSON gateway, for
// each alternative a subaccount can offer: the decline is recorded, the gate says which
// alternative, and the alternative ends verified (document-only and id_number sessions,
// checked on the requests Stripe received) or in a review an operator resolves.
func TestNonBiometricPath(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			proxy := testenv.NewStripe(t)
			e, sink := identityEnv(t, db, map[string]string{"STRIPE_API_BASE": proxy.URL})

			t.Run("document_only, declined in Stripe's flow", func(t *testing.T) {
				_, id := e.policyCustomer(`,"non_biometric_alternative":"document_only","max_verification_attempts":1`, "")
				first := e.session(id)
				if f := sessionCreate(t, proxy, first); f.Get("type") != "document" || f.Get("options[document][require_matching_selfie]") != "true" {
					t.Fatalf("the first session is not the usual document + selfie: %v", f)
				}
				e.simulate(first, "requires_input", "consent_declined")
				c := e.pathCustomer(id)
				if c.IdentityVerificationPath != "document_only" || c.IdentityAttemptCount != 0 || c.IdentityRetryAllowed ||
					c.BiometricConsentRecord == nil || c.BiometricConsentRecord.Granted || c.BiometricConsentRecord.VerificationSessionID != first ||
					c.BiometricConsentRecord.LegalBasis != "gdpr_article_9_explicit_consent" || c.BiometricConsentRecord.RecordedAt == "" {
					t.Fatalf("after consent_declined: %+v consent %+v", c, c.BiometricConsentRecord)
				}
				a := e.gate(id)
				if a.Allowed || a.RequiredAction != "start_document_verification" || !strings.Contains(a.Message, "without a selfie") || a.RetryAllowed {
					t.Fatalf("gate after consent_declined: %+v", a)
				}
				sink.waitFor(t, id, "identity_requires_input")
				// The decline used no attempt: with one allowed, the alternative still starts.
				second := e.session(id)
				f := sessionCreate(t, proxy, second)
				if f.Get("type") != "document" || f.Get("options[document][require_matching_selfie]") != "false" {
					t.Fatalf("the alternative session asks for a selfie: %v", f)
				}
				if a := e.gate(id); a.RequiredAction != "wait_for_verification" {
					t.Fatalf("gate while the alternative is processed: %+v", a)
				}
				e.simulate(second, "verified", "")
				if a := e.gate(id); !a.Allowed || a.Reason != "identity_verified" {
					t.Fatalf("gate after the alternative verified: %+v", a)
				}
			})

			t.Run("declining the alternative too goes to review; a repeated decline changes nothing", func(t *testing.T) {
				_, id := e.policyCustomer(`,"non_biometric_alternative":"document_only"`, "")
				for range 2 {
					if code, _ := e.call("POST", "/v1/customers/"+id+"/biometric-consent", `{"granted":false}`, nil); code != 200 {
						t.Fatalf("decline: HTTP %d", code)
					}
					if c := e.pathCustomer(id); c.IdentityVerificationPath != "document_only" {
						t.Fatalf("after declining through the API: %+v", c)
					}
				}
				e.simulate(e.session(id), "requires_input", "consent_declined")
				if c := e.pathCustomer(id); c.IdentityVerificationPath != "manual_review" {
					t.Fatalf("after declining the document-only session: %+v", c)
				}
				if a := e.gate(id); a.RequiredAction != "wait_for_review" {
					t.Fatalf("gate after declining the alternative: %+v", a)
				}
				e.openReviewTask(id, "consent_declined")
			})

			t.Run("id_number, declined through the API", func(t *testing.T) {
				_, id := e.policyCustomer(`,"non_biometric_alternative":"id_number"`, `,"email":"rider@example.com"`)
				var bad struct{ Message string }
				if code, _ := e.call("POST", "/v1/customers/"+id+"/biometric-consent", `{"granted":false,"country":"Germany"}`, &bad); code != 400 || !strings.Contains(bad.Message, "country") {
					t.Fatalf("a bad country: %d %q", code, bad.Message)
				}
				if c := e.pathCustomer(id); c.IdentityVerificationPath != "" || c.BiometricConsentRecord != nil {
					t.Fatalf("a refused decline changed the customer: %+v", c)
				}
				var c pathCustomerJSON
				if code, _ := e.call("POST", "/v1/customers/"+id+"/biometric-consent", `{"granted":false,"country":"DE","ip_address":"203.0.113.9","user_agent":"RiderApp/1.0 (decline test)"}`, &c); code != 200 ||
					c.IdentityVerificationPath != "id_number" || c.BiometricConsentRecord == nil || c.BiometricConsentRecord.Granted || c.BiometricConsentRecord.Country != "DE" {
					t.Fatalf("decline: HTTP %d %+v", code, c)
				}
				if raw := rawRows(t, db, "biometric_consents", "customer_id", id); strings.Contains(raw, "203.0.113.9") || strings.Contains(raw, "decline test") {
					t.Fatalf("the consent row holds the IP address or user agent in clear:\n%s", raw)
				}
				if a := e.gate(id); a.Allowed || a.RequiredAction != "start_id_number_verification" || !strings.Contains(a.Message, "ID number") {
					t.Fatalf("gate after declining: %+v", a)
				}
				vs := e.session(id)
				f := sessionCreate(t, proxy, vs)
				if f.Get("type") != "id_number" || f.Has("options[document][require_matching_selfie]") || f.Get("provided_details[email]") != "rider@example.com" {
					t.Fatalf("the id_number session: %v", f)
				}
				e.simulate(vs, "verified", "")
				if a := e.gate(id); !a.Allowed {
					t.Fatalf("gate after the id_number check verified: %+v", a)
				}
				// A deletion request takes the consent records with the rest.
				if code, _ := e.call("POST", "/v1/customers/"+id+":redact", `{}`, nil); code != 200 {
					t.Fatalf("redact: HTTP %d", code)
				}
				if c := e.pathCustomer(id); c.BiometricConsentRecord != nil {
					t.Fatalf("a consent record survived redaction: %+v", c.BiometricConsentRecord)
				}
			})

			t.Run("manual_review, the default", func(t *testing.T) {
				_, id := e.policyCustomer("", "")
				var c pathCustomerJSON
				if code, _ := e.call("POST", "/v1/customers/"+id+"/biometric-consent", `{"granted":false}`, &c); code != 200 || c.IdentityVerificationPath != "manual_review" {
					t.Fatalf("decline: HTTP %d %+v", code, c)
				}
				a := e.gate(id)
				if a.Allowed || a.RequiredAction != "wait_for_review" || a.Reason != "identity_verification_in_review" || a.OperatorAction != "verify_manually" {
					t.Fatalf("gate in review: %+v", a)
				}
				sink.waitFor(t, id, "identity_under_review")
				var refused struct{ Message string }
				if code, _ := e.call("POST", "/api/customers/"+id+"/identity-session", `{}`, &refused); code != 400 || !strings.Contains(refused.Message, "manual review") {
					t.Fatalf("a session in manual review: %d %q", code, refused.Message)
				}
				if n := len(proxy.Requests("POST", "/v1/identity/verification_sessions")); n == 0 {
					t.Fatal("no session was ever created: the proxy records nothing")
				}
				task := e.openReviewTask(id, "consent_declined")
				if code, _ := e.call("POST", "/v1/review-tasks/"+task+":resolve", `{"decision":"approve","notes":"passport checked on a video call"}`, nil); code != 200 {
					t.Fatalf("resolve: HTTP %d", code)
				}
				if a := e.gate(id); !a.Allowed {
					t.Fatalf("gate after the review approved: %+v", a)
				}
				if c := e.pathCustomer(id); !c.IdentityManualVerification || c.IdentityStatus == nil || *c.IdentityStatus != "verified" {
					t.Fatalf("after the review: %+v", c)
				}
			})

			t.Run("review rejected", func(t *testing.T) {
				_, id := e.policyCustomer("", "")
				e.call("POST", "/v1/customers/"+id+"/biometric-consent", `{"granted":false}`, nil)
				task := e.openReviewTask(id, "consent_declined")
				if code, _ := e.call("POST", "/v1/review-tasks/"+task+":resolve", `{"decision":"reject","notes":"no document"}`, nil); code != 200 {
					t.Fatalf("resolve: HTTP %d", code)
				}
				if a := e.gate(id); a.Allowed || a.RequiredAction != "contact_support" {
					t.Fatalf("gate after the review rejected: %+v", a)
				}
			})
		})
	}
}

// TestHopelessCodesUseNoAttempt: a session Stripe cannot complete for this customer
// (too young, an unsupported country or device) offers no retry, uses no attempt and goes
// to an operator, who sees what to do; an unsupported device goes to the subaccount's
// alternative (here the default, manual review).
func TestHopelessCodesUseNoAttempt(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e, _ := identityEnv(t, db)
			for _, tc := range []struct{ code, operator string }{
				{"under_supported_age", "check_age_eligibility"},
				{"country_not_supported", "verify_manually"},
				{"device_not_supported", "verify_manually"},
			} {
				_, id := e.policyCustomer(`,"max_verification_attempts":1`, "")
				vs := e.session(id)
				e.simulate(vs, "requires_input", tc.code)
				c := e.pathCustomer(id)
				if c.IdentityAttemptCount != 0 || c.IdentityRetryAllowed || c.IdentityOperatorAction != tc.operator || c.IdentityVerificationPath != "manual_review" {
					t.Fatalf("%s: %+v", tc.code, c)
				}
				a := e.gate(id)
				if a.Allowed || a.RequiredAction != "wait_for_review" || a.RetryAllowed || a.OperatorAction != tc.operator || a.Message != c.IdentityGuidance {
					t.Fatalf("%s at the gate: %+v (guidance %q)", tc.code, a, c.IdentityGuidance)
				}
				e.openReviewTask(id, tc.code)
			}
			// A device that cannot do the selfie gets the subaccount's alternative instead, with
			// no decline recorded.
			_, id := e.policyCustomer(`,"max_verification_attempts":1,"non_biometric_alternative":"id_number"`, "")
			e.simulate(e.session(id), "requires_input", "device_not_supported")
			if c := e.pathCustomer(id); c.IdentityAttemptCount != 0 || c.IdentityVerificationPath != "id_number" || c.BiometricConsentRecord != nil {
				t.Fatalf("device_not_supported with the id_number alternative: %+v", c)
			}
			if a := e.gate(id); a.RequiredAction != "start_id_number_verification" || a.OperatorAction != "follow_non_biometric_path" {
				t.Fatalf("gate after device_not_supported: %+v", a)
			}
			// A retryable code still uses the attempt, and past the last one a review opens
			// and no retry is offered.
			_, id = e.policyCustomer(`,"max_verification_attempts":1`, "")
			e.simulate(e.session(id), "requires_input", "document_expired")
			if c := e.pathCustomer(id); c.IdentityAttemptCount != 1 || c.IdentityRetryAllowed || c.IdentityStatus == nil || *c.IdentityStatus != "failed" {
				t.Fatalf("document_expired with one attempt: %+v", c)
			}
			e.openReviewTask(id, "max_attempts_exceeded")
		})
	}
}

// TestSessionParameters checks, on the requests Stripe received, that a customer's session
// names the customer, their Stripe customer and the contact details on file, and uses the
// subaccount's verification flow instead of inline options when it has one.
func TestSessionParameters(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			proxy := testenv.NewStripe(t)
			e, _ := identityEnv(t, db, map[string]string{"STRIPE_API_BASE": proxy.URL})
			stripeID := fmt.Sprintf("cus_P%d", time.Now().UnixNano())
			_, id := e.policyCustomer(`,"allowed_document_types":["passport"]`, fmt.Sprintf(`,"stripe_customer_id":%q,"email":"rider@example.com","phone":"+14155550123"`, stripeID))
			f := sessionCreate(t, proxy, e.session(id))
			for k, want := range map[string]string{
				"client_reference_id": id, "related_customer": stripeID, "provided_details[email]": "rider@example.com",
				"provided_details[phone]": "+14155550123", "type": "document", "options[document][allowed_types][0]": "passport",
				"options[document][require_matching_selfie]": "true", "metadata[customer_id]": id,
			} {
				if got := f.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if f.Has("verification_flow") {
				t.Errorf("a verification_flow without one configured: %v", f)
			}

			// A verification flow replaces the type and options; a bad one names the field.
			sub, flowed := e.policyCustomer(`,"verification_flow":"vf_1NuO6eLkdIwHu7ixPLGqE9Lz"`, "")
			var bad struct{ Message string }
			if code, _ := e.call("PATCH", "/v1/subaccounts/"+sub, `{"verification_flow":"flow 1"}`, &bad); code != 400 || !strings.Contains(bad.Message, "verification_flow") {
				t.Fatalf("a bad verification_flow: %d %q", code, bad.Message)
			}
			f = sessionCreate(t, proxy, e.session(flowed))
			if f.Get("verification_flow") != "vf_1NuO6eLkdIwHu7ixPLGqE9Lz" || f.Has("type") || f.Has("options[document][require_matching_selfie]") ||
				f.Get("client_reference_id") != flowed || f.Has("related_customer") || f.Has("provided_details[email]") {
				t.Fatalf("a session with a verification flow: %v", f)
			}
		})
	}
}

// TestProvidedDetailsMismatch: a verified document whose name differs from the one the
// platform gave goes to manual review instead of verifying the customer, unless the
// subaccount turned the check off. (stripe-mock's report reads Jenny Rosen.)
func TestProvidedDetailsMismatch(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e, _ := identityEnv(t, db)
			var bad struct{ Message string }
			if code, _ := e.call("POST", "/v1/customers", `{"subaccount_id":"sub_x","external_id":"r","dob":"01/02/1990"}`, &bad); code != 400 || !strings.Contains(bad.Message, "dob") {
				t.Fatalf("a bad dob: %d %q", code, bad.Message)
			}
			_, other := e.policyCustomer("", `,"first_name":"Jane","last_name":"Doe"`)
			e.simulate(e.session(other), "verified", "")
			c := e.pathCustomer(other)
			if c.IdentityStatus == nil || *c.IdentityStatus != "pending" || c.IdentityVerificationPath != "manual_review" {
				t.Fatalf("a mismatching verified document: %+v", c)
			}
			if a := e.gate(other); a.Allowed || a.RequiredAction != "wait_for_review" {
				t.Fatalf("gate after a mismatch: %+v", a)
			}
			e.openReviewTask(other, "provided_details_mismatch")

			_, same := e.policyCustomer("", `,"first_name":"jenny","last_name":"ROSEN"`)
			e.simulate(e.session(same), "verified", "")
			if a := e.gate(same); !a.Allowed {
				t.Fatalf("gate after a matching document: %+v", a)
			}

			_, unchecked := e.policyCustomer(`,"review_provided_details_mismatch":false`, `,"first_name":"Jane","last_name":"Doe"`)
			e.simulate(e.session(unchecked), "verified", "")
			if a := e.gate(unchecked); !a.Allowed {
				t.Fatalf("gate with the check off: %+v", a)
			}
		})
	}
}

// TestUnknownErrorCodeIsCounted: a code newer than the outcome table is decided as a retry
// with the generic guidance, and counted on /metrics.
func TestUnknownErrorCodeIsCounted(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e, _ := identityEnv(t, db)
			_, id := e.policyCustomer("", "")
			if n := e.unknownCodes(t); n != 0 {
				t.Fatalf("a fresh server counts %d unknown codes", n)
			}
			e.simulate(e.session(id), "requires_input", "selfie_from_the_future")
			if a := e.gate(id); a.RequiredAction != "retry_verification" || !a.RetryAllowed || a.OperatorAction != "investigate" || !strings.Contains(a.Message, "try again") {
				t.Fatalf("gate after an unknown code: %+v", a)
			}
			if n := e.unknownCodes(t); n != 1 {
				t.Fatalf("idgate_identity_unknown_error_codes_total = %d, want 1", n)
			}
		})
	}
}

func (e *env) unknownCodes(t *testing.T) int {
	t.Helper()
	resp, err := http.Get(e.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`(?m)^idgate_identity_unknown_error_codes_total (\d+)`).FindSubmatch(body)
	if m == nil {
		t.Fatal("/metrics has no idgate_identity_unknown_error_codes_total")
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}
