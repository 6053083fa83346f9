package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
	"github.com/idgate/idgate/internal/testenv"
)

// orderEvent is one Stripe event of a permutation test: its id suffix, type, created and
// data.object.
type orderEvent struct {
	id, typ string
	at      time.Time
	object  string
}

// deliverAt delivers a signed event stamped created (of Connect account acct, when set),
// waits until it is processed and returns its outcome as GET /v1/webhook-events lists it.
func (e *env) deliverAt(t *testing.T, db testenv.DB, id, typ, acct string, created time.Time, object string) string {
	t.Helper()
	payload := connectEvent(id, typ, acct, created, object)
	if code, body := e.deliver("/v1/webhooks/stripe", payload, sign(payload, secret, time.Now())); code != 200 {
		t.Fatalf("deliver %s: %d %s", id, code, body)
	}
	if st := e.waitState(id); st != "processed" {
		t.Fatalf("%s (%s) ended %s", id, typ, st)
	}
	return e.events()[id].Outcome
}

// everyOrder delivers events in every order, each order to a fresh object made by setup,
// and checks that state reads the same final state, want, after each.
func everyOrder(t *testing.T, e *env, db testenv.DB, events []orderEvent, want string, setup func(t *testing.T) (acct string, object func(string) string), state func(t *testing.T) string) {
	t.Helper()
	for n, perm := range permutations(len(events)) {
		acct, object := setup(t)
		// One prefix per order, so that the ids' suffixes settle same-second ties.
		prefix := fmt.Sprintf("evt_%d_%d_", time.Now().UnixNano(), n)
		var order []string
		for _, i := range perm {
			ev := events[i]
			outcome := e.deliverAt(t, db, prefix+ev.id, ev.typ, acct, ev.at, object(ev.object))
			order = append(order, ev.id+":"+outcome)
		}
		if got := state(t); got != want {
			t.Errorf("events in the order %v end in %q, want %q", order, got, want)
		}
	}
}

func permutations(n int) [][]int {
	if n == 1 {
		return [][]int{{0}}
	}
	var out [][]int
	for _, p := range permutations(n - 1) {
		for i := 0; i <= len(p); i++ {
			out = append(out, append(append(append([]int{}, p[:i]...), n-1), p[i:]...))
		}
	}
	return out
}

func session(status, code string) string {
	lastError := "null"
	if code != "" {
		lastError = fmt.Sprintf(`{"code":%q}`, code)
	}
	return fmt.Sprintf(`"status":%q,"last_error":%s`, status, lastError)
}

func (e *env) column(t *testing.T, db testenv.DB, q, id string) string {
	t.Helper()
	var a, b string
	if err := rawDB(t, db).QueryRow(q+placeholder(db), id).Scan(&a, &b); err != nil {
		t.Fatalf("%s %s: %v", q, id, err)
	}
	return a + "/" + b
}

// TestEventOrdering delivers the same events of each kind of object in every order and
// checks that each order ends in the same state: same-second ties, terminal states, and
// older events after newer ones, through the real handlers.
func TestEventOrdering(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			proxy := testenv.NewStripe(t)
			_, sinkURL := newSink(t)
			e := start(t, testConfig(t, db.URL, map[string]string{
				"STRIPE_API_BASE": proxy.URL, "IDGATE_NOTIFY_URL": sinkURL, "IDGATE_NOTIFY_SECRET": notifySecret,
				"STRIPE_CONNECT_WEBHOOK_SECRET": connectSecret,
			}))
			ctx := context.Background()
			onb := idgatev1.NewConnectOnboardingServiceClient(e.conn)
			sa, err := e.risk.CreateSubaccount(ctx, &idgatev1.CreateSubaccountRequest{Name: "Marketplace"})
			if err != nil {
				t.Fatal(err)
			}
			t0 := time.Now().Truncate(time.Second)
			merchants := 0
			newMerchant := func(t *testing.T, country string) *idgatev1.Merchant {
				merchants++
				m, err := onb.CreateMerchant(ctx, &idgatev1.CreateMerchantRequest{SubaccountId: sa.Id, ExternalId: fmt.Sprintf("m-%d", merchants), Country: country, BusinessType: "individual"})
				if err != nil {
					t.Fatal(err)
				}
				return m
			}

			t.Run("customer session", func(t *testing.T) {
				e.t = t
				var cust, vs string
				setup := func(t *testing.T) (string, func(string) string) {
					_, cust, _ = e.newCustomer("all_users", 50, 5)
					vs = e.session(cust)
					return "", func(s string) string {
						return fmt.Sprintf(`{"id":%q,"object":"identity.verification_session",%s,"metadata":{"customer_id":%q}}`, vs, s, cust)
					}
				}
				state := func(t *testing.T) string {
					c := e.customer(cust)
					return fmt.Sprintf("%v/%s", deref(c.IdentityStatus), c.IdentityLastErrorCode)
				}
				// One second, three states: the one furthest along wins.
				everyOrder(t, e, db, []orderEvent{
					{"a", "identity.verification_session.processing", t0, session("processing", "")},
					{"b", "identity.verification_session.requires_input", t0, session("requires_input", "selfie_face_mismatch")},
					{"c", "identity.verification_session.requires_input", t0, session("requires_input", "")},
				}, "requires_input/selfie_face_mismatch", setup, state)
				// A terminal state is the last word, however late and whenever stamped.
				everyOrder(t, e, db, []orderEvent{
					{"a", "identity.verification_session.requires_input", t0.Add(2 * time.Second), session("requires_input", "document_expired")},
					{"b", "identity.verification_session.verified", t0, session("verified", "")},
					{"c", "identity.verification_session.processing", t0.Add(time.Second), session("processing", "")},
				}, "verified/", setup, state)
				// Older after newer: the newest second wins.
				everyOrder(t, e, db, []orderEvent{
					{"a", "identity.verification_session.processing", t0, session("processing", "")},
					{"b", "identity.verification_session.requires_input", t0.Add(time.Second), session("requires_input", "document_unverified_other")},
				}, "requires_input/document_unverified_other", setup, state)
			})

			t.Run("merchant session", func(t *testing.T) {
				e.t = t
				var vs string
				setup := func(t *testing.T) (string, func(string) string) {
					m := newMerchant(t, "AU")
					if _, err := onb.RecordBiometricConsent(ctx, &idgatev1.RecordBiometricConsentRequest{MerchantId: m.Id, Granted: true, IpAddress: "198.51.100.4", UserAgent: "Mozilla/5.0"}); err != nil {
						t.Fatal(err)
					}
					s, err := onb.StartDocumentVerification(ctx, &idgatev1.StartDocumentVerificationRequest{MerchantId: m.Id})
					if err != nil {
						t.Fatal(err)
					}
					vs = s.SessionId
					return "", func(s string) string {
						return fmt.Sprintf(`{"id":%q,"object":"identity.verification_session",%s,"metadata":{"merchant_id":%q}}`, vs, s, m.Id)
					}
				}
				state := func(t *testing.T) string {
					return e.column(t, db, "SELECT status, last_error_code FROM merchant_sessions WHERE id = ", vs)
				}
				// The same same-second triple as a customer's resolves the same way.
				everyOrder(t, e, db, []orderEvent{
					{"a", "identity.verification_session.processing", t0, session("processing", "")},
					{"b", "identity.verification_session.requires_input", t0, session("requires_input", "selfie_face_mismatch")},
					{"c", "identity.verification_session.requires_input", t0, session("requires_input", "")},
				}, "requires_input/selfie_face_mismatch", setup, state)
				everyOrder(t, e, db, []orderEvent{
					{"a", "identity.verification_session.processing", t0.Add(time.Second), session("processing", "")},
					{"b", "identity.verification_session.canceled", t0, session("canceled", "")},
				}, "canceled/", setup, state)
			})

			account := func(charges bool, reason string) string {
				r := "null"
				if reason != "" {
					r = fmt.Sprintf("%q", reason)
				}
				return fmt.Sprintf(`"object":"account","charges_enabled":%v,"payouts_enabled":%v,"requirements":{"currently_due":[],"past_due":[],"disabled_reason":%s}`, charges, charges, r)
			}
			t.Run("account.updated", func(t *testing.T) {
				e.t = t
				var m *idgatev1.Merchant
				setup := func(t *testing.T) (string, func(string) string) {
					m = newMerchant(t, "US")
					return m.StripeAccountId, func(s string) string { return fmt.Sprintf(`{"id":%q,%s}`, m.StripeAccountId, s) }
				}
				state := func(t *testing.T) string {
					got, err := onb.GetMerchant(ctx, &idgatev1.GetMerchantRequest{Id: m.Id})
					if err != nil {
						t.Fatal(err)
					}
					return fmt.Sprintf("%v/%v", got.ChargesEnabled, got.PayoutsEnabled)
				}
				// Same second: the event with the greater id wins; an older one changes nothing.
				everyOrder(t, e, db, []orderEvent{
					{"a", "account.updated", t0, account(false, "requirements.past_due")},
					{"b", "account.updated", t0, account(true, "")},
					{"c", "account.updated", t0.Add(-time.Minute), account(false, "rejected.fraud")},
				}, "true/true", setup, state)
			})

			t.Run("person", func(t *testing.T) {
				e.t = t
				var m *idgatev1.Merchant
				setup := func(t *testing.T) (string, func(string) string) {
					m = newMerchant(t, "US")
					return m.StripeAccountId, func(s string) string {
						return fmt.Sprintf(`{"id":"person_1","object":"person","account":%q,"verification":%s}`, m.StripeAccountId, s)
					}
				}
				state := func(t *testing.T) string {
					got, err := onb.GetMerchant(ctx, &idgatev1.GetMerchantRequest{Id: m.Id})
					if err != nil || len(got.Persons) != 1 {
						t.Fatalf("merchant %v %v, want one person", got, err)
					}
					return got.Persons[0].VerificationStatus + "/" + got.Persons[0].DetailsCode
				}
				everyOrder(t, e, db, []orderEvent{
					{"a", "person.updated", t0, `{"status":"pending","details_code":null}`},
					{"b", "person.updated", t0, `{"status":"verified","details_code":null}`},
					{"c", "person.created", t0.Add(-time.Minute), `{"status":"unverified","details_code":"failed_keyed_identity"}`},
				}, "verified/", setup, state)
			})

			t.Run("payment intent", func(t *testing.T) {
				e.t = t
				var pi string
				setup := func(t *testing.T) (string, func(string) string) {
					_, _, stripeCustomer := e.payerIn(`{"fallback":"none","amount_thresholds":{"usd":1000}}`)
					pi = paymentIntent(t, proxy, stripeCustomer, 5000, nil)
					return "", func(s string) string { return fmt.Sprintf(`{"id":%q,"object":"payment_intent",%s}`, pi, s) }
				}
				var winner string
				state := func(t *testing.T) string {
					got := e.column(t, db, "SELECT status, event_id FROM payment_stepups WHERE id = ", pi)
					status, id, _ := strings.Cut(got, "/")
					if !strings.HasSuffix(id, "_"+winner) {
						t.Errorf("payment evaluated last by %s, want the newest event, %s", id, winner)
					}
					return status
				}
				winner = "b"
				everyOrder(t, e, db, []orderEvent{
					{"a", "payment_intent.created", t0, `"status":"requires_payment_method"`},
					{"b", "payment_intent.requires_action", t0.Add(time.Second), `"status":"requires_action"`},
					{"c", "payment_intent.amount_capturable_updated", t0.Add(-time.Second), `"status":"requires_capture"`},
				}, "required", setup, state)
			})

			t.Run("early fraud warning", func(t *testing.T) {
				e.t = t
				var cust, stripeCustomer string
				setup := func(t *testing.T) (string, func(string) string) {
					_, cust, stripeCustomer = e.newCustomer("disabled", 50, 3)
					return "", func(w string) string {
						return fmt.Sprintf(`{"id":%q,"object":"radar.early_fraud_warning","charge":{"id":"ch_1","object":"charge","customer":%q}}`, w, stripeCustomer)
					}
				}
				state := func(t *testing.T) string {
					c := e.customer(cust)
					return fmt.Sprintf("%v/%s", c.IdentityVerificationRequired, c.IdentityVerificationRequiredReason)
				}
				// Two warnings in one second and an older one: the same warning stays.
				everyOrder(t, e, db, []orderEvent{
					{"a", "radar.early_fraud_warning.created", t0, "issfw_a"},
					{"b", "radar.early_fraud_warning.created", t0, "issfw_b"},
					{"c", "radar.early_fraud_warning.created", t0.Add(-time.Hour), "issfw_c"},
				}, "true/early_fraud_warning:issfw_b", setup, state)
				// An operator clears it; the older warning arriving late is stale.
				if _, err := e.identity.ClearRequirement(ctx, &idgatev1.ClearRequirementRequest{Id: cust, Operator: "ops@fleet", Notes: "looked into it"}); err != nil {
					t.Fatal(err)
				}
				obj := fmt.Sprintf(`{"id":"issfw_a","object":"radar.early_fraud_warning","charge":{"id":"ch_1","object":"charge","customer":%q}}`, stripeCustomer)
				if outcome := e.deliverAt(t, db, fmt.Sprintf("evt_%d_late", time.Now().UnixNano()), "radar.early_fraud_warning.created", "", t0, obj); outcome != "stale" {
					t.Fatalf("an older warning after the operator cleared a newer one: %s, want stale", outcome)
				}
				if c := e.customer(cust); c.IdentityVerificationRequired {
					t.Fatalf("an older warning required verification again: %+v", c)
				}
			})

			t.Run("person of another account", func(t *testing.T) {
				e.t = t
				mine, theirs := newMerchant(t, "US"), newMerchant(t, "US")
				person := func(acct, status string) string {
					return fmt.Sprintf(`{"id":"person_shared","object":"person","account":%q,"verification":{"status":%q,"details_code":null}}`, acct, status)
				}
				id := func(s string) string { return fmt.Sprintf("evt_%d_%s", time.Now().UnixNano(), s) }
				e.deliverAt(t, db, id("mine"), "person.updated", mine.StripeAccountId, t0, person(mine.StripeAccountId, "verified"))
				// The same person id in another account is that account's person, not ours.
				e.deliverAt(t, db, id("theirs"), "person.updated", theirs.StripeAccountId, t0.Add(time.Minute), person(theirs.StripeAccountId, "unverified"))
				// An event whose account and person's account disagree is skipped.
				if outcome := e.deliverAt(t, db, id("forged"), "person.updated", mine.StripeAccountId, t0.Add(2*time.Minute), person(theirs.StripeAccountId, "unverified")); outcome != "skipped" {
					t.Fatalf("a person event naming two accounts: %s, want skipped", outcome)
				}
				for _, c := range []struct {
					m    *idgatev1.Merchant
					want string
				}{{mine, "verified"}, {theirs, "unverified"}} {
					got, err := onb.GetMerchant(ctx, &idgatev1.GetMerchantRequest{Id: c.m.Id})
					if err != nil || len(got.Persons) != 1 || got.Persons[0].Id != "person_shared" || got.Persons[0].VerificationStatus != c.want {
						t.Fatalf("merchant %s: %v %v, want its own person_shared %s", c.m.Id, got.GetPersons(), err, c.want)
					}
				}
			})
		})
	}
}

// TestEveryHandlerDecides delivers a minimal event of every type the server handles: each
// ends processed with an outcome, none undecided (the processor would fail it).
func TestEveryHandlerDecides(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e := start(t, testConfig(t, db.URL, map[string]string{"STRIPE_API_BASE": testenv.Stripe(t)}))
			types := e.srv.WebhookEventTypes()
			if len(types) < 10 {
				t.Fatalf("registered types: %v", types)
			}
			for i, typ := range types {
				obj := fmt.Sprintf(`{"id":"obj_unknown_%d","object":%q,"account":"acct_unknown"}`, i, strings.SplitN(typ, ".", 2)[0])
				id := fmt.Sprintf("evt_decides_%d", i)
				if outcome := e.deliverAt(t, db, id, typ, "acct_unknown", time.Now(), obj); outcome == "" {
					t.Errorf("%s: processed without an outcome", typ)
				}
			}
		})
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}
