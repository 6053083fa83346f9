package server_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
	"github.com/idgate/idgate/internal/testenv"
)

// subaccount creates a subaccount with a verification policy.
func (e *env) subaccount(mode string, threshold int) string {
	e.t.Helper()
	var sa struct{ ID string }
	if code, _ := e.call("POST", "/v1/subaccounts", fmt.Sprintf(`{"name":"Fleet","identity_verification_mode":%q,"identity_verification_risk_threshold":%d}`, mode, threshold), &sa); code != 200 {
		e.t.Fatalf("create subaccount: HTTP %d", code)
	}
	return sa.ID
}

// customerIn creates a customer of sub with a Stripe customer id of its own.
func (e *env) customerIn(sub string) (custID, stripeID string) {
	e.t.Helper()
	stripeID = fmt.Sprintf("cus_P%d", time.Now().UnixNano())
	var c struct{ ID string }
	if code, _ := e.call("POST", "/v1/customers", fmt.Sprintf(`{"subaccount_id":%q,"external_id":%q,"stripe_customer_id":%q}`, sub, "rider-"+stripeID, stripeID), &c); code != 200 {
		e.t.Fatalf("create customer: HTTP %d", code)
	}
	return c.ID, stripeID
}

// chargeAt delivers a charge.succeeded for a charge created at created and waits for it
// to be processed.
func (e *env) chargeAt(stripeCustomerID, chargeID string, created time.Time, level string) {
	e.t.Helper()
	id := fmt.Sprintf("evt_%s_%d", chargeID, time.Now().UnixNano())
	payload := stripeEvent(id, "charge.succeeded", "2023-10-16", fmt.Sprintf(
		`{"id":%q,"object":"charge","created":%d,"customer":%q,"paid":true,"status":"succeeded","outcome":{"risk_level":%q,"type":"authorized"}}`,
		chargeID, created.Unix(), stripeCustomerID, level))
	if code, body := e.deliver("/v1/webhooks/stripe", payload, sign(payload, secret, time.Now())); code != 200 {
		e.t.Fatalf("deliver charge.succeeded: %d %s", code, body)
	}
	if st := e.waitState(id); st != "processed" {
		e.t.Fatalf("charge.succeeded ended %q", st)
	}
}

// count is how many notifications of type typ the sink accepted for a customer.
func (s *sink) count(customerID, typ string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, p := range s.accepted {
		if p.SubjectType == "customer" && p.CustomerID == customerID && p.Type == typ {
			n++
		}
	}
	return n
}

// pollUntil waits, up to 20 s, for cond to hold; cond also says what it saw.
func pollUntil(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		done, saw := cond()
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 20s; last saw %s", what, saw)
		}
	}
}

type scored struct {
	score    int
	level    string
	required bool
	reason   string
}

func (e *env) scored(id string) scored {
	e.t.Helper()
	c := e.customer(id)
	if c.StripeRiskScore == nil || c.StripeRiskLevel == nil {
		e.t.Fatalf("customer %s has no score: %+v", id, c)
	}
	return scored{*c.StripeRiskScore, *c.StripeRiskLevel, c.IdentityVerificationRequired, c.IdentityVerificationRequiredReason}
}

// TestChargesInAnyOrder: three charges per customer arrive in each of the six orders; the
// earliest (by the charge's created) scores the customer and decides the requirement. A
// requirement a later charge's score set is lifted, one the earliest's sets is notified;
// an operator's, all_users' and an early fraud warning's stand, and a verified customer
// stays verified.
func TestChargesInAnyOrder(t *testing.T) {
	orders := [][3]int{{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}}
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e, sink := identityEnv(t, db)
			ctx := context.Background()
			sub := e.subaccount("risk_based", 50)
			t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
			n := 0
			charges := func(stripeID string, order [3]int, levels [3]string) {
				t.Helper()
				n++
				for _, k := range order {
					e.chargeAt(stripeID, fmt.Sprintf("ch_%d%d", n, k), t0.Add(time.Duration(k)*10*time.Second), levels[k])
				}
			}
			for _, tc := range []struct {
				levels [3]string
				want   scored
			}{
				{[3]string{"normal", "highest", "elevated"}, scored{10, "normal", false, ""}},
				{[3]string{"highest", "normal", "normal"}, scored{75, "highest", true, "risk_threshold_exceeded:75>=50"}},
			} {
				for _, order := range orders {
					id, stripeID := e.customerIn(sub)
					charges(stripeID, order, tc.levels)
					got := e.scored(id)
					if !got.required {
						got.reason = "" // what a lifted requirement said does not matter
					}
					if got != tc.want {
						t.Errorf("charges %v arriving in order %v: %+v, want %+v", tc.levels, order, got, tc.want)
					}
					if tc.want.required {
						sink.waitFor(t, id, "identity_required")
					}
				}
			}

			// Each of these is required (or verified) by something a charge does not undo: a
			// later, riskier charge arrives first, then what requires them, then the earliest,
			// normal charge.
			operator, opStripe := e.customerIn(sub)
			fraud, fraudStripe := e.customerIn(sub)
			verified, verifiedStripe := e.customerIn(sub)
			all, allStripe := e.customerIn(e.subaccount("all_users", 50))
			for _, c := range []string{opStripe, fraudStripe, verifiedStripe, allStripe} {
				e.chargeAt(c, "ch_"+c[4:]+"1", t0.Add(10*time.Second), "highest")
			}
			if _, err := e.identity.RequireVerification(ctx, &idgatev1.RequireVerificationRequest{Id: operator, Reason: "chargeback"}); err != nil {
				t.Fatal(err)
			}
			e.deliverEvent(t, "radar.early_fraud_warning.created", fmt.Sprintf(
				`{"id":"issfr_P1","object":"radar.early_fraud_warning","actionable":true,"fraud_type":"unauthorized_use_of_card","charge":{"id":"ch_x","object":"charge","customer":%q}}`, fraudStripe))
			if _, err := e.identity.ManualVerify(ctx, &idgatev1.ManualVerifyRequest{Id: verified, Notes: "passport seen at the depot"}); err != nil {
				t.Fatal(err)
			}
			for _, c := range []string{opStripe, fraudStripe, verifiedStripe, allStripe} {
				e.chargeAt(c, "ch_"+c[4:]+"0", t0, "normal")
			}
			for id, want := range map[string]scored{
				operator: {10, "normal", true, "operator:chargeback"},
				fraud:    {10, "normal", true, "early_fraud_warning:issfr_P1"},
				all:      {10, "normal", true, "subaccount_policy"},
			} {
				if got := e.scored(id); got != want {
					t.Errorf("%+v, want %+v", got, want)
				}
			}
			if c := e.customer(verified); *c.StripeRiskScore != 10 || c.IdentityVerificationRequired || c.IdentityStatus == nil || *c.IdentityStatus != "verified" {
				t.Errorf("verified customer after their earliest charge: %+v", c)
			}
		})
	}
}

// TestPolicyChange switches a risk_based subaccount from 50 to 80 and back. Each time
// SimulatePolicy first predicts the change, then the re-evaluation job does exactly that:
// the customers scored 50 and 75 are un-flagged and flagged again (and notified again),
// audited as idgate itself; verified customers and operators' decisions are untouched.
func TestPolicyChange(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e, sink := identityEnv(t, db)
			ctx := context.Background()
			sub := e.subaccount("risk_based", 50)
			ids := map[string]string{}
			for name, level := range map[string]string{
				"normal": "normal", "elevated": "elevated", "highest": "highest", "verified": "highest",
				"operator-required": "normal", "operator-cleared": "highest", "unscored": "",
			} {
				id, stripeID := e.customerIn(sub)
				ids[name] = id
				if level != "" {
					e.chargeAt(stripeID, "ch_"+stripeID[4:], time.Now(), level)
				}
			}
			if _, err := e.identity.ManualVerify(ctx, &idgatev1.ManualVerifyRequest{Id: ids["verified"], Notes: "passport seen at the depot"}); err != nil {
				t.Fatal(err)
			}
			if _, err := e.identity.RequireVerification(ctx, &idgatev1.RequireVerificationRequest{Id: ids["operator-required"], Reason: "chargeback"}); err != nil {
				t.Fatal(err)
			}
			if _, err := e.identity.ClearRequirement(ctx, &idgatev1.ClearRequirementRequest{Id: ids["operator-cleared"], Notes: "known rider"}); err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"elevated", "highest"} {
				sink.waitFor(t, ids[name], "identity_required")
			}
			snapshot := func() map[string]customerJSON {
				out := map[string]customerJSON{}
				for name, id := range ids {
					out[name] = e.customer(id)
				}
				return out
			}
			required := func(s map[string]customerJSON) map[string]string {
				out := map[string]string{}
				for name, c := range s {
					if c.IdentityVerificationRequired {
						out[name] = c.IdentityVerificationRequiredReason
					}
				}
				return out
			}
			for _, step := range []struct {
				threshold int
				required  map[string]string // name → reason, after the change
				flagged   []string          // newly required, notified again
			}{
				{80, map[string]string{"operator-required": "operator:chargeback"}, nil},
				{50, map[string]string{
					"operator-required": "operator:chargeback",
					"elevated":          "risk_threshold_exceeded:50>=50",
					"highest":           "risk_threshold_exceeded:75>=50",
				}, []string{"elevated", "highest"}},
			} {
				var sim simulationJSON
				if code, _ := e.call("POST", "/v1/subaccounts/"+sub+":simulatePolicy", fmt.Sprintf(`{"mode":"risk_based","threshold":%d}`, step.threshold), &sim); code != 200 {
					t.Fatalf("simulate at %d: %d %s", step.threshold, code, sim.Message)
				}
				before := snapshot()
				if code, _ := e.call("PATCH", "/v1/subaccounts/"+sub, fmt.Sprintf(`{"identity_verification_risk_threshold":%d}`, step.threshold), nil); code != 200 {
					t.Fatalf("PATCH threshold %d: %d", step.threshold, code)
				}
				var after map[string]customerJSON
				pollUntil(t, fmt.Sprintf("requirements at %d", step.threshold), func() (bool, string) {
					after = snapshot()
					got := fmt.Sprint(required(after))
					return got == fmt.Sprint(step.required), got
				})
				var newly, lifted int
				for name, c := range after {
					was := before[name]
					switch {
					case c.IdentityVerificationRequired && !was.IdentityVerificationRequired:
						newly++
					case !c.IdentityVerificationRequired && was.IdentityVerificationRequired:
						lifted++
					default:
						if state(c) != state(was) {
							t.Errorf("at %d: %s changed: %s → %s", step.threshold, name, state(was), state(c))
						}
					}
				}
				if sim.NewlyFlagged != newly || sim.NoLongerFlagged != lifted {
					t.Errorf("at %d: SimulatePolicy predicted %d newly and %d no longer flagged; the change flagged %d and lifted %d",
						step.threshold, sim.NewlyFlagged, sim.NoLongerFlagged, newly, lifted)
				}
				for _, name := range step.flagged {
					pollUntil(t, name+" notified again", func() (bool, string) {
						n := sink.count(ids[name], "identity_required")
						return n == 2, fmt.Sprint(n, " notifications")
					})
				}
			}
			if c := e.customer(ids["verified"]); c.IdentityStatus == nil || *c.IdentityStatus != "verified" || c.IdentityVerificationRequired {
				t.Errorf("verified customer after the changes: %+v", c)
			}

			log, err := idgatev1.NewAdminServiceClient(e.conn).ListAuditEvents(ctx, &idgatev1.ListAuditEventsRequest{SubjectId: ids["elevated"]})
			if err != nil {
				t.Fatal(err)
			}
			bySystem := 0
			for _, ev := range log.Events {
				if ev.ActorType == "system" && ev.Action == "reevaluate_requirements" {
					bySystem++
				}
			}
			if bySystem != 2 {
				t.Errorf("%d audit entries of the re-evaluation for the elevated customer, want 2 (lifted, required): %+v", bySystem, log.Events)
			}
		})
	}
}

// state is what a policy change may change of a customer, and what it must not.
func state(c customerJSON) string {
	status, score := "", 0
	if c.IdentityStatus != nil {
		status = *c.IdentityStatus
	}
	if c.StripeRiskScore != nil {
		score = *c.StripeRiskScore
	}
	return fmt.Sprintf("required=%v reason=%q status=%q score=%d manual=%v", c.IdentityVerificationRequired,
		c.IdentityVerificationRequiredReason, status, score, c.IdentityManualVerification)
}
