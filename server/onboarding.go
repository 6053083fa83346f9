package server

import (
	"context"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/kyc"
	"github.com/idgate/idgate/internal/onboarding"
)

type onboardingServer struct {
	idgatev1.UnimplementedConnectOnboardingServiceServer
	merchants *onboarding.Service
}

var _ idgatev1.ConnectOnboardingServiceServer = (*onboardingServer)(nil)

func (s *onboardingServer) CreateMerchant(ctx context.Context, req *idgatev1.CreateMerchantRequest) (*idgatev1.Merchant, error) {
	return merchantPB(s.merchants.CreateMerchant(ctx, onboarding.NewMerchant{
		SubaccountID: req.GetSubaccountId(), ExternalID: req.GetExternalId(), Country: req.GetCountry(),
		BusinessType: req.GetBusinessType(), Email: req.GetEmail(), HighRisk: req.GetHighRisk(),
	}))
}

func (s *onboardingServer) GetMerchant(ctx context.Context, req *idgatev1.GetMerchantRequest) (*idgatev1.Merchant, error) {
	return merchantPB(s.merchants.GetMerchant(ctx, req.GetId()))
}

func (s *onboardingServer) ListMerchants(ctx context.Context, req *idgatev1.ListMerchantsRequest) (*idgatev1.ListMerchantsResponse, error) {
	ms, next, err := s.merchants.ListMerchants(ctx, onboarding.MerchantFilter{
		NextAction: req.GetNextAction(), KYCStatus: req.GetKycStatus(), ChargesEnabled: req.ChargesEnabled,
		SubaccountID: req.GetSubaccountId(), Tier: int(req.GetTier()), PageSize: int(req.GetPageSize()), PageToken: req.GetPageToken(),
	})
	if err != nil {
		return nil, err
	}
	out := &idgatev1.ListMerchantsResponse{NextPageToken: next, Merchants: make([]*idgatev1.Merchant, len(ms))}
	for i, m := range ms {
		out.Merchants[i], _ = merchantPB(m, nil)
	}
	return out, nil
}

func (s *onboardingServer) StartDatabaseKYC(ctx context.Context, req *idgatev1.StartDatabaseKYCRequest) (*idgatev1.Merchant, error) {
	a := req.GetAddress()
	return merchantPB(s.merchants.StartDatabaseKYC(ctx, req.GetMerchantId(), onboarding.PersonData{
		FirstName: req.GetFirstName(), LastName: req.GetLastName(), DOB: req.GetDob(), SSNLast4: req.GetSsnLast4(),
		BusinessLegalName: req.GetBusinessLegalName(), BusinessEIN: req.GetBusinessEin(),
		Address: kyc.Address{Line1: a.GetLine1(), City: a.GetCity(), State: a.GetState(), PostalCode: a.GetPostalCode()},
	}))
}

func (s *onboardingServer) SubmitFullSSN(ctx context.Context, req *idgatev1.SubmitFullSSNRequest) (*idgatev1.Merchant, error) {
	return merchantPB(s.merchants.SubmitFullSSN(ctx, req.GetMerchantId(), req.GetSsn()))
}

func (s *onboardingServer) RecordBiometricConsent(ctx context.Context, req *idgatev1.RecordBiometricConsentRequest) (*idgatev1.Merchant, error) {
	return merchantPB(s.merchants.RecordBiometricConsent(ctx, req.GetMerchantId(), onboarding.Consent{
		Granted: req.GetGranted(), IPAddress: req.GetIpAddress(), UserAgent: req.GetUserAgent(), LegalBasis: req.GetLegalBasis(),
	}))
}

func (s *onboardingServer) WithdrawBiometricConsent(ctx context.Context, req *idgatev1.WithdrawBiometricConsentRequest) (*idgatev1.Merchant, error) {
	return merchantPB(s.merchants.WithdrawBiometricConsent(ctx, req.GetMerchantId()))
}

func (s *onboardingServer) StartDocumentVerification(ctx context.Context, req *idgatev1.StartDocumentVerificationRequest) (*idgatev1.VerificationSession, error) {
	vs, err := s.merchants.StartDocumentVerification(ctx, req.GetMerchantId(), req.GetReturnUrl())
	if err != nil {
		return nil, err
	}
	return &idgatev1.VerificationSession{SessionId: vs.ID, ClientSecret: vs.ClientSecret, Url: vs.URL, Reused: vs.Reused, Attempt: int32(vs.Attempt)}, nil
}

func (s *onboardingServer) GetVerificationCostReport(ctx context.Context, req *idgatev1.GetVerificationCostReportRequest) (*idgatev1.VerificationCostReport, error) {
	if req.GetFrom() == nil {
		return nil, apperr.Invalid("from", "is required")
	}
	var until time.Time
	if req.GetUntil() != nil {
		until = req.GetUntil().AsTime()
	}
	r, err := s.merchants.GetVerificationCostReport(ctx, req.GetFrom().AsTime(), until, req.GetCountryGroup())
	if err != nil {
		return nil, err
	}
	out := &idgatev1.VerificationCostReport{
		Merchants: int32(r.Merchants), TotalCents: int64(r.TotalCents),
		CentsPerMerchant: r.CentsPerMerchant, CentsPer_1000Merchants: r.CentsPer1000Merchants,
	}
	for _, t := range r.Tiers {
		out.Tiers = append(out.Tiers, &idgatev1.TierCost{Tier: int32(t.Tier), Checks: int32(t.Checks), Successes: int32(t.Successes), SuccessRate: t.SuccessRate, CostCents: int64(t.CostCents)})
	}
	return out, nil
}

func merchantPB(m onboarding.Merchant, err error) (*idgatev1.Merchant, error) {
	if err != nil {
		return nil, err
	}
	q := m.Requirements
	out := &idgatev1.Merchant{
		Id: m.ID, SubaccountId: m.SubaccountID, ExternalId: m.ExternalID, StripeAccountId: m.StripeAccountID,
		Country: m.Country, BusinessType: m.BusinessType, HighRisk: m.HighRisk, Route: m.Route, Tier: int32(m.Tier),
		ChargesEnabled: m.ChargesEnabled, PayoutsEnabled: m.PayoutsEnabled, Capabilities: m.Capabilities,
		NextAction: m.NextAction, BiometricConsent: m.Consent, KycStatus: m.KYCStatus, CreatedAt: timestamppb.New(m.CreatedAt), UpdatedAt: timestamppb.New(m.UpdatedAt),
		Requirements: &idgatev1.AccountRequirements{
			CurrentlyDue: q.CurrentlyDue, EventuallyDue: q.EventuallyDue, PastDue: q.PastDue,
			PendingVerification: q.PendingVerification, DisabledReason: q.DisabledReason,
		},
	}
	if q.CurrentDeadline > 0 {
		out.Requirements.CurrentDeadline = timestamppb.New(time.Unix(q.CurrentDeadline, 0))
	}
	for _, e := range q.Errors {
		out.Requirements.Errors = append(out.Requirements.Errors, &idgatev1.RequirementError{Code: e.Code, Reason: e.Reason, Requirement: e.Requirement})
	}
	for _, p := range m.Persons {
		out.Persons = append(out.Persons, &idgatev1.MerchantPerson{Id: p.ID, VerificationStatus: p.VerificationStatus, DetailsCode: p.DetailsCode})
	}
	if c := m.ConsentRecord; c != nil {
		out.BiometricConsentRecord = &idgatev1.BiometricConsentRecord{Granted: c.Granted, RecordedAt: timestamppb.New(c.RecordedAt), Country: c.Country, LegalBasis: c.LegalBasis}
		if c.WithdrawnAt != nil {
			out.BiometricConsentRecord.WithdrawnAt = timestamppb.New(*c.WithdrawnAt)
		}
	}
	for _, c := range m.Checks {
		out.Checks = append(out.Checks, &idgatev1.KycCheck{Id: c.ID, Tier: int32(c.Tier), Provider: c.Provider, Outcome: c.Outcome, CostCents: int64(c.CostCents), At: timestamppb.New(c.At)})
	}
	return out, nil
}
