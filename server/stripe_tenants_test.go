package server_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/idgate/idgate/internal/testenv"
)

// TestStripeCustomerIDsPerTenant is issue 11's Stripe-customer-id case: two tenants holding
// the same Stripe customer id learn nothing of each other at create, and a charge, an early
// fraud warning or a PaymentIntent goes to the customer of the subaccount it is routed to
// (identity.PayerOf) — never to the tenant that linked the id first, and to nobody when it
// names no subaccount.
func TestStripeCustomerIDsPerTenant(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e, proxy := stepUpEnv(t, db)
			subA, subB := e.subaccount("risk_based", 50), e.subaccount("risk_based", 50)
			a, b := e.as(e.newKey(t, "service", subA)), e.as(e.newKey(t, "service", subB))
			n := 0
			create := func(c *env, sub, stripeID string) answer {
				t.Helper()
				n++
				return c.send("POST", "/v1/customers", fmt.Sprintf(`{"subaccount_id":%q,"external_id":"rider-%d","stripe_customer_id":%q}`, sub, n, stripeID), nil)
			}
			// pair has A link a fresh Stripe customer id first (squatting), then B the same.
			pair := func() (stripeID, custA, custB string) {
				t.Helper()
				stripeID = fmt.Sprintf("cus_S%d", time.Now().UnixNano())
				return stripeID, idOf(t, create(a, subA, stripeID)), idOf(t, create(b, subB, stripeID))
			}

			t.Run("create", func(t *testing.T) {
				// B's create of the id A holds answers exactly as B's create of an id nobody
				// holds: same code, same body but for the ids and times.
				shared := fmt.Sprintf("cus_S%d", time.Now().UnixNano())
				if got := create(a, subA, shared); got.code != 200 {
					t.Fatalf("A creates: %d %s", got.code, got.body)
				}
				taken, fresh := create(b, subB, shared), create(b, subB, shared+"f")
				if taken.code != 200 || fresh.code != 200 || !reflect.DeepEqual(withoutIDs(t, taken), withoutIDs(t, fresh)) {
					t.Fatalf("B creates the id A holds: %d %s\nB creates a fresh id: %d %s", taken.code, taken.body, fresh.code, fresh.body)
				}
				// A second customer of B with either id conflicts alike.
				taken, fresh = create(b, subB, shared), create(b, subB, shared+"f")
				if taken.code != 409 || taken.code != fresh.code || taken.body != fresh.body {
					t.Fatalf("B's second customer of the id A holds: %d %s\nof its own fresh id: %d %s", taken.code, taken.body, fresh.code, fresh.body)
				}
			})

			charge := func(acct, stripeID, extra string) string {
				t.Helper()
				id := fmt.Sprintf("evt_ch_%d", time.Now().UnixNano())
				return e.deliverAt(t, db, id, "charge.succeeded", acct, time.Now(), fmt.Sprintf(
					`{"id":"ch_%d","object":"charge","customer":%q,"paid":true,"status":"succeeded","outcome":{"risk_level":"highest","type":"authorized"}%s}`,
					time.Now().UnixNano(), stripeID, extra))
			}
			scoredOf := func(id string) string {
				if c := e.customer(id); c.StripeRiskScore != nil {
					return fmt.Sprint(*c.StripeRiskScore)
				}
				return "none"
			}
			merchantB := e.merchantIn(t, subB)
			for _, tc := range []struct {
				name, acct, extra string
			}{
				{"by metadata", "", fmt.Sprintf(`,"metadata":{"idgate_subaccount_id":%q}`, subB)},
				{"by on_behalf_of", "", fmt.Sprintf(`,"on_behalf_of":%q`, merchantB)},
				{"by transfer destination", "", fmt.Sprintf(`,"transfer_data":{"destination":%q}`, merchantB)},
				{"by Connect account", merchantB, ""},
			} {
				t.Run("charge routed "+tc.name, func(t *testing.T) {
					stripeID, custA, custB := pair()
					if outcome := charge(tc.acct, stripeID, tc.extra); outcome != "applied" {
						t.Fatalf("outcome %q, want applied", outcome)
					}
					if gotA, gotB := scoredOf(custA), scoredOf(custB); gotA != "none" || gotB != "75" {
						t.Fatalf("scores A %s, B %s; want B's customer scored 75 and A's not at all", gotA, gotB)
					}
				})
			}
			t.Run("charge routed to B, id held by A only", func(t *testing.T) {
				stripeID := fmt.Sprintf("cus_S%d", time.Now().UnixNano())
				custA := idOf(t, create(a, subA, stripeID))
				if outcome := charge("", stripeID, fmt.Sprintf(`,"metadata":{"idgate_subaccount_id":%q}`, subB)); outcome != "skipped" || scoredOf(custA) != "none" {
					t.Fatalf("outcome %q, A scored %s; want skipped and A unscored", outcome, scoredOf(custA))
				}
			})
			t.Run("charge naming no subaccount", func(t *testing.T) {
				stripeID, custA, custB := pair()
				if outcome := charge("", stripeID, ""); outcome != "skipped" {
					t.Fatalf("outcome %q, want skipped", outcome)
				}
				if gotA, gotB := scoredOf(custA), scoredOf(custB); gotA != "none" || gotB != "none" {
					t.Fatalf("scores A %s, B %s; want nobody scored", gotA, gotB)
				}
			})

			t.Run("early fraud warning", func(t *testing.T) {
				stripeID, custA, custB := pair()
				warn := func(charge string) string {
					id := fmt.Sprintf("evt_efw_%d", time.Now().UnixNano())
					return e.deliverAt(t, db, id, "radar.early_fraud_warning.created", "", time.Now(), fmt.Sprintf(
						`{"id":"issfr_%d","object":"radar.early_fraud_warning","actionable":true,"fraud_type":"unauthorized_use_of_card","charge":%s}`, time.Now().UnixNano(), charge))
				}
				flagged := func(id string) bool {
					return strings.HasPrefix(e.customer(id).IdentityVerificationRequiredReason, "early_fraud_warning:")
				}
				if outcome := warn(fmt.Sprintf(`{"id":"ch_w1","object":"charge","customer":%q}`, stripeID)); outcome != "skipped" || flagged(custA) || flagged(custB) {
					t.Fatalf("warning naming no subaccount: outcome %q, A flagged %v, B flagged %v; want skipped, nobody", outcome, flagged(custA), flagged(custB))
				}
				if outcome := warn(fmt.Sprintf(`{"id":"ch_w2","object":"charge","customer":%q,"metadata":{"idgate_subaccount_id":%q}}`, stripeID, subB)); outcome != "applied" || flagged(custA) || !flagged(custB) {
					t.Fatalf("warning routed to B: outcome %q, A flagged %v, B flagged %v; want applied, B only", outcome, flagged(custA), flagged(custB))
				}
			})

			t.Run("payment step-up", func(t *testing.T) {
				stripeID, custA, custB := pair()
				evaluate := func(c *env, pi string) answer { return c.send("POST", "/v1/payments/"+pi+":evaluate", "{}", nil) }
				payer := func(ans answer) string {
					var p struct {
						CustomerID string `json:"customer_id"`
					}
					_ = json.Unmarshal([]byte(ans.body), &p)
					return p.CustomerID
				}
				// Routed to B: B's customer; for A, exactly the answer of a payment of nobody.
				routed := paymentIntent(t, proxy, stripeID, 5000, map[string]string{"idgate_subaccount_id": subB})
				nobodys := paymentIntent(t, proxy, stripeID+"x", 5000, nil)
				theirs, none := evaluate(a, routed), evaluate(a, nobodys)
				if theirs.code != 404 || theirs.code != none.code || strings.ReplaceAll(theirs.body, routed, "") != strings.ReplaceAll(none.body, nobodys, "") {
					t.Fatalf("A evaluates B's payment: %d %s\nA evaluates a payment of nobody: %d %s", theirs.code, theirs.body, none.code, none.body)
				}
				if got := evaluate(b, routed); got.code != 200 || payer(got) != custB {
					t.Fatalf("B evaluates its payment: %d %s, want payer %s", got.code, got.body, custB)
				}
				// Naming no subaccount: the caller's own customer for a tenant's key; for a
				// key that sees both tenants nobody, and the payment_intent.created event of
				// it is skipped.
				unrouted := paymentIntent(t, proxy, stripeID, 5000, nil)
				if got := e.send("POST", "/v1/payments/"+unrouted+":evaluate", "{}", nil); got.code != 400 || !strings.Contains(got.body, "idgate_subaccount_id") {
					t.Fatalf("admin evaluates a payment naming no subaccount: %d %s, want 400 naming idgate_subaccount_id", got.code, got.body)
				}
				if outcome := e.deliverAt(t, db, fmt.Sprintf("evt_pi_%d", time.Now().UnixNano()), "payment_intent.created", "", time.Now(),
					fmt.Sprintf(`{"id":%q,"object":"payment_intent","status":"requires_payment_method"}`, unrouted)); outcome != "skipped" {
					t.Fatalf("payment_intent.created naming no subaccount: outcome %q, want skipped", outcome)
				}
				if got := evaluate(a, unrouted); got.code != 200 || payer(got) != custA {
					t.Fatalf("A evaluates a payment of its Stripe customer: %d %s, want payer %s", got.code, got.body, custA)
				}
				if got := evaluate(b, unrouted); got.code != 404 {
					t.Fatalf("B evaluates the payment A's customer was found for: %d %s, want 404", got.code, got.body)
				}
			})
		})
	}
}

// as is e calling with API key key.
func (e *env) as(key string) *env {
	c := *e
	c.key = key
	return &c
}

// merchantIn creates a merchant of sub and returns its connected account.
func (e *env) merchantIn(t *testing.T, sub string) string {
	t.Helper()
	var m struct {
		StripeAccountID string `json:"stripe_account_id"`
	}
	if code, _ := e.call("POST", "/v1/merchants", fmt.Sprintf(`{"subaccount_id":%q,"external_id":"seller-%d","country":"US","business_type":"individual"}`, sub, time.Now().UnixNano()), &m); code != 200 || !strings.HasPrefix(m.StripeAccountID, "acct_") {
		t.Fatalf("create merchant: HTTP %d %+v", code, m)
	}
	return m.StripeAccountID
}

func idOf(t *testing.T, a answer) string {
	t.Helper()
	var c struct {
		ID string `json:"id"`
	}
	if a.code != 200 || json.Unmarshal([]byte(a.body), &c) != nil || c.ID == "" {
		t.Fatalf("create customer: %d %s", a.code, a.body)
	}
	return c.ID
}

// withoutIDs is a customer's JSON without what differs between any two customers.
func withoutIDs(t *testing.T, a answer) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(a.body), &m); err != nil {
		t.Fatalf("decode %s: %v", a.body, err)
	}
	for _, k := range []string{"id", "external_id", "stripe_customer_id", "created_at", "updated_at"} {
		delete(m, k)
	}
	return m
}
