package stripe

import (
	"context"

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
