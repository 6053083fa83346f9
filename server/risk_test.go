package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
	"github.com/idgate/idgate/internal/testenv"
)

// riskProfileJSON is GET /v1/customers/{id}/risk-profile.
type riskProfileJSON struct {
	CustomerID      string `json:"customer_id"`
	StripeRiskScore *int   `json:"stripe_risk_score"`
	Phone           *struct {
		PhoneType    string  `json:"phone_type"`
		PhoneCountry string  `json:"phone_country"`
		RecordedAt   *string `json:"recorded_at"`
	} `json:"phone"`
	Location *struct {
		SignupIPCity    string   `json:"signup_ip_city"`
		SignupIPCountry string   `json:"signup_ip_country"`
		IPGPSDistanceKm *float64 `json:"ip_gps_distance_km"`
	} `json:"location"`
	Indicators []struct {
		Code   string `json:"code"`
		Detail string `json:"detail"`
	} `json:"indicators"`
	Flags []struct {
		Kind   string  `json:"kind"`
		Reason string  `json:"reason"`
		Since  *string `json:"since"`
	} `json:"flags"`
	Message string `json:"message"`
}

func (p riskProfileJSON) codes() []string {
	var out []string
	for _, i := range p.Indicators {
		out = append(out, i.Code)
	}
	return out
}

// riskCall sends a JSON request and returns the decoded answer with its raw body.
func (e *env) riskCall(method, path, body string) (int, riskProfileJSON, string) {
	e.t.Helper()
	var raw json.RawMessage
	code, _ := e.call(method, path, body, &raw)
	var p riskProfileJSON
	if err := json.Unmarshal(raw, &p); err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	return code, p, string(raw)
}

// TestRiskSignals records a phone lookup and a signup location through the JSON gateway
// and reads the profile: seed 004's indicators hold, the raw IP and coordinates are
// neither stored in clear nor returned, bad input names its field, and redaction erases
// the signals.
func TestRiskSignals(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e, _ := identityEnv(t, db)
			_, id, stripeID := e.newCustomer("risk_based", 50, 3)
			e.charge(stripeID, "highest")
			base := "/v1/customers/" + id

			code, p, _ := e.riskCall("POST", base+"/phone-lookup",
				`{"phone_type":"voip","phone_carrier":"Google Voice","phone_is_prepaid":true,"phone_risk_score":80,"phone_country":"us"}`)
			if code != 200 || p.Phone == nil || p.Phone.PhoneCountry != "US" || p.Location != nil ||
				!slices.Equal(p.codes(), []string{"phone_voip", "phone_prepaid", "phone_high_risk_score"}) {
				t.Fatalf("phone lookup: %d %+v", code, p)
			}

			// Paris by IP, London by GPS, through a VPN.
			secrets := []string{"203.0.113.77", "48.8566", "2.3522", "51.5074", "-0.1278"}
			code, p, body := e.riskCall("POST", base+"/signup-location", `{"signup_ip":"203.0.113.77","signup_ip_city":"Paris",
				"signup_ip_region":"Ile-de-France","signup_ip_country":"FR","signup_ip_latitude":48.8566,"signup_ip_longitude":2.3522,
				"signup_latitude":51.5074,"signup_longitude":-0.1278,"signup_location_accuracy":25,"signup_vpn":true}`)
			if code != 200 {
				t.Fatalf("signup location: %d %s", code, p.Message)
			}
			for _, s := range secrets {
				if strings.Contains(body, s) {
					t.Errorf("the response carries %q: %s", s, body)
				}
			}

			code, p, body = e.riskCall("GET", base+"/risk-profile", "")
			want := []string{"phone_voip", "phone_prepaid", "phone_high_risk_score", "phone_country_mismatch", "ip_gps_mismatch", "vpn_or_proxy"}
			if code != 200 || !slices.Equal(p.codes(), want) {
				t.Fatalf("risk profile: %d indicators %v, want %v", code, p.codes(), want)
			}
			if d := p.Location.IPGPSDistanceKm; d == nil || *d < 343 || *d > 345 || p.Location.SignupIPCity != "Paris" {
				t.Fatalf("location signals: %+v", p.Location)
			}
			if got := p.Indicators[4].Detail; got != "IP location is 344 km from GPS (GPS accurate to 25 m)" {
				t.Errorf("ip_gps_mismatch detail %q", got)
			}
			if got := p.Indicators[3].Detail; !strings.Contains(got, "US") || !strings.Contains(got, "FR") {
				t.Errorf("phone_country_mismatch detail %q", got)
			}
			if p.StripeRiskScore == nil || *p.StripeRiskScore != 75 || len(p.Flags) != 1 || p.Flags[0].Kind != "identity_verification_required" ||
				p.Flags[0].Reason != "risk_threshold_exceeded:75>=50" || p.Flags[0].Since == nil {
				t.Fatalf("score and flags: %+v", p)
			}
			for _, s := range secrets {
				if strings.Contains(body, s) {
					t.Errorf("the profile carries %q: %s", s, body)
				}
			}
			raw := rawRows(t, db, "risk_signals", "id", id)
			for _, s := range secrets {
				if strings.Contains(raw, s) {
					t.Errorf("risk_signals holds %q in clear:\n%s", s, raw)
				}
			}
			if !strings.Contains(raw, "signup_location=v1.a.") {
				t.Fatalf("signup_location is not sealed:\n%s", raw)
			}

			for _, tc := range []struct{ path, body, field string }{
				{"/phone-lookup", `{"phone_type":"pager"}`, "phone_type"},
				{"/phone-lookup", `{}`, "phone_type"},
				{"/phone-lookup", `{"phone_type":"mobile","phone_risk_score":101}`, "phone_risk_score"},
				{"/phone-lookup", `{"phone_type":"mobile","phone_country":"USA"}`, "phone_country"},
				{"/signup-location", `{}`, "signup_ip"},
				{"/signup-location", `{"signup_ip":"999.1.1.1"}`, "signup_ip"},
				{"/signup-location", `{"signup_ip":"192.0.2.1","signup_ip_country":"France"}`, "signup_ip_country"},
				{"/signup-location", `{"signup_ip":"192.0.2.1","signup_latitude":91,"signup_longitude":0}`, "signup_latitude"},
				{"/signup-location", `{"signup_ip":"192.0.2.1","signup_latitude":10}`, "signup_longitude"},
				{"/signup-location", `{"signup_ip":"192.0.2.1","signup_ip_latitude":1,"signup_ip_longitude":181}`, "signup_ip_longitude"},
				{"/signup-location", `{"signup_ip":"192.0.2.1","signup_latitude":1,"signup_longitude":1,"signup_location_accuracy":-5}`, "signup_location_accuracy"},
			} {
				if code, p, _ := e.riskCall("POST", base+tc.path, tc.body); code != 400 || !strings.HasPrefix(p.Message, tc.field+":") {
					t.Errorf("%s %s: %d %q, want 400 naming %s", tc.path, tc.body, code, p.Message, tc.field)
				}
			}
			lat, lon := 95.0, 0.0
			_, err := e.risk.RecordSignupLocation(context.Background(), &idgatev1.RecordSignupLocationRequest{
				CustomerId: id, SignupIp: "192.0.2.1", SignupLatitude: &lat, SignupLongitude: &lon})
			if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "signup_latitude") {
				t.Fatalf("over gRPC: %v, want InvalidArgument naming signup_latitude", err)
			}
			if code, _, _ := e.riskCall("GET", "/v1/customers/cust_unknown/risk-profile", ""); code != 404 {
				t.Fatalf("unknown customer: %d", code)
			}
			// Bad input changed nothing.
			if _, p, _ = e.riskCall("GET", base+"/risk-profile", ""); !slices.Equal(p.codes(), want) {
				t.Fatalf("after rejected requests: %v", p.codes())
			}

			// Redaction erases the signals, and no new ones are taken.
			if code, _ := e.call("POST", base+":redact", `{}`, nil); code != 200 {
				t.Fatalf("redact: %d", code)
			}
			if _, p, _ = e.riskCall("GET", base+"/risk-profile", ""); p.Phone != nil || p.Location != nil || len(p.Indicators) != 0 {
				t.Fatalf("after redaction: %+v", p)
			}
			if code, p, _ := e.riskCall("POST", base+"/phone-lookup", `{"phone_type":"mobile"}`); code != 400 || !strings.Contains(p.Message, "deleted") {
				t.Fatalf("phone lookup after redaction: %d %q", code, p.Message)
			}
		})
	}
}

type simulationJSON struct {
	Customers           int    `json:"customers"`
	Scored              int    `json:"scored"`
	Flagged             int    `json:"flagged"`
	NewlyFlagged        int    `json:"newly_flagged"`
	NoLongerFlagged     int    `json:"no_longer_flagged"`
	AlreadyVerified     int    `json:"already_verified"`
	VerificationsNeeded int    `json:"verifications_needed"`
	EstimatedCostCents  string `json:"estimated_cost_cents"` // int64: a string in proto JSON
	FraudWarningsCaught int    `json:"fraud_warnings_caught"`
	FraudWarningsMissed int    `json:"fraud_warnings_missed"`
	Message             string `json:"message"`
}

// TestSimulatePolicy seeds a subaccount through the API, with charges of known Radar
// levels, and asks what other policies would do.
func TestSimulatePolicy(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e, _ := identityEnv(t, db)
			sub, highest, highestStripe := e.newCustomer("risk_based", 50, 3)
			e.charge(highestStripe, "highest")
			for i, level := range []string{"normal", "normal", "elevated", "elevated", ""} {
				stripeID := fmt.Sprintf("cus_S%d%d", time.Now().UnixNano(), i)
				var c struct{ ID string }
				if code, _ := e.call("POST", "/v1/customers", fmt.Sprintf(`{"subaccount_id":%q,"external_id":"rider-%d","stripe_customer_id":%q}`, sub, i, stripeID), &c); code != 200 {
					t.Fatalf("create customer %d: %d", i, code)
				}
				if level != "" {
					e.charge(stripeID, level)
				}
			}
			// Another subaccount's customers never count.
			_, _, otherStripe := e.newCustomer("risk_based", 50, 3)
			e.charge(otherStripe, "highest")

			simulate := func(body string) simulationJSON {
				t.Helper()
				var s simulationJSON
				if code, _ := e.call("POST", "/v1/subaccounts/"+sub+":simulatePolicy", body, &s); code != 200 {
					t.Fatalf("simulate %s: %d %s", body, code, s.Message)
				}
				return s
			}
			// Today (risk_based at 50): the two elevated and the highest are required.
			for _, tc := range []struct {
				body string
				want simulationJSON
			}{
				{`{"mode":"risk_based","threshold":50}`, simulationJSON{Customers: 6, Scored: 5, Flagged: 3, VerificationsNeeded: 3, EstimatedCostCents: "450"}},
				{`{"mode":"risk_based","threshold":75}`, simulationJSON{Customers: 6, Scored: 5, Flagged: 1, NoLongerFlagged: 2, VerificationsNeeded: 1, EstimatedCostCents: "150"}},
				{`{"mode":"risk_based","threshold":10,"cost_per_verification_cents":200}`, simulationJSON{Customers: 6, Scored: 5, Flagged: 5, NewlyFlagged: 2, VerificationsNeeded: 5, EstimatedCostCents: "1000"}},
				{`{"mode":"all_users"}`, simulationJSON{Customers: 6, Scored: 5, Flagged: 6, NewlyFlagged: 3, VerificationsNeeded: 6, EstimatedCostCents: "900"}},
				{`{"mode":"disabled"}`, simulationJSON{Customers: 6, Scored: 5, NoLongerFlagged: 3, EstimatedCostCents: "0"}},
			} {
				if got := simulate(tc.body); got != tc.want {
					t.Errorf("%s:\n got %+v\nwant %+v", tc.body, got, tc.want)
				}
			}

			// Once the highest-risk customer verifies, their check is paid for already.
			e.simulate(e.session(highest), "verified", "")
			want := simulationJSON{Customers: 6, Scored: 5, Flagged: 1, NoLongerFlagged: 2, AlreadyVerified: 1, EstimatedCostCents: "0"}
			if got := simulate(`{"mode":"risk_based","threshold":75}`); got != want {
				t.Errorf("at 75 after verification:\n got %+v\nwant %+v", got, want)
			}
			want = simulationJSON{Customers: 6, Scored: 5, Flagged: 6, NewlyFlagged: 3, AlreadyVerified: 1, VerificationsNeeded: 5, EstimatedCostCents: "750"}
			if got := simulate(`{"mode":"all_users"}`); got != want {
				t.Errorf("all_users after verification:\n got %+v\nwant %+v", got, want)
			}

			for body, field := range map[string]string{
				`{"mode":"sometimes"}`:                  "mode",
				`{"threshold":50}`:                      "mode",
				`{"mode":"risk_based","threshold":101}`: "threshold",
				`{"mode":"risk_based","threshold":50,"cost_per_verification_cents":-1}`: "cost_per_verification_cents",
			} {
				var s simulationJSON
				if code, _ := e.call("POST", "/v1/subaccounts/"+sub+":simulatePolicy", body, &s); code != 400 || !strings.HasPrefix(s.Message, field+":") {
					t.Errorf("%s: %d %q, want 400 naming %s", body, code, s.Message, field)
				}
			}
			var s simulationJSON
			if code, _ := e.call("POST", "/v1/subaccounts/sub_unknown:simulatePolicy", `{"mode":"all_users"}`, &s); code != 404 {
				t.Errorf("unknown subaccount: %d", code)
			}
		})
	}
}

// TestSignupLocationKeyRotation: the re-encryption started by a new first data key moves
// sealed signup locations to it too.
func TestSignupLocationKeyRotation(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			stripeURL := testenv.Stripe(t)
			cfg := func(keys string) map[string]string {
				return map[string]string{"IDGATE_DATA_KEYS": keys, "STRIPE_API_BASE": stripeURL}
			}
			first := start(t, testConfig(t, db.URL, cfg(dataKeyA)))
			_, cust, _ := first.newCustomer("disabled", 50, 3)
			if code, _ := first.call("POST", "/v1/customers/"+cust+"/signup-location", `{"signup_ip":"198.51.100.23","signup_ip_country":"DE","signup_vpn":true}`, nil); code != 200 {
				t.Fatalf("signup location: %d", code)
			}
			first.stop()
			if !strings.Contains(rawRows(t, db, "risk_signals", "id", cust), "signup_location=v1.a.") {
				t.Fatal("not sealed under key a")
			}

			start(t, testConfig(t, db.URL, cfg(dataKeyB+","+dataKeyA)))
			testenv.Eventually(t, "the signup location re-sealed under key b", func() bool {
				return strings.Contains(rawRows(t, db, "risk_signals", "id", cust), "signup_location=v1.b.")
			})
			// That it opens under key b alone is internal/risk's TestLocationKeysAndRetention.
		})
	}
}
