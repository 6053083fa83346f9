package risk_test

import (
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/ent/customer"
	"github.com/idgate/idgate/ent/notification"
	"github.com/idgate/idgate/internal/clock"
	"github.com/idgate/idgate/internal/identity"
	"github.com/idgate/idgate/internal/jobs"
	"github.com/idgate/idgate/internal/notify"
	"github.com/idgate/idgate/internal/risk"
	"github.com/idgate/idgate/internal/testenv"
)

// TestSimulationPredictsReevaluation: on every combination of score, identity status and
// the requirement in force (and who set it), for every mode and several thresholds,
// SimulatePolicy predicts exactly what re-evaluating the customers after switching to the
// proposal then does: who becomes required (and is notified), who no longer is, and how
// many verifications remain; verified customers and operators' and fraud warnings'
// decisions are left as they were.
func TestSimulationPredictsReevaluation(t *testing.T) {
	scores := []*int{nil, intp(10), intp(50), intp(75)}
	statuses := []*string{nil, strp("pending"), strp("verified"), strp("requires_input"), strp("failed"), strp("canceled")}
	currents := []identity.Requirement{
		{},
		{Required: true, Reason: identity.ReasonSubaccountPolicy, Source: identity.SourcePolicy},
		{Required: true, Reason: "risk_threshold_exceeded:50>=50", Source: identity.SourceRisk},
		{Required: true, Reason: "operator:chargeback", Source: identity.SourceOperator},
		{Reason: "risk_threshold_exceeded:75>=50", Source: identity.SourceOperator}, // cleared by an operator
		{Required: true, Reason: "early_fraud_warning:issfr_1", Source: identity.SourceFraudWarning},
	}
	proposals := []risk.Proposal{
		{Mode: "disabled"}, {Mode: "all_users"},
		{Mode: "risk_based", Threshold: 0}, {Mode: "risk_based", Threshold: 50},
		{Mode: "risk_based", Threshold: 60}, {Mode: "risk_based", Threshold: 80},
	}
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			ctx := testenv.System(t)
			st := testenv.Store(t, db)
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			q, err := jobs.New(st, nil, jobs.Options{}, log) // inserts only: the outbox's deliveries wait
			if err != nil {
				t.Fatal(err)
			}
			c := cipher(t, "a")
			customers := identity.NewService(st, c, nil, q, notify.NewOutbox(q), clock.Real{}, log)
			signals := newService(st, c)
			var totalNew, totalLifted int
			for i, p := range proposals {
				sub := fmt.Sprintf("sub_%d", i)
				if err := st.Ent.Subaccount.Create().SetID(sub).SetName(sub).SetIdentityVerificationMode("risk_based").Exec(ctx); err != nil {
					t.Fatal(err)
				}
				for a, score := range scores {
					for b, status := range statuses {
						for k, cur := range currents {
							id := fmt.Sprintf("cust_%s_%d_%d_%d", sub, a, b, k)
							create := st.Ent.Customer.Create().SetID(id).SetSubaccountID(sub).SetExternalID(id).
								SetNillableStripeRiskScore(score).SetNillableIdentityStatus(status).
								SetIdentityVerificationRequired(cur.Required).SetIdentityVerificationRequiredReason(cur.Reason)
							if cur.Source != identity.SourceNone {
								create.SetIdentityVerificationRequiredSource(customer.IdentityVerificationRequiredSource(cur.Source))
							}
							if cur.Source == identity.SourceFraudWarning {
								create.SetFraudWarningID("issfr_" + id)
							}
							if err := create.Exec(ctx); err != nil {
								t.Fatal(err)
							}
						}
					}
				}
				sim, err := signals.SimulatePolicy(ctx, sub, p)
				if err != nil {
					t.Fatal(err)
				}
				before := rows(t, st.Ent, sub)

				if err := st.Ent.Subaccount.UpdateOneID(sub).SetIdentityVerificationMode(p.Mode).SetIdentityVerificationRiskThreshold(p.Threshold).Exec(ctx); err != nil {
					t.Fatal(err)
				}
				for after := ""; ; {
					last, n, err := customers.Reevaluate(ctx, sub, after, 25)
					if err != nil {
						t.Fatal(err)
					}
					if n < 25 {
						break
					}
					after = last
				}

				var newly, lifted, needed int
				for id, now := range rows(t, st.Ent, sub) {
					was := before[id]
					switch {
					case now.IdentityVerificationRequired && !was.IdentityVerificationRequired:
						newly++
					case !now.IdentityVerificationRequired && was.IdentityVerificationRequired:
						lifted++
					}
					if now.IdentityVerificationRequired && (now.IdentityStatus == nil || *now.IdentityStatus != "verified") {
						needed++
					}
					f := identity.FactsOf(was)
					untouchable := f.Current.Source == identity.SourceOperator || f.Current.Source == identity.SourceFraudWarning ||
						(f.Status != nil && *f.Status == "verified")
					if untouchable && state(now) != state(was) {
						t.Errorf("%s %d: %s changed from %s to %s", p.Mode, p.Threshold, id, state(was), state(now))
					}
				}
				notified, err := st.Ent.Notification.Query().Where(notification.SubaccountID(sub), notification.Type("identity_required")).Count(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if sim.NewlyFlagged != newly || sim.NoLongerFlagged != lifted || sim.VerificationsNeeded != needed || notified != newly {
					t.Errorf("%s %d: simulated newly %d, no longer %d, needed %d; re-evaluation required %d (notified %d), lifted %d, left %d needed",
						p.Mode, p.Threshold, sim.NewlyFlagged, sim.NoLongerFlagged, sim.VerificationsNeeded, newly, notified, lifted, needed)
				}
				if again, err := signals.SimulatePolicy(ctx, sub, p); err != nil || again.NewlyFlagged != 0 || again.NoLongerFlagged != 0 {
					t.Errorf("%s %d: after the re-evaluation the same proposal still changes something: %+v %v", p.Mode, p.Threshold, again, err)
				}
				totalNew, totalLifted = totalNew+newly, totalLifted+lifted
			}
			if totalNew == 0 || totalLifted == 0 {
				t.Fatalf("the population flagged %d and lifted %d: it does not exercise the rule", totalNew, totalLifted)
			}
		})
	}
}

func rows(t *testing.T, client *ent.Client, sub string) map[string]*ent.Customer {
	t.Helper()
	all, err := client.Customer.Query().Where(customer.SubaccountID(sub)).All(testenv.System(t))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*ent.Customer{}
	for _, r := range all {
		out[r.ID] = r
	}
	return out
}

// state is what the re-evaluation may change of a customer.
func state(r *ent.Customer) string {
	return fmt.Sprint(r.IdentityVerificationRequired, r.IdentityVerificationRequiredReason, deref(r.IdentityVerificationRequiredSource), deref(r.IdentityStatus))
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}
