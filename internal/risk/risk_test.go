package risk_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/ent/customer"
	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/auth"
	"github.com/idgate/idgate/internal/clock"
	"github.com/idgate/idgate/internal/pii"
	"github.com/idgate/idgate/internal/risk"
	"github.com/idgate/idgate/internal/store"
	"github.com/idgate/idgate/internal/tenant"
	"github.com/idgate/idgate/internal/testenv"
)

func cipher(t *testing.T, kids ...string) *pii.Cipher {
	t.Helper()
	var specs []string
	for _, kid := range kids {
		specs = append(specs, kid+":"+base64.StdEncoding.EncodeToString([]byte(strings.Repeat(kid, 32))))
	}
	c, err := pii.Parse(strings.Join(specs, ","))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newService(st *store.Store, c *pii.Cipher) *risk.Service {
	return risk.NewService(st, c, tenant.NewService(st, nil), clock.Real{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

func intp(v int) *int        { return &v }
func f64(v float64) *float64 { return &v }
func strp(v string) *string  { return &v }
func tenantCtx(sub string) context.Context {
	return auth.WithActor(context.Background(), auth.Actor{Type: "api_key", ID: "key_1", Role: auth.RoleService, Subaccounts: []string{sub}})
}

// customerRow is a customer as stored, for seeding.
type customerRow struct {
	score    *int
	required bool
	status   *string
	warning  string
	source   string // who set the requirement
}

func seed(t *testing.T, st *store.Store, sub string, rows ...customerRow) []string {
	t.Helper()
	ctx := testenv.System(t)
	if err := st.Ent.Subaccount.Create().SetID(sub).SetName(sub).Exec(ctx); err != nil && !ent.IsConstraintError(err) {
		t.Fatal(err)
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = store.NewID("cust")
		c := st.Ent.Customer.Create().SetID(ids[i]).SetSubaccountID(sub).SetExternalID(ids[i]).
			SetNillableStripeRiskScore(r.score).SetIdentityVerificationRequired(r.required).
			SetNillableIdentityStatus(r.status).SetFraudWarningID(r.warning)
		if r.source != "" {
			c.SetIdentityVerificationRequiredSource(customer.IdentityVerificationRequiredSource(r.source))
		}
		if r.warning != "" {
			c.SetFraudWarningAt(time.Now().UTC())
		}
		if err := c.Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

// TestSimulatePolicy runs proposals over a known population; another subaccount's
// customers never count.
func TestSimulatePolicy(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			st := testenv.Store(t, db)
			svc := newService(st, cipher(t, "a"))
			verified, pending := strp("verified"), strp("pending")
			seed(t, st, "sub_1",
				customerRow{},                // never charged
				customerRow{score: intp(10)}, // normal
				customerRow{score: intp(50)}, // elevated, not required (e.g. a threshold of 75 today)
				customerRow{score: intp(50), status: verified},
				customerRow{score: intp(75), required: true, status: pending, warning: "issfr_1", source: "risk_score"},
				customerRow{score: intp(75), status: verified},
				customerRow{score: intp(10), required: true, warning: "issfr_2", source: "operator"}, // no policy lifts it
				customerRow{warning: "issfr_3"},
			)
			seed(t, st, "sub_2", customerRow{score: intp(75), required: true, warning: "issfr_4", source: "risk_score"})

			for _, tc := range []struct {
				p    risk.Proposal
				want risk.Simulation
			}{
				{risk.Proposal{Mode: "risk_based", Threshold: 50}, risk.Simulation{
					Customers: 8, Scored: 6, Flagged: 5, NewlyFlagged: 1, NoLongerFlagged: 0, AlreadyVerified: 2,
					VerificationsNeeded: 3, EstimatedCostCents: 450, FraudWarningsCaught: 2, FraudWarningsMissed: 1}},
				{risk.Proposal{Mode: "risk_based", Threshold: 75}, risk.Simulation{
					Customers: 8, Scored: 6, Flagged: 3, NewlyFlagged: 0, NoLongerFlagged: 0, AlreadyVerified: 1,
					VerificationsNeeded: 2, EstimatedCostCents: 300, FraudWarningsCaught: 2, FraudWarningsMissed: 1}},
				{risk.Proposal{Mode: "risk_based", Threshold: 0}, risk.Simulation{
					Customers: 8, Scored: 6, Flagged: 6, NewlyFlagged: 2, NoLongerFlagged: 0, AlreadyVerified: 2,
					VerificationsNeeded: 4, EstimatedCostCents: 600, FraudWarningsCaught: 2, FraudWarningsMissed: 1}},
				{risk.Proposal{Mode: "all_users", CostCents: intp(200)}, risk.Simulation{
					Customers: 8, Scored: 6, Flagged: 8, NewlyFlagged: 4, NoLongerFlagged: 0, AlreadyVerified: 2,
					VerificationsNeeded: 6, EstimatedCostCents: 1200, FraudWarningsCaught: 3, FraudWarningsMissed: 0}},
				{risk.Proposal{Mode: "disabled", Threshold: 50}, risk.Simulation{
					Customers: 8, Scored: 6, Flagged: 1, NewlyFlagged: 0, NoLongerFlagged: 1, AlreadyVerified: 0,
					VerificationsNeeded: 1, EstimatedCostCents: 150, FraudWarningsCaught: 1, FraudWarningsMissed: 2}},
			} {
				got, err := svc.SimulatePolicy(tenantCtx("sub_1"), "sub_1", tc.p)
				if err != nil || got != tc.want {
					t.Errorf("%s at %d:\n got %+v %v\nwant %+v", tc.p.Mode, tc.p.Threshold, got, err, tc.want)
				}
			}

			empty, err := svc.SimulatePolicy(testenv.System(t), "sub_2", risk.Proposal{Mode: "risk_based", Threshold: 90})
			if err != nil || empty.Customers != 1 || empty.Flagged != 0 || empty.NoLongerFlagged != 1 || empty.FraudWarningsMissed != 1 {
				t.Errorf("sub_2 at 90: %+v %v", empty, err)
			}

			for _, tc := range []struct {
				sub   string
				p     risk.Proposal
				field string
			}{
				{"", risk.Proposal{Mode: "risk_based"}, "subaccount_id"},
				{"sub_1", risk.Proposal{Mode: "sometimes"}, "mode"},
				{"sub_1", risk.Proposal{}, "mode"},
				{"sub_1", risk.Proposal{Mode: "risk_based", Threshold: 101}, "threshold"},
				{"sub_1", risk.Proposal{Mode: "risk_based", Threshold: -1}, "threshold"},
				{"sub_1", risk.Proposal{Mode: "risk_based", CostCents: intp(-1)}, "cost_per_verification_cents"},
			} {
				_, err := svc.SimulatePolicy(testenv.System(t), tc.sub, tc.p)
				if apperr.KindOf(err) != apperr.KindInvalid || !strings.HasPrefix(err.Error(), tc.field+":") {
					t.Errorf("%+v: %v, want invalid %s", tc.p, err, tc.field)
				}
			}
			for _, sub := range []string{"sub_2", "sub_unknown"} {
				if _, err := svc.SimulatePolicy(tenantCtx("sub_1"), sub, risk.Proposal{Mode: "all_users"}); apperr.KindOf(err) != apperr.KindNotFound {
					t.Errorf("simulate %s from sub_1's key: %v, want NotFound", sub, err)
				}
			}
		})
	}
}

func TestRecordAndProfile(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			ctx := tenantCtx("sub_1")
			st := testenv.Store(t, db)
			svc := newService(st, cipher(t, "a"))
			ids := seed(t, st, "sub_1", customerRow{score: intp(75), required: true, warning: "issfr_9"}, customerRow{})
			other := seed(t, st, "sub_2", customerRow{})[0]
			warned, plain := ids[0], ids[1]

			p, err := svc.RecordPhoneLookup(ctx, warned, risk.Phone{Type: "voip", Carrier: "Google Voice", Country: "us", RiskScore: intp(80)})
			if err != nil {
				t.Fatal(err)
			}
			if p.Phone == nil || p.Phone.Country != "US" || p.Location != nil || len(p.Indicators) != 2 {
				t.Fatalf("after the phone lookup: %+v", p)
			}
			p, err = svc.RecordSignupLocation(ctx, warned, risk.Location{
				IP: "203.0.113.7", City: "Paris", Country: "FR", IPLat: f64(48.8566), IPLon: f64(2.3522),
				GPSLat: f64(51.5074), GPSLon: f64(-0.1278), AccuracyM: intp(15),
			})
			if err != nil {
				t.Fatal(err)
			}
			if p.Phone == nil || p.Location == nil || p.Location.DistanceKm == nil || *p.Location.DistanceKm < 343 || *p.Location.DistanceKm > 345 {
				t.Fatalf("after the location: %+v", p)
			}
			want := []string{risk.IndicatorPhoneVOIP, risk.IndicatorPhoneHighRiskScore, risk.IndicatorPhoneCountryMismatch, risk.IndicatorIPGPSMismatch}
			if got := fmt.Sprint(indicatorCodes(p)); got != fmt.Sprint(want) {
				t.Fatalf("indicators %s, want %v", got, want)
			}
			row, err := st.Ent.RiskSignal.Get(testenv.System(t), warned)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(row.Indicators) != fmt.Sprint(want) || !strings.HasPrefix(row.SignupLocation, "v1.a.") ||
				strings.Contains(row.SignupLocation, "203.0.113") || strings.Contains(row.SignupLocation, "48.85") {
				t.Fatalf("stored row: indicators %v, signup_location %q", row.Indicators, row.SignupLocation)
			}

			// Recording the phone again keeps the location, and the indicators follow.
			p, err = svc.RecordPhoneLookup(ctx, warned, risk.Phone{Type: "mobile", Country: "FR"})
			if err != nil || p.Location == nil || fmt.Sprint(indicatorCodes(p)) != fmt.Sprint([]string{risk.IndicatorIPGPSMismatch}) {
				t.Fatalf("after a second lookup: %+v %v", p, err)
			}

			flags := map[string]risk.Flag{}
			for _, f := range p.Flags {
				flags[f.Kind] = f
			}
			if flags[risk.FlagEarlyFraudWarning].Reason != "issfr_9" || flags[risk.FlagStepUpRequired].Reason != "early_fraud_warning:issfr_9" ||
				flags[risk.FlagStepUpRequired].Since == nil || len(flags) != 3 {
				t.Fatalf("flags %+v", p.Flags)
			}
			// A subaccount that does not step up on fraud warnings.
			if err := st.Ent.Subaccount.UpdateOneID("sub_1").SetStepupOnFraudWarning(false).Exec(testenv.System(t)); err != nil {
				t.Fatal(err)
			}
			if p, err := svc.GetRiskProfile(ctx, warned); err != nil || len(p.Flags) != 2 || p.Flags[1].Kind != risk.FlagEarlyFraudWarning {
				t.Fatalf("without step-up on fraud warnings: %+v %v", p.Flags, err)
			}
			// A step-up risk threshold at or under the customer's score (75) steps them up too.
			for threshold, want := range map[int]int{76: 2, 75: 3} {
				if err := st.Ent.Subaccount.UpdateOneID("sub_1").SetStepupRiskThreshold(threshold).Exec(testenv.System(t)); err != nil {
					t.Fatal(err)
				}
				p, err := svc.GetRiskProfile(ctx, warned)
				if err != nil || len(p.Flags) != want || (want == 3 && (p.Flags[1].Kind != risk.FlagStepUpRequired || p.Flags[1].Reason != "risk_threshold:75>=75")) {
					t.Fatalf("step-up risk threshold %d: %+v %v", threshold, p.Flags, err)
				}
			}
			if p, err := svc.GetRiskProfile(ctx, plain); err != nil || p.Phone != nil || p.Location != nil || len(p.Indicators) != 0 || len(p.Flags) != 0 {
				t.Fatalf("a customer without signals: %+v %v", p, err)
			}

			// Another tenant's customer is not found, whatever the call.
			calls := map[string]func(string) error{
				"phone": func(id string) error {
					_, err := svc.RecordPhoneLookup(ctx, id, risk.Phone{Type: "mobile"})
					return err
				},
				"location": func(id string) error {
					_, err := svc.RecordSignupLocation(ctx, id, risk.Location{IP: "192.0.2.1"})
					return err
				},
				"profile": func(id string) error { _, err := svc.GetRiskProfile(ctx, id); return err },
			}
			for name, call := range calls {
				for _, id := range []string{other, "cust_unknown"} {
					if err := call(id); apperr.KindOf(err) != apperr.KindNotFound {
						t.Errorf("%s of %s from sub_1's key: %v, want NotFound", name, id, err)
					}
				}
				if err := call(""); apperr.KindOf(err) != apperr.KindInvalid || !strings.HasPrefix(err.Error(), "customer_id:") {
					t.Errorf("%s without a customer id: %v", name, err)
				}
			}

			// Redaction erases the signals in its transaction; none are recorded afterwards.
			err = st.InTx(testenv.System(t), func(tx store.Tx) error {
				if err := tx.Customer.UpdateOneID(warned).SetIdentityRedactionRequestedAt(time.Now()).Exec(testenv.System(t)); err != nil {
					return err
				}
				return svc.Forget(testenv.System(t), tx, warned)
			})
			if err != nil {
				t.Fatal(err)
			}
			if n, _ := st.Ent.RiskSignal.Query().Count(testenv.System(t)); n != 0 {
				t.Fatalf("%d risk_signals rows after redaction", n)
			}
			if _, err := svc.RecordSignupLocation(ctx, warned, risk.Location{IP: "192.0.2.1"}); apperr.KindOf(err) != apperr.KindFailedPrecondition {
				t.Fatalf("recording after redaction: %v", err)
			}
		})
	}
}

func indicatorCodes(p risk.Profile) []string {
	var out []string
	for _, ind := range p.Indicators {
		out = append(out, ind.Code)
	}
	return out
}

// TestLocationKeysAndRetention: key rotation re-seals signup locations under the current
// key; retention wipes them once older than the period, and keeps what was learnt.
// (server/pii_test.go checks the same of every personal field of every entity.)
func TestLocationKeysAndRetention(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			ctx := testenv.System(t)
			st := testenv.Store(t, db)
			st.Ent.Use(pii.Hook(cipher(t, "a"), clock.Real{}))
			ids := seed(t, st, "sub_1", customerRow{}, customerRow{})
			old := newService(st, cipher(t, "a"))
			for _, id := range ids {
				if _, err := old.RecordSignupLocation(ctx, id, risk.Location{IP: "198.51.100.4", Country: "DE", VPN: true}); err != nil {
					t.Fatal(err)
				}
			}

			rotated := newService(st, cipher(t, "b", "a"))
			personal := pii.NewJobs(st, cipher(t, "b", "a"), clock.Real{}, 0, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if n, err := personal.Reencrypt(ctx, 1); n != 1 || err != nil {
				t.Fatalf("first batch: %d %v", n, err)
			}
			if n, err := personal.Reencrypt(ctx, 10); n != 1 || err != nil {
				t.Fatalf("second batch: %d %v", n, err)
			}
			if n, err := personal.Reencrypt(ctx, 10); n != 0 || err != nil {
				t.Fatalf("nothing left: %d %v", n, err)
			}
			onlyB := cipher(t, "b")
			for _, id := range ids {
				row, err := st.Ent.RiskSignal.Get(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				plain, err := onlyB.Open(row.SignupLocation, id, "signup_location")
				if err != nil || !strings.Contains(plain, "198.51.100.4") {
					t.Fatalf("with key b alone: %q %v", plain, err)
				}
			}

			if n, err := personal.Expire(ctx, time.Now().Add(-time.Hour), 10); n != 0 || err != nil {
				t.Fatalf("nothing is past an hour ago: %d %v", n, err)
			}
			if n, err := personal.Expire(ctx, time.Now().Add(time.Minute), 10); n != 2 || err != nil {
				t.Fatalf("expire: %d %v", n, err)
			}
			p, err := rotated.GetRiskProfile(ctx, ids[0])
			if err != nil || p.Location == nil || p.Location.Country != "DE" || len(p.Indicators) != 1 {
				t.Fatalf("after retention: %+v %v", p, err)
			}
			if row, _ := st.Ent.RiskSignal.Get(ctx, ids[0]); row.SignupLocation != "" {
				t.Fatalf("signup_location kept: %q", row.SignupLocation)
			}
		})
	}
}
