package server

import (
	"context"

	"google.golang.org/protobuf/types/known/timestamppb"

	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
	"github.com/idgate/idgate/internal/identity"
)

type identityServer struct {
	idgatev1.UnimplementedIdentityServiceServer
	customers *identity.Service
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
	if err != nil {
		return nil, err
	}
	return customerPB(c), nil
}

func (s *identityServer) GetCustomer(ctx context.Context, req *idgatev1.GetCustomerRequest) (*idgatev1.Customer, error) {
	c, err := s.customers.GetCustomer(ctx, req.GetId())
	if err != nil {
		return nil, err
	}
	return customerPB(c), nil
}

func customerPB(c identity.Customer) *idgatev1.Customer {
	return &idgatev1.Customer{
		Id:               c.ID,
		SubaccountId:     c.SubaccountID,
		ExternalId:       c.ExternalID,
		StripeCustomerId: c.StripeCustomerID,
		Email:            c.Email,
		Phone:            c.Phone,
		CreatedAt:        timestamppb.New(c.CreatedAt),
		UpdatedAt:        timestamppb.New(c.UpdatedAt),
	}
}
