package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/idgate/idgate/internal/testenv"
)

// merchantJSON is a merchant as the JSON gateway answers it, with the ledger as
// "tier provider outcome" lines by tier (a tier-3 check is stamped with its event's
// created, in whole seconds, so within a second it may list before the others).
type merchantJSON struct {
	ID         string `json:"id"`
	NextAction string `json:"next_action"`
	KYCStatus  string `json:"kyc_status"`
	Checks     []struct {
		Tier     int    `json:"tier"`
		Provider string `json:"provider"`
		Outcome  string `json:"outcome"`
	} `json:"checks"`
	Message string `json:"message"`
}

func (m merchantJSON) ledger() string {
	var out []string
	for _, c := range m.Checks {
		out = append(out, fmt.Sprintf("%d %s %s", c.Tier, c.Provider, c.Outcome))
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// merchantCall sends a JSON request whose answer is a merchant (or an error).
func (e *env) merchantCall(method, path, body string) (int, http.Header, merchantJSON) {
	e.t.Helper()
	var m merchantJSON
	code, header := e.call(method, path, body, &m)
	return code, header, m
}

// newMerchant creates a merchant of subaccount sub through the JSON gateway.
func (e *env) newMerchant(sub, externalID, country string, highRisk bool) string {
	e.t.Helper()
	code, _, m := e.merchantCall("POST", "/v1/merchants", fmt.Sprintf(`{"subaccount_id":%q,"external_id":%q,"country":%q,"business_type":"individual","high_risk":%v}`, sub, externalID, country, highRisk))
	if code != 200 {
		e.t.Fatalf("create merchant %s: HTTP %d %s", externalID, code, m.Message)
	}
	return m.ID
}

// tier1Body is a tier-1 request for Jenny with the surname and SSN digits given.
func tier1Body(lastName, ssnLast4 string) string {
	b, _ := json.Marshal(map[string]any{"first_name": "Jenny", "last_name": lastName, "dob": "1901-01-01", "ssn_last4": ssnLast4,
		"address": map[string]string{"line1": "address_full_match", "city": "San Francisco", "state": "CA", "postal_code": "94111"}})
	return string(b)
}

// TestSandboxDatabaseKYC is make run's database KYC: no provider configured and Stripe in
// test mode, so the sandbox answers merchant tiers 1 and 2 by the README's test values, and
// a tier-3 session is driven by :simulate, through all three tiers.
func TestSandboxDatabaseKYC(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			proxy := testenv.NewStripe(t)
			e := start(t, testConfig(t, db.URL, map[string]string{"STRIPE_API_BASE": proxy.URL}))
			var sa struct{ ID string }
			e.call("POST", "/v1/subaccounts", `{"name":"US marketplace"}`, &sa)
			kyc := func(id, body string) (int, http.Header, merchantJSON) {
				t.Helper()
				return e.merchantCall("POST", "/v1/merchants/"+id+"/database-kyc", body)
			}
			get := func(id string) merchantJSON {
				t.Helper()
				_, _, m := e.merchantCall("GET", "/v1/merchants/"+id, "")
				return m
			}

			// The outage surname: 503 with Retry-After, nothing checked; then the attempt
			// goes through with the matching test SSN.
			outage := e.newMerchant(sa.ID, "us-outage", "US", false)
			code, header, m := kyc(outage, tier1Body("Outage", "0000"))
			if code != http.StatusServiceUnavailable || header.Get("Retry-After") == "" || !strings.Contains(m.Message, "try again") {
				t.Fatalf("outage: HTTP %d Retry-After %q %q, want 503 saying to try again", code, header.Get("Retry-After"), m.Message)
			}
			if m := get(outage); m.NextAction != "start_database_kyc" || len(m.Checks) != 0 {
				t.Fatalf("after the outage: %+v, want no check and tier 1 still to do", m)
			}
			if code, _, m := kyc(outage, tier1Body("Rosen", "0000")); code != 200 || m.KYCStatus != "verified" || m.ledger() != "1 sandbox match" {
				t.Fatalf("test SSN after the outage: HTTP %d %+v", code, m)
			}

			// Another SSN does not match at tier 1; the full test SSN matches at tier 2, and
			// the verified data goes to the Connect account's person.
			tier2 := e.newMerchant(sa.ID, "us-tier2", "US", false)
			if code, _, m := kyc(tier2, tier1Body("Rosen", "1111")); code != 200 || m.NextAction != "collect_full_ssn" || m.ledger() != "1 sandbox no_match" {
				t.Fatalf("tier 1 with another SSN: HTTP %d %+v", code, m)
			}
			code, _, m = e.merchantCall("POST", "/v1/merchants/"+tier2+"/full-ssn", `{"ssn":"000000000"}`)
			if code != 200 || m.KYCStatus != "verified" || m.ledger() != "1 sandbox no_match, 2 sandbox match" {
				t.Fatalf("tier 2 with the test SSN: HTTP %d %+v", code, m)
			}
			testenv.Eventually(t, "the tier-2 person pushed to Stripe", func() bool {
				for _, r := range proxy.Requests("POST", "/persons") {
					if r.Form.Get("id_number") == "000000000" && r.Form.Get("last_name") == "Rosen" {
						return true
					}
				}
				return false
			})

			// The mismatching surname fails both tiers; tier 3's session, driven by
			// :simulate as Stripe's test page would, verifies the merchant.
			tier3 := e.newMerchant(sa.ID, "us-tier3", "US", false)
			if code, _, m := kyc(tier3, tier1Body("Mismatch", "0000")); code != 200 || m.NextAction != "collect_full_ssn" {
				t.Fatalf("tier 1 with the mismatching surname: HTTP %d %+v", code, m)
			}
			if code, _, m := e.merchantCall("POST", "/v1/merchants/"+tier3+"/full-ssn", `{"ssn":"000000000"}`); code != 200 || m.NextAction != "record_biometric_consent" || m.KYCStatus != "" {
				t.Fatalf("tier 2 with the mismatching surname: HTTP %d %+v", code, m)
			}
			if code, _, m := e.merchantCall("POST", "/v1/merchants/"+tier3+"/biometric-consent", `{"granted":true,"ip_address":"203.0.113.7","user_agent":"Mozilla/5.0"}`); code != 200 || m.NextAction != "start_document_verification" {
				t.Fatalf("consent: HTTP %d %+v", code, m)
			}
			var vs struct {
				SessionID string `json:"session_id"`
				Message   string `json:"message"`
			}
			if code, _ := e.call("POST", "/v1/merchants/"+tier3+"/verification-sessions", `{}`, &vs); code != 200 || !strings.HasPrefix(vs.SessionID, "vs_") {
				t.Fatalf("tier-3 session: HTTP %d %+v", code, vs)
			}
			e.simulate(vs.SessionID, "verified", "")
			if m := get(tier3); m.KYCStatus != "verified" || m.ledger() != "1 sandbox no_match, 2 sandbox no_match, 3 stripe_identity match" {
				t.Fatalf("after the simulated tier-3 outcome: %+v", m)
			}

			// The timeout surname: 503 saying the check may have completed, recorded as an
			// error under its reference and not asked again; the merchant goes on to tier 3.
			timeout := e.newMerchant(sa.ID, "us-timeout", "US", false)
			code, _, m = kyc(timeout, tier1Body("Timeout", "0000"))
			if code != http.StatusServiceUnavailable || !strings.Contains(m.Message, "may have completed") {
				t.Fatalf("timeout: HTTP %d %q, want 503 saying the check may have completed", code, m.Message)
			}
			if code, _, m := kyc(timeout, tier1Body("Rosen", "0000")); code != 200 || m.ledger() != "1 sandbox error" || m.NextAction != "record_biometric_consent" {
				t.Fatalf("retry after the timeout: HTTP %d %+v, want the recorded error and tier 3 next", code, m)
			}
		})
	}
}
