package server

import (
	"context"

	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
	"github.com/idgate/idgate/internal/stepup"
)

// sandboxServer serves SandboxService: the sandbox's PaymentIntents, for trying step-up.
type sandboxServer struct {
	idgatev1.UnimplementedSandboxServiceServer
	enabled  bool
	rpID     string
	baseURL  string // the sandbox's, when enabled
	payments *stepup.Service
}

var _ idgatev1.SandboxServiceServer = (*sandboxServer)(nil)

func (s *sandboxServer) GetSandbox(context.Context, *idgatev1.GetSandboxRequest) (*idgatev1.Sandbox, error) {
	return &idgatev1.Sandbox{Enabled: s.enabled, WebauthnRpId: s.rpID, StripeApiBase: s.baseURL}, nil
}

func (s *sandboxServer) CreateSandboxPaymentIntent(ctx context.Context, req *idgatev1.CreateSandboxPaymentIntentRequest) (*idgatev1.SandboxPaymentIntent, error) {
	p, err := s.payments.CreateSandboxPayment(ctx, req.GetCustomerId(), req.GetAmount(), req.GetCurrency(), req.GetStepupRequired())
	if err != nil {
		return nil, err
	}
	return sandboxPaymentPB(p), nil
}

func (s *sandboxServer) GetSandboxPaymentIntent(ctx context.Context, req *idgatev1.GetSandboxPaymentIntentRequest) (*idgatev1.SandboxPaymentIntent, error) {
	p, err := s.payments.SandboxPaymentOf(ctx, req.GetId())
	if err != nil {
		return nil, err
	}
	return sandboxPaymentPB(p), nil
}

func sandboxPaymentPB(p stepup.SandboxPayment) *idgatev1.SandboxPaymentIntent {
	return &idgatev1.SandboxPaymentIntent{
		Id: p.ID, CustomerId: p.CustomerID, StripeCustomerId: p.Customer, Amount: p.Amount, Currency: p.Currency,
		Status: p.Status, CaptureMethod: p.CaptureMethod, AmountCapturable: p.AmountCapturable, AmountReceived: p.AmountReceived,
		Metadata: p.Metadata,
	}
}
