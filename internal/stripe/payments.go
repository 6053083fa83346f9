package stripe

import (
	"context"
	"encoding/json"
	"fmt"

	stripego "github.com/stripe/stripe-go/v76"
)

// PaymentIntent is the part of a PaymentIntent step-up decisions need.
type PaymentIntent struct {
	ID       string
	Amount   int64
	Currency string
	Status   string
	Customer string // cus_..., or ""
	// Payee is the connected account paid: on_behalf_of, else transfer_data.destination.
	Payee         string
	CaptureMethod string
	Metadata      map[string]string
	Created       int64
	// What is authorised and not yet captured, and what was captured.
	AmountCapturable, AmountReceived int64
}

func paymentIntentOf(pi *stripego.PaymentIntent) PaymentIntent {
	out := PaymentIntent{
		ID: pi.ID, Amount: pi.Amount, Currency: string(pi.Currency), Status: string(pi.Status),
		CaptureMethod: string(pi.CaptureMethod), Metadata: pi.Metadata, Created: pi.Created,
		AmountCapturable: pi.AmountCapturable, AmountReceived: pi.AmountReceived,
	}
	if pi.Customer != nil {
		out.Customer = pi.Customer.ID
	}
	switch {
	case pi.OnBehalfOf != nil && pi.OnBehalfOf.ID != "":
		out.Payee = pi.OnBehalfOf.ID
	case pi.TransferData != nil && pi.TransferData.Destination != nil:
		out.Payee = pi.TransferData.Destination.ID
	}
	return out
}

// ParsePaymentIntent decodes the PaymentIntent of a payment_intent.* event.
func ParsePaymentIntent(raw json.RawMessage) (PaymentIntent, error) {
	var pi stripego.PaymentIntent
	if err := json.Unmarshal(raw, &pi); err != nil {
		return PaymentIntent{}, fmt.Errorf("decode payment intent: %w", err)
	}
	if pi.ID == "" {
		return PaymentIntent{}, fmt.Errorf("decode payment intent: no id")
	}
	return paymentIntentOf(&pi), nil
}

// GetPaymentIntent reads a PaymentIntent.
func (c *Client) GetPaymentIntent(ctx context.Context, id string) (PaymentIntent, error) {
	if err := c.ready(); err != nil {
		return PaymentIntent{}, err
	}
	params := &stripego.PaymentIntentParams{}
	params.Context = ctx
	pi, err := c.api.PaymentIntents.Get(id, params)
	if err != nil {
		return PaymentIntent{}, mapError(err, "retrieve payment intent")
	}
	return paymentIntentOf(pi), nil
}

// NewPaymentIntent is a PaymentIntent to create, confirmed at once with PaymentMethod.
type NewPaymentIntent struct {
	Amount                  int64
	Currency                string
	Customer, PaymentMethod string // cus_... or ""; pm_... (a test one, e.g. pm_card_visa)
	ManualCapture           bool
	Metadata                map[string]string
}

// CreatePaymentIntent creates and confirms a PaymentIntent.
func (c *Client) CreatePaymentIntent(ctx context.Context, p NewPaymentIntent, idempotencyKey string) (PaymentIntent, error) {
	if err := c.ready(); err != nil {
		return PaymentIntent{}, err
	}
	params := &stripego.PaymentIntentParams{
		Amount: stripego.Int64(p.Amount), Currency: stripego.String(p.Currency),
		PaymentMethod: stripego.String(p.PaymentMethod), Confirm: stripego.Bool(true),
		PaymentMethodTypes: stripego.StringSlice([]string{"card"}),
	}
	if p.Customer != "" {
		params.Customer = stripego.String(p.Customer)
	}
	if p.ManualCapture {
		params.CaptureMethod = stripego.String(string(stripego.PaymentIntentCaptureMethodManual))
	}
	for k, v := range p.Metadata {
		params.AddMetadata(k, v)
	}
	params.Context = ctx
	params.SetIdempotencyKey(idempotencyKey)
	pi, err := c.api.PaymentIntents.New(params)
	if err != nil {
		return PaymentIntent{}, mapError(err, "create payment intent")
	}
	return paymentIntentOf(pi), nil
}

// UpdatePaymentIntentMetadata merges metadata into the PaymentIntent's.
func (c *Client) UpdatePaymentIntentMetadata(ctx context.Context, id string, metadata map[string]string, idempotencyKey string) error {
	if err := c.ready(); err != nil {
		return err
	}
	params := &stripego.PaymentIntentParams{}
	for k, v := range metadata {
		params.AddMetadata(k, v)
	}
	params.Context = ctx
	params.SetIdempotencyKey(idempotencyKey)
	if _, err := c.api.PaymentIntents.Update(id, params); err != nil {
		return mapError(err, "update payment intent metadata")
	}
	return nil
}

// CapturePaymentIntent captures an authorized (capture_method=manual) PaymentIntent.
func (c *Client) CapturePaymentIntent(ctx context.Context, id, idempotencyKey string) error {
	if err := c.ready(); err != nil {
		return err
	}
	params := &stripego.PaymentIntentCaptureParams{}
	params.Context = ctx
	params.SetIdempotencyKey(idempotencyKey)
	if _, err := c.api.PaymentIntents.Capture(id, params); err != nil {
		return mapError(err, "capture payment intent")
	}
	return nil
}

// CancelPaymentIntent cancels a PaymentIntent whose step-up failed.
func (c *Client) CancelPaymentIntent(ctx context.Context, id, idempotencyKey string) error {
	if err := c.ready(); err != nil {
		return err
	}
	params := &stripego.PaymentIntentCancelParams{CancellationReason: stripego.String("fraudulent")}
	params.Context = ctx
	params.SetIdempotencyKey(idempotencyKey)
	if _, err := c.api.PaymentIntents.Cancel(id, params); err != nil {
		return mapError(err, "cancel payment intent")
	}
	return nil
}

// Charge is the part of a charge that says whose payment it is.
type Charge struct {
	ID       string
	Customer string // cus_..., or ""
	// Payee is the connected account paid: on_behalf_of, else transfer_data.destination.
	Payee    string
	Metadata map[string]string
}

func chargeOf(ch *stripego.Charge) Charge {
	out := Charge{ID: ch.ID, Metadata: ch.Metadata}
	if ch.Customer != nil {
		out.Customer = ch.Customer.ID
	}
	switch {
	case ch.OnBehalfOf != nil && ch.OnBehalfOf.ID != "":
		out.Payee = ch.OnBehalfOf.ID
	case ch.TransferData != nil && ch.TransferData.Destination != nil:
		out.Payee = ch.TransferData.Destination.ID
	}
	return out
}

// ParseCharge decodes the charge of a charge.* event.
func ParseCharge(raw json.RawMessage) (Charge, error) {
	var ch stripego.Charge
	if err := json.Unmarshal(raw, &ch); err != nil {
		return Charge{}, fmt.Errorf("decode charge: %w", err)
	}
	return chargeOf(&ch), nil
}

// EarlyFraudWarning is a Radar early fraud warning.
type EarlyFraudWarning struct {
	ID string
	// Charge warned about: its id, and its customer, payee and metadata when the event
	// carries the charge expanded or Stripe is asked (GetCharge).
	Charge Charge
}

// ParseEarlyFraudWarning decodes a radar.early_fraud_warning.* event's object.
func ParseEarlyFraudWarning(raw json.RawMessage) (EarlyFraudWarning, error) {
	var w stripego.RadarEarlyFraudWarning
	if err := json.Unmarshal(raw, &w); err != nil || w.ID == "" {
		return EarlyFraudWarning{}, fmt.Errorf("decode early fraud warning: %v", err)
	}
	out := EarlyFraudWarning{ID: w.ID}
	if w.Charge != nil {
		out.Charge = chargeOf(w.Charge)
	}
	return out, nil
}

// GetCharge reads a charge.
func (c *Client) GetCharge(ctx context.Context, chargeID string) (Charge, error) {
	if err := c.ready(); err != nil {
		return Charge{}, err
	}
	params := &stripego.ChargeParams{}
	params.Context = ctx
	ch, err := c.api.Charges.Get(chargeID, params)
	if err != nil {
		return Charge{}, mapError(err, "retrieve charge")
	}
	return chargeOf(ch), nil
}
