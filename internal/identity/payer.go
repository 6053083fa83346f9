package identity

import (
	"context"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/ent/customer"
	"github.com/idgate/idgate/ent/merchant"
	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/store"
)

// Payment is what a Stripe payment (a charge, a PaymentIntent, the charge of an early fraud
// warning) says about whose it is. Only the platform writes these: a tenant cannot set
// them on another tenant's payments.
type Payment struct {
	StripeCustomer string // the payment's customer, cus_...
	Metadata       map[string]string
	// Accounts are the connected accounts the payment is for: the Connect event's account,
	// the payment's on_behalf_of or transfer_data.destination.
	Accounts []string
}

// Metadata keys with which the platform names a payment's customer or subaccount.
const (
	MetadataCustomerID   = "idgate_customer_id"
	MetadataSubaccountID = "idgate_subaccount_id"
)

// PayerOf is the one rule that finds the customer a Stripe payment is for, among the
// customers the caller may see. A Stripe customer id is unique within a subaccount only,
// so the payment is routed to a subaccount first:
//
//   - metadata idgate_customer_id names the customer outright;
//   - else metadata idgate_subaccount_id names the subaccount;
//   - else the subaccount of the merchant onboarded with one of its connected accounts
//     (an account idgate did not onboard says nothing);
//   - else any subaccount.
//
// The payer is the one customer of those subaccounts holding the Stripe customer id. None:
// NotFound. Several (the payment names no subaccount and several tenants hold the id):
// FailedPrecondition, and nobody is picked; a tenant never gets another's payment by
// guessing.
func PayerOf(ctx context.Context, client *ent.Client, p Payment) (*ent.Customer, error) {
	q, err := payers(ctx, client, p)
	if err != nil {
		return nil, err
	}
	rows, err := q.WithSubaccount().All(ctx)
	if err != nil {
		return nil, store.MapError(err, "the customer of the payment")
	}
	if err := onePayer(len(rows)); err != nil {
		return nil, err
	}
	return rows[0], nil
}

// payer is PayerOf for the handlers that lock and read the customer in their own
// transaction: it reads only the customer's id and the given fields (what a handler
// needs to settle a stale event without the lock, see webhook.Order.Settled).
func payer(ctx context.Context, client *ent.Client, p Payment, fields ...string) (*ent.Customer, error) {
	q, err := payers(ctx, client, p)
	if err != nil {
		return nil, err
	}
	rows, err := q.Select(append([]string{customer.FieldID}, fields...)...).Limit(2).All(ctx)
	if err != nil {
		return nil, store.MapError(err, "the customer of the payment")
	}
	if err := onePayer(len(rows)); err != nil {
		return nil, err
	}
	return rows[0], nil
}

// payers is the query of the customers PayerOf chooses among.
func payers(ctx context.Context, client *ent.Client, p Payment) (*ent.CustomerQuery, error) {
	q := client.Customer.Query()
	switch id := p.Metadata[MetadataCustomerID]; {
	case id != "":
		q.Where(customer.ID(id))
	case p.StripeCustomer == "":
		return nil, apperr.NotFound("the payment names no customer")
	default:
		q.Where(customer.StripeCustomerID(p.StripeCustomer))
		subs, err := routedSubaccounts(ctx, client, p)
		if err != nil {
			return nil, err
		}
		if subs != nil {
			q.Where(customer.SubaccountIDIn(subs...))
		}
	}
	return q, nil
}

// onePayer is PayerOf's answer for n customers found: only customers the caller may see,
// since storage scopes the query.
func onePayer(n int) error {
	switch n {
	case 0:
		return apperr.NotFound("no customer of the payment")
	case 1:
		return nil
	}
	return apperr.FailedPrecondition("the payment's Stripe customer is linked to customers of several subaccounts: " +
		"name one with metadata " + MetadataSubaccountID + " or " + MetadataCustomerID)
}

// routedSubaccounts returns the subaccounts p is routed to, or nil when it names none.
func routedSubaccounts(ctx context.Context, client *ent.Client, p Payment) ([]string, error) {
	if id := p.Metadata[MetadataSubaccountID]; id != "" {
		return []string{id}, nil
	}
	var accounts []string
	for _, a := range p.Accounts {
		if a != "" {
			accounts = append(accounts, a)
		}
	}
	if len(accounts) == 0 {
		return nil, nil
	}
	subs, err := client.Merchant.Query().Where(merchant.StripeAccountIDIn(accounts...)).
		Unique(true).Select(merchant.FieldSubaccountID).Strings(ctx)
	if err != nil || len(subs) == 0 {
		return nil, err
	}
	return subs, nil
}
