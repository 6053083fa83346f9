package server

import (
	"context"

	"google.golang.org/protobuf/types/known/timestamppb"

	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
	"github.com/idgate/idgate/internal/tenant"
)

type riskServer struct {
	idgatev1.UnimplementedRiskServiceServer
	subaccounts *tenant.Service
}

var _ idgatev1.RiskServiceServer = (*riskServer)(nil)

func (s *riskServer) CreateSubaccount(ctx context.Context, req *idgatev1.CreateSubaccountRequest) (*idgatev1.Subaccount, error) {
	sa, err := s.subaccounts.Create(ctx, tenant.Changes{
		Name:          &req.Name,
		Mode:          &req.IdentityVerificationMode,
		RiskThreshold: intPtr(req.IdentityVerificationRiskThreshold),
		MaxAttempts:   intPtr(req.MaxVerificationAttempts),
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
	})
	if err != nil {
		return nil, err
	}
	return subaccountPB(sa), nil
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
	}
}

func intPtr(v *int32) *int {
	if v == nil {
		return nil
	}
	n := int(*v)
	return &n
}
