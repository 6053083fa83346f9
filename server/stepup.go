package server

import (
	"context"
	"encoding/base64"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
	"github.com/idgate/idgate/internal/stepup"
)

// The payment step-up RPCs of IdentityService.

func (s *identityServer) BeginEnrollment(ctx context.Context, req *idgatev1.BeginEnrollmentRequest) (*idgatev1.BeginEnrollmentResponse, error) {
	o, err := s.stepups.BeginEnrollment(ctx, req.GetCustomerId(), req.GetDisplayName())
	if err != nil {
		return nil, err
	}
	return &idgatev1.BeginEnrollmentResponse{ChallengeId: o.ChallengeID, OptionsJson: o.JSON, ExpiresAt: timestamppb.New(o.ExpiresAt)}, nil
}

func (s *identityServer) FinishEnrollment(ctx context.Context, req *idgatev1.FinishEnrollmentRequest) (*idgatev1.Credential, error) {
	c, err := s.stepups.FinishEnrollment(ctx, req.GetCustomerId(), req.GetChallengeId(), req.GetCredentialJson(), req.GetName())
	if err != nil {
		return nil, err
	}
	return credentialPB(c), nil
}

func (s *identityServer) ListCredentials(ctx context.Context, req *idgatev1.ListCredentialsRequest) (*idgatev1.ListCredentialsResponse, error) {
	cs, err := s.stepups.ListCredentials(ctx, req.GetCustomerId())
	if err != nil {
		return nil, err
	}
	out := &idgatev1.ListCredentialsResponse{}
	for _, c := range cs {
		out.Credentials = append(out.Credentials, credentialPB(c))
	}
	return out, nil
}

func (s *identityServer) RevokeCredential(ctx context.Context, req *idgatev1.RevokeCredentialRequest) (*idgatev1.Credential, error) {
	c, err := s.stepups.RevokeCredential(ctx, req.GetCustomerId(), req.GetId())
	if err != nil {
		return nil, err
	}
	return credentialPB(c), nil
}

func (s *identityServer) EvaluatePayment(ctx context.Context, req *idgatev1.EvaluatePaymentRequest) (*idgatev1.PaymentStepUp, error) {
	p, err := s.stepups.EvaluatePayment(ctx, req.GetPaymentIntentId())
	if err != nil {
		return nil, err
	}
	return paymentPB(p), nil
}

func (s *identityServer) BeginStepUp(ctx context.Context, req *idgatev1.BeginStepUpRequest) (*idgatev1.BeginStepUpResponse, error) {
	c, err := s.stepups.BeginStepUp(ctx, req.GetPaymentIntentId(), req.GetCaptureOnPass(), req.GetReturnUrl())
	if err != nil {
		return nil, err
	}
	out := &idgatev1.BeginStepUpResponse{ChallengeId: c.ChallengeID, Method: c.Method, OptionsJson: c.JSON, ExpiresAt: timestamppb.New(c.ExpiresAt)}
	if c.Session != nil {
		out.VerificationSession = &idgatev1.VerificationSession{SessionId: c.Session.ID, ClientSecret: c.Session.ClientSecret, Url: c.Session.URL}
	}
	return out, nil
}

func (s *identityServer) FinishStepUp(ctx context.Context, req *idgatev1.FinishStepUpRequest) (*idgatev1.PaymentStepUp, error) {
	p, err := s.stepups.FinishStepUp(ctx, req.GetPaymentIntentId(), req.GetChallengeId(), req.GetAssertionJson())
	if err != nil {
		return nil, err
	}
	return paymentPB(p), nil
}

func (s *identityServer) CanCapture(ctx context.Context, req *idgatev1.CanCaptureRequest) (*idgatev1.CanCaptureResponse, error) {
	ok, reason, status, err := s.stepups.CanCapture(ctx, req.GetPaymentIntentId())
	if err != nil {
		return nil, err
	}
	return &idgatev1.CanCaptureResponse{Allowed: ok, Reason: reason, Status: status}, nil
}

func credentialPB(c *stepup.Credential) *idgatev1.Credential {
	out := &idgatev1.Credential{
		Id: c.ID, CustomerId: c.CustomerID, CredentialId: base64.RawURLEncoding.EncodeToString(c.CredentialID),
		Name: c.Name, AttestationType: c.AttestationType, Transports: c.Transports, SignCount: c.SignCount,
		CloneWarning: c.CloneWarning, BackupEligible: c.BackupEligible,
		CreatedAt: timestamppb.New(c.CreatedAt), LastUsedAt: ts(c.LastUsedAt), RevokedAt: ts(c.RevokedAt),
	}
	if id, err := uuid.FromBytes(c.Aaguid); err == nil {
		out.Aaguid = id.String()
	}
	return out
}

func paymentPB(p *stepup.Payment) *idgatev1.PaymentStepUp {
	return &idgatev1.PaymentStepUp{
		PaymentIntentId: p.ID, CustomerId: p.CustomerID, SubaccountId: p.SubaccountID,
		Amount: p.Amount, Currency: p.Currency, Payee: p.Payee, Required: p.Required, Reasons: p.Reasons,
		Status: p.Status, Method: p.Method, CredentialId: p.CredentialID, ChallengeId: p.ChallengeID,
		FailureReason: p.FailureReason, DecidedAt: ts(p.DecidedAt), MetadataWrittenAt: ts(p.MetadataWrittenAt),
		CaptureOnPass: p.CaptureOnPass, CapturedAt: ts(p.CapturedAt), CanceledAt: ts(p.CanceledAt),
	}
}
