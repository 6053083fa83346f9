package server

import (
	"context"

	"google.golang.org/protobuf/types/known/timestamppb"

	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
	"github.com/idgate/idgate/internal/identity"
	"github.com/idgate/idgate/internal/tenant"
)

type riskServer struct {
	idgatev1.UnimplementedRiskServiceServer
	subaccounts *tenant.Service
	customers   *identity.Service
}

var _ idgatev1.RiskServiceServer = (*riskServer)(nil)

func (s *riskServer) CreateSubaccount(ctx context.Context, req *idgatev1.CreateSubaccountRequest) (*idgatev1.Subaccount, error) {
	sa, err := s.subaccounts.Create(ctx, tenant.Changes{
		Name:          &req.Name,
		Mode:          &req.IdentityVerificationMode,
		RiskThreshold: intPtr(req.IdentityVerificationRiskThreshold),
		MaxAttempts:   intPtr(req.MaxVerificationAttempts),

		RequireMatchingSelfie: req.RequireMatchingSelfie,
		RequireLiveCapture:    req.RequireLiveCapture,
		RequireIDNumber:       req.RequireIdNumber,
		AllowedTypes:          req.AllowedDocumentTypes,
	})
	if err != nil {
		return nil, err
	}
	return subaccountPB(sa), nil
}

func (s *riskServer) GetSubaccount(ctx context.Context, req *idgatev1.GetSubaccountRequest) (*idgatev1.Subaccount, error) {
	sa, err := s.subaccounts.Get(ctx, req.GetId())
	if err != nil {
		return nil, err
	}
	return subaccountPB(sa), nil
}

func (s *riskServer) UpdateSubaccount(ctx context.Context, req *idgatev1.UpdateSubaccountRequest) (*idgatev1.Subaccount, error) {
	sa, err := s.subaccounts.Update(ctx, req.GetId(), tenant.Changes{
		Name:          req.Name,
		Mode:          req.IdentityVerificationMode,
		RiskThreshold: intPtr(req.IdentityVerificationRiskThreshold),
		MaxAttempts:   intPtr(req.MaxVerificationAttempts),

		RequireMatchingSelfie: req.RequireMatchingSelfie,
		RequireLiveCapture:    req.RequireLiveCapture,
		RequireIDNumber:       req.RequireIdNumber,
		AllowedTypes:          req.AllowedDocumentTypes,
	})
	if err != nil {
		return nil, err
	}
	return subaccountPB(sa), nil
}

func (s *riskServer) RecordPaymentRisk(ctx context.Context, req *idgatev1.RecordPaymentRiskRequest) (*idgatev1.RecordPaymentRiskResponse, error) {
	r, err := s.customers.RecordPaymentRisk(ctx, req.GetCustomerId(), identity.PaymentRisk{
		ChargeID: req.GetChargeId(), RiskLevel: req.GetRiskLevel(), RadarScore: intPtr(req.RiskScore),
	})
	if err != nil {
		return nil, err
	}
	id := r.Customer.Identity
	out := &idgatev1.RecordPaymentRiskResponse{
		Recorded:                           r.Recorded,
		IdentityVerificationRequired:       id.Required,
		IdentityVerificationRequiredReason: id.RequiredReason,
	}
	if id.RiskScore != nil {
		out.StripeRiskScore = int32(*id.RiskScore)
	}
	return out, nil
}

func subaccountPB(sa tenant.Subaccount) *idgatev1.Subaccount {
	return &idgatev1.Subaccount{
		Id:                                sa.ID,
		Name:                              sa.Name,
		IdentityVerificationMode:          string(sa.Mode),
		IdentityVerificationRiskThreshold: int32(sa.RiskThreshold),
		MaxVerificationAttempts:           int32(sa.MaxAttempts),
		CreatedAt:                         timestamppb.New(sa.CreatedAt),
		UpdatedAt:                         timestamppb.New(sa.UpdatedAt),
		RequireMatchingSelfie:             sa.Documents.RequireMatchingSelfie,
		RequireLiveCapture:                sa.Documents.RequireLiveCapture,
		RequireIdNumber:                   sa.Documents.RequireIDNumber,
		AllowedDocumentTypes:              sa.Documents.AllowedTypes,
	}
}

func intPtr(v *int32) *int {
	if v == nil {
		return nil
	}
	n := int(*v)
	return &n
}
