package stepup

import (
	"context"

	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/identity"
	"github.com/idgate/idgate/internal/store"
	"github.com/idgate/idgate/internal/stripe"
)

// PaymentCreator makes PaymentIntents: the sandbox's local Stripe only.
type PaymentCreator interface {
	CreatePaymentIntent(ctx context.Context, p stripe.NewPaymentIntent, idempotencyKey string) (stripe.PaymentIntent, error)
}

// SandboxPayment is a sandbox PaymentIntent and the customer it is for.
type SandboxPayment struct {
	stripe.PaymentIntent
	CustomerID string
}

// SandboxPaymentsWith lets developers create PaymentIntents to try step-up on: only the
// sandbox (IDGATE_SANDBOX=on) calls it; without it CreateSandboxPayment and
// SandboxPaymentOf refuse.
func (s *Service) SandboxPaymentsWith(c PaymentCreator) { s.sandboxPayments = c }

var errNoSandbox = apperr.FailedPrecondition("sandbox payments need the local Stripe: run idgate with IDGATE_SANDBOX=on (make run does)")

// CreateSandboxPayment makes a PaymentIntent for the customer in the sandbox, authorised
// for manual capture; marked for step-up (metadata stepup_required=true) when mark is set.
func (s *Service) CreateSandboxPayment(ctx context.Context, customerID string, amount int64, currency string, mark bool) (SandboxPayment, error) {
	if s.sandboxPayments == nil {
		return SandboxPayment{}, errNoSandbox
	}
	if currency == "" {
		currency = "usd"
	}
	switch {
	case amount < 50 || amount > 99999999:
		return SandboxPayment{}, apperr.Invalid("amount", "must be 50 to 99999999 (the currency's smallest unit)")
	case !stripe.ValidCurrency(currency):
		return SandboxPayment{}, apperr.Invalid("currency", "must be three lower-case letters, e.g. usd")
	}
	c, _, err := s.customerFor(ctx, s.store.Reader, customerID)
	if err != nil {
		return SandboxPayment{}, err
	}
	stripeCustomer := ""
	if c.StripeCustomerID != nil {
		stripeCustomer = *c.StripeCustomerID
	}
	metadata := map[string]string{identity.MetadataCustomerID: c.ID}
	if mark {
		metadata["stepup_required"] = "true"
	}
	pi, err := s.sandboxPayments.CreatePaymentIntent(ctx, stripe.NewPaymentIntent{
		Amount: amount, Currency: currency, Customer: stripeCustomer, PaymentMethod: "pm_card_visa", ManualCapture: true,
		Metadata: metadata,
	}, store.NewID("sandbox"))
	if err != nil {
		return SandboxPayment{}, err
	}
	return SandboxPayment{PaymentIntent: pi, CustomerID: c.ID}, nil
}

// SandboxPaymentOf reads a sandbox PaymentIntent back, for a caller who may see its payer.
func (s *Service) SandboxPaymentOf(ctx context.Context, id string) (SandboxPayment, error) {
	if s.sandboxPayments == nil {
		return SandboxPayment{}, errNoSandbox
	}
	if !stripe.ValidID(id, "pi") {
		return SandboxPayment{}, apperr.Invalid("id", "must be a Stripe PaymentIntent id (pi_...)")
	}
	pi, err := s.stripe.GetPaymentIntent(ctx, id)
	if apperr.KindOf(err) == apperr.KindNotFound {
		return SandboxPayment{}, noPayer(id)
	}
	if err != nil {
		return SandboxPayment{}, err
	}
	c, err := s.customerOf(ctx, pi, "")
	if err != nil {
		if k := apperr.KindOf(err); k == apperr.KindNotFound || k == apperr.KindFailedPrecondition {
			return SandboxPayment{}, noPayer(id)
		}
		return SandboxPayment{}, err
	}
	return SandboxPayment{PaymentIntent: pi, CustomerID: c.ID}, nil
}
