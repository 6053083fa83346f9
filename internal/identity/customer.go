// Package identity holds customers (riders, buyers) and their identity-verification state.
package identity

import (
	"context"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/ent/customer"
	"github.com/idgate/idgate/ent/subaccount"
	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/store"
)

// Customer is a person of a subaccount who may have to verify.
type Customer struct {
	ID               string
	SubaccountID     string
	ExternalID       string
	StripeCustomerID string
	Email            string
	Phone            string
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// NewCustomer is what a platform supplies to register a customer.
type NewCustomer struct {
	SubaccountID     string
	ExternalID       string
	StripeCustomerID string
	Email            string
	Phone            string
}

var (
	stripeCustomerID = regexp.MustCompile(`^cus_[A-Za-z0-9]{1,64}$`)
	e164             = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
)

// Validate checks every field, naming the first that is wrong. Messages never repeat the
// value: it may be personal data.
func (n NewCustomer) Validate() error {
	switch {
	case n.SubaccountID == "":
		return apperr.Invalid("subaccount_id", "is required")
	case n.ExternalID == "":
		return apperr.Invalid("external_id", "is required")
	case len(n.ExternalID) > 255 || !utf8.ValidString(n.ExternalID) || strings.IndexFunc(n.ExternalID, unicode.IsControl) >= 0:
		return apperr.Invalid("external_id", "must be at most 255 bytes of printable UTF-8")
	case n.StripeCustomerID != "" && !stripeCustomerID.MatchString(n.StripeCustomerID):
		return apperr.Invalid("stripe_customer_id", "must be a Stripe customer id (cus_...)")
	case n.Phone != "" && !e164.MatchString(n.Phone):
		return apperr.Invalid("phone", "must be in E.164 form, e.g. +14155550123")
	}
	if n.Email != "" {
		a, err := mail.ParseAddress(n.Email)
		if err != nil || a.Address != n.Email || len(n.Email) > 254 {
			return apperr.Invalid("email", "must be a plain address such as rider@example.com")
		}
	}
	return nil
}

// Service registers and reads customers.
type Service struct{ store *store.Store }

// NewService returns a Service.
func NewService(st *store.Store) *Service { return &Service{store: st} }

// CreateCustomer registers a customer. It is idempotent on (subaccount, external id): the
// same details again return the existing customer with created=false; different details
// for an existing external id are a conflict.
func (s *Service) CreateCustomer(ctx context.Context, n NewCustomer) (c Customer, created bool, err error) {
	if err := n.Validate(); err != nil {
		return Customer{}, false, err
	}
	if c, found, err := s.existing(ctx, n); found || err != nil {
		return c, false, err
	}
	create := s.store.Ent.Customer.Create().
		SetID(store.NewID("cust")).
		SetSubaccountID(n.SubaccountID).
		SetExternalID(n.ExternalID).
		SetEmail(n.Email).
		SetPhone(n.Phone)
	if n.StripeCustomerID != "" {
		create.SetStripeCustomerID(n.StripeCustomerID)
	}
	row, err := create.Save(ctx)
	switch {
	case err == nil:
		return fromRow(row), true, nil
	case ent.IsConstraintError(err):
		// Either a concurrent create of the same customer won the race, or the subaccount or
		// Stripe customer id is the problem: tell which.
		if c, found, err := s.existing(ctx, n); found || err != nil {
			return c, false, err
		}
		if ok, err := s.store.Ent.Subaccount.Query().Where(subaccount.ID(n.SubaccountID)).Exist(ctx); err == nil && !ok {
			return Customer{}, false, apperr.NotFound("subaccount %s not found", n.SubaccountID)
		}
		return Customer{}, false, apperr.Conflict("stripe_customer_id is already linked to another customer")
	default:
		return Customer{}, false, store.MapError(err, "customer")
	}
}

// existing returns the customer already registered under n's external id, if any, or a
// conflict when its details differ from n's.
func (s *Service) existing(ctx context.Context, n NewCustomer) (Customer, bool, error) {
	row, err := s.store.Ent.Customer.Query().
		Where(customer.SubaccountID(n.SubaccountID), customer.ExternalID(n.ExternalID)).
		Only(ctx)
	if ent.IsNotFound(err) {
		return Customer{}, false, nil
	}
	if err != nil {
		return Customer{}, false, store.MapError(err, "customer")
	}
	c := fromRow(row)
	if c.StripeCustomerID != n.StripeCustomerID || c.Email != n.Email || c.Phone != n.Phone {
		return Customer{}, false, apperr.Conflict("customer %s already has external_id in this subaccount with different details; update it instead", c.ID)
	}
	return c, true, nil
}

// GetCustomer returns one customer.
func (s *Service) GetCustomer(ctx context.Context, id string) (Customer, error) {
	if id == "" {
		return Customer{}, apperr.Invalid("id", "is required")
	}
	row, err := s.store.Reader.Customer.Get(ctx, id)
	if err != nil {
		return Customer{}, store.MapError(err, "customer "+id)
	}
	return fromRow(row), nil
}

func fromRow(r *ent.Customer) Customer {
	c := Customer{
		ID: r.ID, SubaccountID: r.SubaccountID, ExternalID: r.ExternalID,
		Email: r.Email, Phone: r.Phone, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
	if r.StripeCustomerID != nil {
		c.StripeCustomerID = *r.StripeCustomerID
	}
	return c
}
