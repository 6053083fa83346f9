package server

import (
	"context"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
	"github.com/idgate/idgate/internal/identity"
	"github.com/idgate/idgate/internal/risk"
	"github.com/idgate/idgate/internal/tenant"
)

type riskServer struct {
	idgatev1.UnimplementedRiskServiceServer
	subaccounts *tenant.Service
	customers   *identity.Service
	signals     *risk.Service
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
		StepUp:                stepUpPolicy(req.StepupPolicy),
		NonBiometric:          req.NonBiometricAlternative,
		VerificationFlow:      req.VerificationFlow,
		ReviewDetailsMismatch: req.ReviewProvidedDetailsMismatch,
	})
	if err != nil {
		return nil, err
	}
	return subaccountPB(sa), nil
}

func (s *riskServer) ListSubaccounts(ctx context.Context, req *idgatev1.ListSubaccountsRequest) (*idgatev1.ListSubaccountsResponse, error) {
	subs, next, err := s.subaccounts.List(ctx, int(req.GetPageSize()), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &idgatev1.ListSubaccountsResponse{NextPageToken: next, Subaccounts: make([]*idgatev1.Subaccount, len(subs))}
	for i, sa := range subs {
		out.Subaccounts[i] = subaccountPB(sa)
	}
	return out, nil
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
		StepUp:                stepUpPolicy(req.StepupPolicy),
		NonBiometric:          req.NonBiometricAlternative,
		VerificationFlow:      req.VerificationFlow,
		ReviewDetailsMismatch: req.ReviewProvidedDetailsMismatch,
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

func (s *riskServer) RecordPhoneLookup(ctx context.Context, req *idgatev1.RecordPhoneLookupRequest) (*idgatev1.RiskProfile, error) {
	p, err := s.signals.RecordPhoneLookup(ctx, req.GetCustomerId(), risk.Phone{
		Type: req.GetPhoneType(), Carrier: req.GetPhoneCarrier(), Prepaid: req.GetPhoneIsPrepaid(),
		RecentlyPorted: req.GetPhoneRecentlyPorted(), RiskScore: intPtr(req.PhoneRiskScore), Country: req.GetPhoneCountry(),
	})
	if err != nil {
		return nil, err
	}
	return riskProfilePB(p), nil
}

func (s *riskServer) RecordSignupLocation(ctx context.Context, req *idgatev1.RecordSignupLocationRequest) (*idgatev1.RiskProfile, error) {
	p, err := s.signals.RecordSignupLocation(ctx, req.GetCustomerId(), risk.Location{
		IP: req.GetSignupIp(), City: req.GetSignupIpCity(), Region: req.GetSignupIpRegion(), Country: req.GetSignupIpCountry(),
		IPLat: req.SignupIpLatitude, IPLon: req.SignupIpLongitude, GPSLat: req.SignupLatitude, GPSLon: req.SignupLongitude,
		AccuracyM: intPtr(req.SignupLocationAccuracy), VPN: req.GetSignupVpn(), Proxy: req.GetSignupProxy(),
	})
	if err != nil {
		return nil, err
	}
	return riskProfilePB(p), nil
}

func (s *riskServer) GetRiskProfile(ctx context.Context, req *idgatev1.GetRiskProfileRequest) (*idgatev1.RiskProfile, error) {
	p, err := s.signals.GetRiskProfile(ctx, req.GetCustomerId())
	if err != nil {
		return nil, err
	}
	return riskProfilePB(p), nil
}

func (s *riskServer) SimulatePolicy(ctx context.Context, req *idgatev1.SimulatePolicyRequest) (*idgatev1.SimulatePolicyResponse, error) {
	r, err := s.signals.SimulatePolicy(ctx, req.GetSubaccountId(), risk.Proposal{
		Mode: req.GetMode(), Threshold: int(req.GetThreshold()), CostCents: intPtr(req.CostPerVerificationCents),
	})
	if err != nil {
		return nil, err
	}
	return &idgatev1.SimulatePolicyResponse{
		Customers: int32(r.Customers), Scored: int32(r.Scored), Flagged: int32(r.Flagged),
		NewlyFlagged: int32(r.NewlyFlagged), NoLongerFlagged: int32(r.NoLongerFlagged),
		AlreadyVerified: int32(r.AlreadyVerified), VerificationsNeeded: int32(r.VerificationsNeeded),
		EstimatedCostCents:  r.EstimatedCostCents,
		FraudWarningsCaught: int32(r.FraudWarningsCaught), FraudWarningsMissed: int32(r.FraudWarningsMissed),
	}, nil
}

func riskProfilePB(p risk.Profile) *idgatev1.RiskProfile {
	out := &idgatev1.RiskProfile{
		CustomerId: p.CustomerID, SubaccountId: p.SubaccountID,
		StripeRiskScore: int32Ptr(p.RiskScore), StripeRiskLevel: p.RiskLevel, StripeRadarRiskScore: int32Ptr(p.RadarRiskScore),
		IdentityStatus: p.IdentityStatus,
	}
	if ph := p.Phone; ph != nil {
		out.Phone = &idgatev1.PhoneSignals{
			PhoneType: ph.Type, PhoneCarrier: ph.Carrier, PhoneIsPrepaid: ph.Prepaid, PhoneRecentlyPorted: ph.RecentlyPorted,
			PhoneRiskScore: int32Ptr(ph.RiskScore), PhoneCountry: ph.Country, RecordedAt: timestamppb.New(ph.RecordedAt),
		}
	}
	if l := p.Location; l != nil {
		out.Location = &idgatev1.LocationSignals{
			SignupIpCity: l.City, SignupIpRegion: l.Region, SignupIpCountry: l.Country, SignupVpn: l.VPN, SignupProxy: l.Proxy,
			SignupLocationAccuracy: int32Ptr(l.AccuracyM), IpGpsDistanceKm: l.DistanceKm, RecordedAt: timestamppb.New(l.RecordedAt),
		}
	}
	for _, ind := range p.Indicators {
		out.Indicators = append(out.Indicators, &idgatev1.RiskIndicator{Code: ind.Code, Detail: ind.Detail})
	}
	for _, f := range p.Flags {
		flag := &idgatev1.RiskFlag{Kind: f.Kind, Reason: f.Reason}
		if f.Since != nil {
			flag.Since = timestamppb.New(*f.Since)
		}
		out.Flags = append(out.Flags, flag)
	}
	return out
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
		NonBiometricAlternative:           string(sa.NonBiometric),
		VerificationFlow:                  sa.VerificationFlow,
		ReviewProvidedDetailsMismatch:     sa.ReviewDetailsMismatch,
		StepupPolicy: &idgatev1.StepUpPolicy{
			AmountThresholds: sa.StepUp.AmountThresholds, RiskThreshold: int32(sa.StepUp.RiskThreshold),
			OnFraudWarning: &sa.StepUp.OnFraudWarning, Fallback: sa.StepUp.Fallback, CancelOnFailure: sa.StepUp.CancelOnFailure,
			ChallengeTtlSeconds:            int32(sa.StepUp.ChallengeTTL / time.Second),
			EnrollmentRequiresVerification: sa.StepUp.EnrollmentRequiresVerification,
		},
	}
}

func stepUpPolicy(p *idgatev1.StepUpPolicy) *tenant.StepUpPolicy {
	if p == nil {
		return nil
	}
	return &tenant.StepUpPolicy{
		AmountThresholds: p.AmountThresholds, RiskThreshold: int(p.RiskThreshold), OnFraudWarning: p.OnFraudWarning == nil || *p.OnFraudWarning,
		Fallback: p.Fallback, CancelOnFailure: p.CancelOnFailure,
		ChallengeTTL:                   time.Duration(p.ChallengeTtlSeconds) * time.Second,
		EnrollmentRequiresVerification: p.EnrollmentRequiresVerification,
	}
}

func intPtr(v *int32) *int {
	if v == nil {
		return nil
	}
	n := int(*v)
	return &n
}
