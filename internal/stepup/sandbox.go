package stepup

import (
	"context"
	"regexp"

	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/identity"
	"github.com/idgate/idgate/internal/store"
	"github.com/idgate/idgate/internal/stripe"
)

// PaymentCreator makes PaymentIntents: the sandbox's local Stripe only.
type PaymentCreator interface {
	CreatePaymentIntent(ctx context.Context, p stripe.NewPaymentIntent, idempotencyKey string) (stripe.PaymentIntent, error)
}

// TestPayment is a sandbox PaymentIntent and the customer it is for.
type TestPayment struct {
	stripe.PaymentIntent
	CustomerID string
}

// TestPaymentsWith lets developers create PaymentIntents to try step-up on: only the
// sandbox (IDGATE_SANDBOX=on) calls it; without it the test payment methods refuse.
func (s *Service) TestPaymentsWith(c PaymentCreator) { s.testPayments = c }

var errNoSandbox = apperr.FailedPrecondition("sandbox payments need the local Stripe: run idgate with IDGATE_SANDBOX=on (make run does)")

var currencyCode = regexp.MustCompile(`^[a-z]{3}$`)

// CreateTestPayment makes a PaymentIntent for the customer in the sandbox, marked for
// step-up and authorised for manual capture.
func (s *Service) CreateTestPayment(ctx context.Context, customerID string, amount int64, currency string) (TestPayment, error) {
	if s.testPayments == nil {
		return TestPayment{}, errNoSandbox
	}
	if currency == "" {
		currency = "usd"
	}
	switch {
	case amount < 50 || amount > 99999999:
		return TestPayment{}, apperr.Invalid("amount", "must be 50 to 99999999 (the currency's smallest unit)")
	case !currencyCode.MatchString(currency):
		return TestPayment{}, apperr.Invalid("currency", "must be three lower-case letters, e.g. usd")
	}
	c, _, err := s.customerFor(ctx, s.store.Reader, customerID)
	if err != nil {
		return TestPayment{}, err
	}
	stripeCustomer := ""
	if c.StripeCustomerID != nil {
		stripeCustomer = *c.StripeCustomerID
	}
	pi, err := s.testPayments.CreatePaymentIntent(ctx, stripe.NewPaymentIntent{
		Amount: amount, Currency: currency, Customer: stripeCustomer, PaymentMethod: "pm_card_visa", ManualCapture: true,
		Metadata: map[string]string{identity.MetadataCustomerID: c.ID, "stepup_required": "true"},
	}, store.NewID("sandbox"))
	if err != nil {
		return TestPayment{}, err
	}
	return TestPayment{PaymentIntent: pi, CustomerID: c.ID}, nil
}

// TestPaymentOf reads a sandbox PaymentIntent back, for a caller who may see its payer.
func (s *Service) TestPaymentOf(ctx context.Context, id string) (TestPayment, error) {
	if s.testPayments == nil {
		return TestPayment{}, errNoSandbox
	}
	if !stripe.ValidID(id, "pi") {
		return TestPayment{}, apperr.Invalid("id", "must be a Stripe PaymentIntent id (pi_...)")
	}
	pi, err := s.stripe.GetPaymentIntent(ctx, id)
	if apperr.KindOf(err) == apperr.KindNotFound {
		return TestPayment{}, noPayer(id)
	}
	if err != nil {
		return TestPayment{}, err
	}
	c, err := s.customerOf(ctx, pi, "")
	if err != nil {
		if k := apperr.KindOf(err); k == apperr.KindNotFound || k == apperr.KindFailedPrecondition {
			return TestPayment{}, noPayer(id)
		}
		return TestPayment{}, err
	}
	return TestPayment{PaymentIntent: pi, CustomerID: c.ID}, nil
}
