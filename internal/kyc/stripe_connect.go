package kyc

import (
	"context"
	"fmt"

	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/stripe"
)

// ConnectPersons is the part of Stripe the Connect provider uses.
type ConnectPersons interface {
	CreatePerson(ctx context.Context, account string, p stripe.PersonParams, idempotencyKey string) (string, error)
	UpdatePerson(ctx context.Context, account, person string, p stripe.PersonParams, idempotencyKey string) error
	UpdateAccountCompany(ctx context.Context, account, name, taxID, idempotencyKey string) error
}

// StripeConnect is Stripe Connect's own verification as a database-KYC provider, for
// platforms without a Trulioo contract: the data is submitted to the merchant's Connect
// account (company name and EIN, then the representative as a person) and Stripe verifies
// it. The answer is asynchronous: Verify returns Pending with the person's id as the
// transaction, and person.updated's verification.status completes the check.
type StripeConnect struct{ stripe ConnectPersons }

// NewStripeConnect returns the provider.
func NewStripeConnect(sc ConnectPersons) *StripeConnect { return &StripeConnect{stripe: sc} }

// Name is the provider's registry name.
func (*StripeConnect) Name() string { return "stripe_connect" }

// Verify submits r to the Connect account. Every call is idempotent on r.Reference, so the
// Stripe client's retries, and a repeat of the attempt under the same reference, never
// create a second person: its errors are Unbilled.
func (c *StripeConnect) Verify(ctx context.Context, r Request) (Result, error) {
	res, err := c.submit(ctx, r)
	if err != nil {
		return Result{}, &Unbilled{Err: err}
	}
	return res, nil
}

func (c *StripeConnect) submit(ctx context.Context, r Request) (Result, error) {
	if r.ConnectAccount == "" {
		return Result{}, apperr.FailedPrecondition("the merchant has no Connect account yet: create it (CreateMerchant) before database KYC")
	}
	key := "kyc:" + r.Reference
	if b := r.Business; b != nil {
		if err := c.stripe.UpdateAccountCompany(ctx, r.ConnectAccount, b.LegalName, b.TaxID, key+":company"); err != nil {
			return Result{}, err
		}
	}
	p := stripe.PersonParams{
		FirstName: r.FirstName, LastName: r.LastName,
		Address:        &stripe.Address{Line1: r.Address.Line1, City: r.Address.City, State: r.Address.State, PostalCode: r.Address.PostalCode, Country: r.Country},
		Representative: true, Owner: r.Individual,
	}
	if r.DOB.Year != 0 {
		p.DOB = fmt.Sprintf("%04d-%02d-%02d", r.DOB.Year, r.DOB.Month, r.DOB.Day)
	}
	switch len(r.NationalID) {
	case 4:
		p.SSNLast4 = r.NationalID
	default:
		p.IDNumber = r.NationalID
	}
	person := r.ConnectPerson
	var err error
	if person == "" {
		person, err = c.stripe.CreatePerson(ctx, r.ConnectAccount, p, key+":person")
	} else {
		err = c.stripe.UpdatePerson(ctx, r.ConnectAccount, person, p, key+":person")
	}
	if err != nil {
		return Result{}, err
	}
	return Result{Outcome: Pending, TransactionID: person, ConnectPerson: person}, nil
}
