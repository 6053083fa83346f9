package stepup

import (
	"bytes"
	"slices"
	"testing"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/internal/stripe"
)

func TestReasons(t *testing.T) {
	score := func(n int) *int { return &n }
	sub := &ent.Subaccount{StepupAmountThresholds: map[string]int64{"usd": 100000, "eur": 50000}, StepupRiskThreshold: 75, StepupOnFraudWarning: true}
	pi := func(amount int64, currency string, md map[string]string) stripe.PaymentIntent {
		return stripe.PaymentIntent{ID: "pi_1", Amount: amount, Currency: currency, Metadata: md}
	}
	for _, tc := range []struct {
		name string
		pi   stripe.PaymentIntent
		c    ent.Customer
		sub  *ent.Subaccount
		want []string
	}{
		{"nothing", pi(5000, "usd", nil), ent.Customer{StripeRiskScore: score(50)}, sub, nil},
		{"marked", pi(5000, "usd", map[string]string{"stepup_required": "true"}), ent.Customer{}, sub, []string{"payment_metadata"}},
		{"marked as seed 000 does", pi(5000, "usd", map[string]string{"blockid_stepup_required": "true"}), ent.Customer{}, sub, []string{"payment_metadata"}},
		{"marked false", pi(5000, "usd", map[string]string{"stepup_required": "false"}), ent.Customer{}, sub, nil},
		{"just under the threshold", pi(99999, "usd", nil), ent.Customer{}, sub, nil},
		{"at the threshold", pi(100000, "usd", nil), ent.Customer{}, sub, []string{"amount_threshold:100000>=100000 usd"}},
		{"threshold of its own currency", pi(60000, "eur", nil), ent.Customer{}, sub, []string{"amount_threshold:60000>=50000 eur"}},
		{"a currency without a threshold", pi(10_000_000, "gbp", nil), ent.Customer{}, sub, nil},
		{"risk at the threshold", pi(5000, "usd", nil), ent.Customer{StripeRiskScore: score(75)}, sub, []string{"risk_threshold:75>=75"}},
		{"risk threshold off", pi(5000, "usd", nil), ent.Customer{StripeRiskScore: score(99)}, &ent.Subaccount{}, nil},
		{"no score yet", pi(5000, "usd", nil), ent.Customer{}, sub, nil},
		{"open fraud warning", pi(5000, "usd", nil), ent.Customer{FraudWarningID: "issfr_1"}, sub, []string{"early_fraud_warning:issfr_1"}},
		{"fraud warnings off", pi(5000, "usd", nil), ent.Customer{FraudWarningID: "issfr_1"}, &ent.Subaccount{}, nil},
		{"every reason", pi(100000, "usd", map[string]string{"stepup_required": "true"}), ent.Customer{StripeRiskScore: score(80), FraudWarningID: "issfr_2"}, sub,
			[]string{"payment_metadata", "amount_threshold:100000>=100000 usd", "risk_threshold:80>=75", "early_fraud_warning:issfr_2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := reasons(tc.pi, &tc.c, tc.sub); !slices.Equal(got, tc.want) {
				t.Fatalf("reasons = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestBindingCommitsToThePayment: the challenge changes with each part of the payment, so an
// assertion over one payment's challenge verifies for no other.
func TestBindingCommitsToThePayment(t *testing.T) {
	nonce := bytes.Repeat([]byte{7}, 32)
	base := Payment{ID: "pi_1", Amount: 5000, Currency: "usd", Payee: "acct_1"}
	want := binding(nonce, &base)
	if !bytes.Equal(binding(nonce, &base), want) {
		t.Fatal("the binding of the same payment differs")
	}
	for name, change := range map[string]func(*Payment){
		"payment":  func(p *Payment) { p.ID = "pi_2" },
		"amount":   func(p *Payment) { p.Amount = 5001 },
		"currency": func(p *Payment) { p.Currency = "eur" },
		"payee":    func(p *Payment) { p.Payee = "acct_2" },
		// Length-prefixed parts: moving bytes from one field to the next changes it too.
		"boundary": func(p *Payment) { p.Currency, p.Payee = "usda", "cct_1" },
	} {
		p := base
		change(&p)
		if bytes.Equal(binding(nonce, &p), want) {
			t.Errorf("changing the %s leaves the challenge the same", name)
		}
	}
	if bytes.Equal(binding(bytes.Repeat([]byte{8}, 32), &base), want) {
		t.Error("another nonce leaves the challenge the same")
	}
}
