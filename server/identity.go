package server

import (
	"context"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
	"github.com/idgate/idgate/internal/identity"
	"github.com/idgate/idgate/internal/stepup"
	"github.com/idgate/idgate/internal/webhook"
)

type identityServer struct {
	idgatev1.UnimplementedIdentityServiceServer
	customers *identity.Service
	stepups   *stepup.Service
	intake    *webhook.Intake
}

var _ idgatev1.IdentityServiceServer = (*identityServer)(nil)

func (s *identityServer) CreateCustomer(ctx context.Context, req *idgatev1.CreateCustomerRequest) (*idgatev1.Customer, error) {
	c, _, err := s.customers.CreateCustomer(ctx, identity.NewCustomer{
		SubaccountID:     req.GetSubaccountId(),
		ExternalID:       req.GetExternalId(),
		StripeCustomerID: req.GetStripeCustomerId(),
		Email:            req.GetEmail(),
		Phone:            req.GetPhone(),
	})
	return customerPB(c, err)
}

func (s *identityServer) GetCustomer(ctx context.Context, req *idgatev1.GetCustomerRequest) (*idgatev1.Customer, error) {
	return customerPB(s.customers.GetCustomer(ctx, req.GetId()))
}

func (s *identityServer) ListCustomers(ctx context.Context, req *idgatev1.ListCustomersRequest) (*idgatev1.ListCustomersResponse, error) {
	f := identity.CustomerFilter{
		Required: req.IdentityVerificationRequired, Status: req.GetIdentityStatus(), SubaccountID: req.GetSubaccountId(), Query: req.GetQuery(),
		OrderBy: req.GetOrderBy(), PageSize: int(req.GetPageSize()), PageToken: req.GetPageToken(),
	}
	if req.GetFlaggedBefore() != nil {
		f.FlaggedBefore = req.GetFlaggedBefore().AsTime()
	}
	cs, next, err := s.customers.ListCustomers(ctx, f)
	if err != nil {
		return nil, err
	}
	out := &idgatev1.ListCustomersResponse{NextPageToken: next, Customers: make([]*idgatev1.Customer, len(cs))}
	for i, c := range cs {
		out.Customers[i], _ = customerPB(c, nil)
	}
	return out, nil
}

func (s *identityServer) CreateVerificationSession(ctx context.Context, req *idgatev1.CreateVerificationSessionRequest) (*idgatev1.VerificationSession, error) {
	vs, err := s.customers.CreateVerificationSession(ctx, req.GetCustomerId(), req.GetReturnUrl())
	if err != nil {
		return nil, err
	}
	return &idgatev1.VerificationSession{SessionId: vs.ID, ClientSecret: vs.ClientSecret, Url: vs.URL, Reused: vs.Reused, Attempt: int32(vs.Attempt)}, nil
}

func (s *identityServer) CheckAccess(ctx context.Context, req *idgatev1.CheckAccessRequest) (*idgatev1.CheckAccessResponse, error) {
	d, err := s.customers.CheckAccess(ctx, req.GetCustomerId(), req.GetAction())
	if err != nil {
		return nil, err
	}
	return &idgatev1.CheckAccessResponse{Allowed: d.Allowed, Reason: d.Reason, RequiredAction: d.RequiredAction, IdentityStatus: d.Status, Message: d.Message}, nil
}

func (s *identityServer) ClearRequirement(ctx context.Context, req *idgatev1.ClearRequirementRequest) (*idgatev1.Customer, error) {
	return customerPB(s.customers.ClearRequirement(ctx, req.GetId(), req.GetOperator(), req.GetNotes()))
}

func (s *identityServer) ManualVerify(ctx context.Context, req *idgatev1.ManualVerifyRequest) (*idgatev1.Customer, error) {
	return customerPB(s.customers.ManualVerify(ctx, req.GetId(), req.GetOperator(), req.GetNotes()))
}

func (s *identityServer) RequireVerification(ctx context.Context, req *idgatev1.RequireVerificationRequest) (*idgatev1.Customer, error) {
	return customerPB(s.customers.RequireVerification(ctx, req.GetId(), req.GetOperator(), req.GetReason()))
}

func (s *identityServer) RefreshFromStripe(ctx context.Context, req *idgatev1.RefreshFromStripeRequest) (*idgatev1.Customer, error) {
	return customerPB(s.customers.RefreshFromStripe(ctx, req.GetId()))
}

func (s *identityServer) RedactCustomerIdentity(ctx context.Context, req *idgatev1.RedactCustomerIdentityRequest) (*idgatev1.Customer, error) {
	return customerPB(s.customers.RedactCustomerIdentity(ctx, req.GetId()))
}

func (s *identityServer) SimulateVerificationOutcome(ctx context.Context, req *idgatev1.SimulateVerificationOutcomeRequest) (*idgatev1.SimulateVerificationOutcomeResponse, error) {
	id, err := s.customers.SimulateVerificationOutcome(ctx, s.intake, req.GetSessionId(), req.GetOutcome(), req.GetErrorCode())
	if err != nil {
		return nil, err
	}
	return &idgatev1.SimulateVerificationOutcomeResponse{EventId: id}, nil
}

func customerPB(c identity.Customer, err error) (*idgatev1.Customer, error) {
	if err != nil {
		return nil, err
	}
	id := c.Identity
	out := &idgatev1.Customer{
		Id:                                 c.ID,
		SubaccountId:                       c.SubaccountID,
		ExternalId:                         c.ExternalID,
		StripeCustomerId:                   c.StripeCustomerID,
		Email:                              c.Email,
		Phone:                              c.Phone,
		CreatedAt:                          timestamppb.New(c.CreatedAt),
		UpdatedAt:                          timestamppb.New(c.UpdatedAt),
		IdentityVerificationRequired:       id.Required,
		IdentityVerificationRequiredAt:     ts(id.RequiredAt),
		IdentityVerificationRequiredReason: id.RequiredReason,
		IdentityStatus:                     id.Status,
		IdentityVerifiedAt:                 ts(id.VerifiedAt),
		IdentitySessionId:                  id.SessionID,
		IdentityAttemptCount:               int32(id.AttemptCount),
		IdentityLastErrorCode:              id.LastErrorCode,
		IdentityGuidance:                   id.Guidance(),
		StripeRiskScore:                    int32Ptr(id.RiskScore),
		StripeRiskLevel:                    id.RiskLevel,
		StripeRadarRiskScore:               int32Ptr(id.RadarRiskScore),
		IdentityFirstName:                  id.FirstName,
		IdentityLastName:                   id.LastName,
		IdentityDob:                        id.DOB,
		IdentityIdType:                     id.IDType,
		IdentityIdNumberLast4:              id.IDNumberLast4,
		IdentityIssuingCountry:             id.IssuingCountry,
		IdentityExpirationDate:             id.ExpirationDate,
		IdentityManualVerification:         id.Manual,
		IdentityManualVerificationNotes:    id.ManualNotes,
		IdentityManualVerificationBy:       id.ManualBy,
		IdentityManualVerificationAt:       ts(id.ManualAt),
		IdentityRedactedAt:                 ts(id.RedactedAt),
	}
	if a := id.Address; a != nil {
		out.IdentityAddress = &idgatev1.Address{Line1: a.Line1, Line2: a.Line2, City: a.City, State: a.State, PostalCode: a.PostalCode, Country: a.Country}
	}
	return out, nil
}

func ts(t *time.Time) *timestamppb.Timestamp {
	if t == nil {
		return nil
	}
	return timestamppb.New(*t)
}

func int32Ptr(v *int) *int32 {
	if v == nil {
		return nil
	}
	n := int32(*v)
	return &n
}
