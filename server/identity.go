package server

import (
	"context"
	"time"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
	"github.com/idgate/idgate/internal/auth"
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
		Provided:         identity.Provided{FirstName: req.GetFirstName(), LastName: req.GetLastName(), DOB: req.GetDob()},
	})
	return customerFor(ctx)(c, err)
}

func (s *identityServer) RecordCustomerBiometricConsent(ctx context.Context, req *idgatev1.RecordCustomerBiometricConsentRequest) (*idgatev1.Customer, error) {
	return customerFor(ctx)(s.customers.RecordBiometricConsent(ctx, req.GetCustomerId(), identity.Consent{
		Granted: req.GetGranted(), IPAddress: req.GetIpAddress(), UserAgent: req.GetUserAgent(),
		LegalBasis: req.GetLegalBasis(), Country: req.GetCountry(),
	}))
}

func (s *identityServer) GetCustomer(ctx context.Context, req *idgatev1.GetCustomerRequest) (*idgatev1.Customer, error) {
	return customerFor(ctx)(s.customers.GetCustomer(ctx, req.GetId()))
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
	pb := customerFor(ctx)
	for i, c := range cs {
		out.Customers[i], _ = pb(c, nil)
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
	return &idgatev1.CheckAccessResponse{Allowed: d.Allowed, Reason: d.Reason, RequiredAction: d.RequiredAction, IdentityStatus: d.Status, Message: d.Message,
		RetryAllowed: d.RetryAllowed, OperatorAction: d.OperatorAction}, nil
}

func (s *identityServer) ClearRequirement(ctx context.Context, req *idgatev1.ClearRequirementRequest) (*idgatev1.Customer, error) {
	return customerFor(ctx)(s.customers.ClearRequirement(ctx, req.GetId(), req.GetOperator(), req.GetNotes()))
}

func (s *identityServer) ManualVerify(ctx context.Context, req *idgatev1.ManualVerifyRequest) (*idgatev1.Customer, error) {
	return customerFor(ctx)(s.customers.ManualVerify(ctx, req.GetId(), req.GetOperator(), req.GetNotes()))
}

func (s *identityServer) RequireVerification(ctx context.Context, req *idgatev1.RequireVerificationRequest) (*idgatev1.Customer, error) {
	return customerFor(ctx)(s.customers.RequireVerification(ctx, req.GetId(), req.GetOperator(), req.GetReason()))
}

func (s *identityServer) RefreshFromStripe(ctx context.Context, req *idgatev1.RefreshFromStripeRequest) (*idgatev1.Customer, error) {
	return customerFor(ctx)(s.customers.RefreshFromStripe(ctx, req.GetId()))
}

func (s *identityServer) RedactCustomerIdentity(ctx context.Context, req *idgatev1.RedactCustomerIdentityRequest) (*idgatev1.Customer, error) {
	return customerFor(ctx)(s.customers.RedactCustomerIdentity(ctx, req.GetId()))
}

func (s *identityServer) RevealCustomerIdentity(ctx context.Context, req *idgatev1.RevealCustomerIdentityRequest) (*idgatev1.Customer, error) {
	c, err := s.customers.RevealIdentity(ctx, req.GetId(), req.GetReason())
	if err != nil {
		return nil, err
	}
	return customerProto(c), nil
}

func (s *identityServer) SimulateVerificationOutcome(ctx context.Context, req *idgatev1.SimulateVerificationOutcomeRequest) (*idgatev1.SimulateVerificationOutcomeResponse, error) {
	id, err := s.customers.SimulateVerificationOutcome(ctx, s.intake, req.GetSessionId(), req.GetOutcome(), req.GetErrorCode())
	if err != nil {
		return nil, err
	}
	return &idgatev1.SimulateVerificationOutcomeResponse{EventId: id}, nil
}

// maskedCustomerFields are the verified identity data withheld from people until they
// reveal it (auth.Actor.SeesPersonalData). Every personal field of a customer is either
// here or in shownCustomerFields (server/sessions_test.go checks against ent.PersonalFields).
var maskedCustomerFields = []protoreflect.Name{
	"identity_first_name", "identity_last_name", "identity_dob", "identity_address",
	"identity_id_number_last4", "identity_expiration_date", "first_name", "last_name", "dob",
}

// shownCustomerFields are personal fields people see: contact details (operators contact
// customers), the document's type and country (what was checked, not who), and the
// operators' own notes.
var shownCustomerFields = []protoreflect.Name{
	"email", "phone", "identity_id_type", "identity_issuing_country", "identity_manual_verification_notes",
}

// customerFor translates customers for the caller in ctx, masked unless it may read
// personal data: every RPC that returns a Customer but RevealCustomerIdentity goes through
// it. It takes a domain call's results as they are: customerFor(ctx)(s.customers.Get(...)).
func customerFor(ctx context.Context) func(identity.Customer, error) (*idgatev1.Customer, error) {
	sees := auth.ActorFrom(ctx).SeesPersonalData()
	return func(c identity.Customer, err error) (*idgatev1.Customer, error) {
		if err != nil {
			return nil, err
		}
		out := customerProto(c)
		if !sees {
			maskCustomer(out)
		}
		return out, nil
	}
}

func maskCustomer(c *idgatev1.Customer) {
	m := c.ProtoReflect()
	for _, name := range maskedCustomerFields {
		m.Clear(m.Descriptor().Fields().ByName(name))
	}
	c.PersonalDataMasked = true
}

// customerProto is the whole customer; callers other than customerFor must be entitled to it.
func customerProto(c identity.Customer) *idgatev1.Customer {
	id := c.Identity
	advice := id.Advice()
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
		IdentityRetryAllowed:               advice.RetryAllowed,
		IdentityOperatorAction:             advice.OperatorAction,
		IdentityVerificationPath:           string(id.Path),
		FirstName:                          c.Provided.FirstName,
		LastName:                           c.Provided.LastName,
		Dob:                                c.Provided.DOB,
	}
	if r := id.Consent; r != nil {
		out.BiometricConsentRecord = &idgatev1.CustomerBiometricConsent{Granted: r.Granted, RecordedAt: timestamppb.New(r.RecordedAt),
			Country: r.Country, LegalBasis: r.LegalBasis, VerificationSessionId: r.SessionID}
	}
	if a := id.Address; a != nil {
		out.IdentityAddress = &idgatev1.Address{Line1: a.Line1, Line2: a.Line2, City: a.City, State: a.State, PostalCode: a.PostalCode, Country: a.Country}
	}
	return out
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
