package stripe

import (
	"context"
	"time"

	stripego "github.com/stripe/stripe-go/v76"
)

// AccountParams describe a new Connect custom account.
type AccountParams struct {
	Country      string
	BusinessType string // individual, company, non_profit, government_entity
	Email        string
	Metadata     map[string]string
}

// CreateConnectAccount creates a custom account requesting card_payments and transfers.
func (c *Client) CreateConnectAccount(ctx context.Context, p AccountParams, idempotencyKey string) (string, error) {
	if err := c.ready(); err != nil {
		return "", err
	}
	params := &stripego.AccountParams{
		Type:         stripego.String(string(stripego.AccountTypeCustom)),
		Country:      stripego.String(p.Country),
		BusinessType: stripego.String(p.BusinessType),
		Capabilities: &stripego.AccountCapabilitiesParams{
			CardPayments: &stripego.AccountCapabilitiesCardPaymentsParams{Requested: stripego.Bool(true)},
			Transfers:    &stripego.AccountCapabilitiesTransfersParams{Requested: stripego.Bool(true)},
		},
	}
	if p.Email != "" {
		params.Email = stripego.String(p.Email)
	}
	for k, v := range p.Metadata {
		params.AddMetadata(k, v)
	}
	params.Context = ctx
	params.SetIdempotencyKey(idempotencyKey)
	acct, err := c.api.Accounts.New(params)
	if err != nil {
		return "", mapError(err, "create connected account")
	}
	return acct.ID, nil
}

// UpdateAccountCompany sets the verified legal name and tax id (EIN) of a company account.
func (c *Client) UpdateAccountCompany(ctx context.Context, account, name, taxID, idempotencyKey string) error {
	if err := c.ready(); err != nil {
		return err
	}
	params := &stripego.AccountParams{Company: &stripego.AccountCompanyParams{Name: optional(name), TaxID: optional(taxID)}}
	params.Context = ctx
	params.SetIdempotencyKey(idempotencyKey)
	if _, err := c.api.Accounts.Update(account, params); err != nil {
		return mapError(err, "update account company")
	}
	return nil
}

// TestDocumentFile is Stripe's test-mode token for an identity document that verifies.
const TestDocumentFile = "file_identity_document_success"

// PersonParams are the verified data of a Connect account's person. Empty fields are not
// sent. IDNumber (the full number) and SSNLast4 are mutually exclusive.
type PersonParams struct {
	FirstName, LastName string
	DOB                 string // YYYY-MM-DD
	Address             *Address
	IDNumber, SSNLast4  string
	Representative      bool
	Owner               bool
	DocumentFront       string // a file id with purpose identity_document
	DocumentBack        string
}

// CreatePerson creates a person of the account and returns its id.
func (c *Client) CreatePerson(ctx context.Context, account string, p PersonParams, idempotencyKey string) (string, error) {
	if err := c.ready(); err != nil {
		return "", err
	}
	params := personParams(p)
	params.Account = stripego.String(account)
	params.Context = ctx
	params.SetIdempotencyKey(idempotencyKey)
	person, err := c.api.Persons.New(params)
	if err != nil {
		return "", mapError(err, "create person")
	}
	return person.ID, nil
}

// UpdatePerson updates a person of the account.
func (c *Client) UpdatePerson(ctx context.Context, account, person string, p PersonParams, idempotencyKey string) error {
	if err := c.ready(); err != nil {
		return err
	}
	params := personParams(p)
	params.Account = stripego.String(account)
	params.Context = ctx
	params.SetIdempotencyKey(idempotencyKey)
	if _, err := c.api.Persons.Update(person, params); err != nil {
		return mapError(err, "update person")
	}
	return nil
}

func personParams(p PersonParams) *stripego.PersonParams {
	params := &stripego.PersonParams{}
	if p.FirstName != "" {
		params.FirstName = stripego.String(p.FirstName)
	}
	if p.LastName != "" {
		params.LastName = stripego.String(p.LastName)
	}
	if d, err := time.Parse(time.DateOnly, p.DOB); err == nil {
		params.DOB = &stripego.PersonDOBParams{Day: stripego.Int64(int64(d.Day())), Month: stripego.Int64(int64(d.Month())), Year: stripego.Int64(int64(d.Year()))}
	}
	if a := p.Address; a != nil {
		params.Address = &stripego.AddressParams{Line1: optional(a.Line1), Line2: optional(a.Line2), City: optional(a.City),
			State: optional(a.State), PostalCode: optional(a.PostalCode), Country: optional(a.Country)}
	}
	switch {
	case p.IDNumber != "":
		params.IDNumber = stripego.String(p.IDNumber)
	case p.SSNLast4 != "":
		params.SSNLast4 = stripego.String(p.SSNLast4)
	}
	params.Relationship = &stripego.PersonRelationshipParams{Representative: stripego.Bool(p.Representative)}
	if p.Owner {
		params.Relationship.Owner = stripego.Bool(true)
	}
	if p.DocumentFront != "" || p.DocumentBack != "" {
		params.Verification = &stripego.PersonVerificationParams{Document: &stripego.PersonVerificationDocumentParams{
			Front: optional(p.DocumentFront), Back: optional(p.DocumentBack)}}
	}
	return params
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return stripego.String(s)
}
