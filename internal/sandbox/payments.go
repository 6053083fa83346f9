package sandbox

import (
	"net/http"
	"strings"
)

// Test payment methods, as in Stripe's test mode: pm_card_visa (and any other) succeeds,
// these need the customer's authentication first or are declined, and these get Radar's
// elevated or highest risk on their charge (else normal).
var (
	riskLevels = map[string]struct {
		level string
		score int
	}{"pm_card_riskLevelElevated": {"elevated", 65}, "pm_card_riskLevelHighest": {"highest", 85}}
	authenticationRequired = map[string]bool{"pm_card_authenticationRequired": true, "pm_card_threeDSecure2Required": true, "pm_card_threeDSecureRequired": true}
	declined               = map[string]bool{"pm_card_chargeDeclined": true, "pm_card_visa_chargeDeclined": true, "pm_card_chargeDeclinedInsufficientFunds": true}
)

func (s *Sandbox) paymentRoutes(mux *http.ServeMux) {
	s.handle(mux, "POST /v1/payment_intents", s.createPaymentIntent)
	s.handle(mux, "GET /v1/payment_intents", func(c *call) (map[string]any, error) {
		customer := str(c.params, "customer")
		return s.list(c, "payment_intent", func(o map[string]any) bool { return customer == "" || o["customer"] == customer }), nil
	})
	s.handle(mux, "GET /v1/payment_intents/{id}", func(c *call) (map[string]any, error) {
		o, err := s.get(c, "payment_intent", c.r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return copyOf(o.data), nil
	})
	s.handle(mux, "POST /v1/payment_intents/{id}", s.paymentIntentOp(func(c *call, pi map[string]any) error {
		if st := pi["status"]; st == "succeeded" || st == "canceled" {
			return invalid("payment_intent_unexpected_state", "", "This PaymentIntent's status is %s: it can no longer be updated.", st)
		}
		s.setPaymentParams(pi, c.params)
		return nil
	}))
	s.handle(mux, "POST /v1/payment_intents/{id}/confirm", s.paymentIntentOp(func(c *call, pi map[string]any) error {
		s.setPaymentParams(pi, c.params)
		return s.confirm(c, pi)
	}))
	s.handle(mux, "POST /v1/payment_intents/{id}/capture", s.paymentIntentOp(func(c *call, pi map[string]any) error {
		if pi["status"] != "requires_capture" {
			return invalid("payment_intent_unexpected_state", "", "This PaymentIntent could not be captured because it has a status of %s. Only a PaymentIntent with one of the following statuses may be captured: requires_capture.", pi["status"])
		}
		amount, _ := number(pi["amount_capturable"])
		if n, ok := number(c.params["amount_to_capture"]); ok {
			if n > amount {
				return invalid("amount_too_large", "amount_to_capture", "amount_to_capture (%d) is more than the amount capturable (%d).", n, amount)
			}
			amount = n
		}
		pi["status"], pi["amount_received"], pi["amount_capturable"] = "succeeded", amount, 0
		if ch := s.charge(pi); ch != nil {
			before := copyOf(ch.data)
			ch.data["captured"], ch.data["amount_captured"] = true, amount
			s.emit(c, "charge.captured", c.account, ch.data, before)
		}
		return nil
	}))
	s.handle(mux, "GET /v1/charges/{id}", func(c *call) (map[string]any, error) {
		o, err := s.get(c, "charge", c.r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return copyOf(o.data), nil
	})
	s.handle(mux, "GET /v1/charges", func(c *call) (map[string]any, error) {
		customer, pi := str(c.params, "customer"), str(c.params, "payment_intent")
		return s.list(c, "charge", func(o map[string]any) bool {
			return (customer == "" || o["customer"] == customer) && (pi == "" || o["payment_intent"] == pi)
		}), nil
	})
	s.handle(mux, "POST /v1/payment_intents/{id}/cancel", s.paymentIntentOp(func(c *call, pi map[string]any) error {
		switch pi["status"] {
		case "succeeded", "canceled", "processing":
			return invalid("payment_intent_unexpected_state", "", "You cannot cancel this PaymentIntent because it has a status of %s. Only a PaymentIntent with one of the following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, requires_action.", pi["status"])
		}
		pi["status"], pi["canceled_at"], pi["amount_capturable"] = "canceled", s.clock.Now().Unix(), 0
		pi["cancellation_reason"] = nilIfEmpty(str(c.params, "cancellation_reason"))
		pi["next_action"] = nil
		return nil
	}))
}

func (s *Sandbox) createPaymentIntent(c *call) (map[string]any, error) {
	pi := c.fixture
	id := newID("pi")
	for k, v := range map[string]any{
		"id": id, "client_secret": id + "_secret_" + newID("s")[2:], "created": s.clock.Now().Unix(), "livemode": false,
		"customer": nil, "on_behalf_of": nil, "description": nil, "payment_method": nil, "metadata": map[string]any{},
		"capture_method": "automatic", "amount_capturable": 0, "amount_received": 0, "canceled_at": nil,
		"cancellation_reason": nil, "last_payment_error": nil, "next_action": nil, "latest_charge": nil,
		"status": "requires_payment_method", "transfer_data": nil, "application_fee_amount": nil, "review": nil,
	} {
		pi[k] = v
	}
	s.setPaymentParams(pi, c.params)
	if pi["payment_method"] != nil {
		pi["status"] = "requires_confirmation"
	}
	s.put(&object{account: c.account, data: pi})
	s.emit(c, "payment_intent.created", c.account, pi, nil)
	if c.params["confirm"] == "true" {
		before := copyOf(pi)
		if err := s.confirm(c, pi); err != nil {
			return nil, err
		}
		s.paymentEvents(c, pi, before)
	}
	return copyOf(pi), nil
}

// paymentIntentOp runs op on a stored PaymentIntent and sends the events of what changed.
func (s *Sandbox) paymentIntentOp(op func(*call, map[string]any) error) route {
	return func(c *call) (map[string]any, error) {
		o, err := s.get(c, "payment_intent", c.r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		pi := copyOf(o.data)
		if err := op(c, pi); err != nil {
			return nil, err
		}
		before := o.data
		o.data = pi
		s.paymentEvents(c, pi, before)
		return copyOf(pi), nil
	}
}

// paymentEvents sends what a test account sends when a PaymentIntent's status or capturable
// amount changes.
func (s *Sandbox) paymentEvents(c *call, pi, before map[string]any) {
	if pi["status"] == before["status"] {
		return
	}
	switch pi["status"] {
	case "requires_action":
		s.emit(c, "payment_intent.requires_action", c.account, pi, before)
	case "requires_capture":
		s.emit(c, "payment_intent.amount_capturable_updated", c.account, pi, before)
		s.chargeSucceeded(c, pi)
	case "succeeded":
		if before["status"] != "requires_capture" {
			s.chargeSucceeded(c, pi)
		}
		s.emit(c, "payment_intent.succeeded", c.account, pi, before)
	case "canceled":
		s.emit(c, "payment_intent.canceled", c.account, pi, before)
	case "requires_payment_method":
		if pi["last_payment_error"] != nil {
			s.emit(c, "payment_intent.payment_failed", c.account, pi, before)
		}
	}
}

// setPaymentParams applies the parameters a create or an update may change.
func (s *Sandbox) setPaymentParams(pi, params map[string]any) {
	for _, k := range []string{"currency", "customer", "on_behalf_of", "capture_method", "description", "payment_method", "receipt_email", "statement_descriptor"} {
		if v, ok := params[k].(string); ok {
			pi[k] = nilIfEmpty(v)
		}
	}
	if n, ok := number(params["amount"]); ok {
		pi["amount"] = n
	}
	if _, ok := params["metadata"]; ok {
		mergeMetadata(pi, params)
	}
}

// confirm moves a PaymentIntent on as a test card would: authentication first for the
// authentication-required cards (a second confirm completes it, as the customer would in
// the browser), a decline for the declined ones, else authorised (capture_method=manual)
// or paid.
func (s *Sandbox) confirm(c *call, pi map[string]any) error {
	switch pi["status"] {
	case "requires_payment_method", "requires_confirmation", "requires_action":
	default:
		return invalid("payment_intent_unexpected_state", "", "You cannot confirm this PaymentIntent because it has a status of %s.", pi["status"])
	}
	pm, _ := pi["payment_method"].(string)
	if pm == "" {
		return invalid("payment_intent_unexpected_state", "payment_method", "You cannot confirm this PaymentIntent because it's missing a payment method. Set payment_method (for example pm_card_visa).")
	}
	pi["last_payment_error"], pi["next_action"] = nil, nil
	switch {
	case declined[pm]:
		pi["status"], pi["payment_method"] = "requires_payment_method", nil
		pi["last_payment_error"] = map[string]any{"type": "card_error", "code": "card_declined", "decline_code": "generic_decline", "message": "Your card was declined."}
		return nil
	case authenticationRequired[pm] && pi["status"] != "requires_action":
		pi["status"] = "requires_action"
		pi["next_action"] = map[string]any{"type": "use_stripe_sdk", "use_stripe_sdk": map[string]any{"type": "three_d_secure_redirect"}}
		return nil
	}
	amount, _ := number(pi["amount"])
	if pi["capture_method"] == "manual" {
		pi["status"], pi["amount_capturable"] = "requires_capture", amount
	} else {
		pi["status"], pi["amount_received"] = "succeeded", amount
	}
	ch := map[string]any{
		"id": newID("ch"), "object": "charge", "created": s.clock.Now().Unix(), "livemode": false, "status": "succeeded", "paid": true,
		"amount": amount, "amount_captured": pi["amount_received"], "captured": pi["status"] == "succeeded", "currency": pi["currency"],
		"customer": pi["customer"], "payment_intent": pi["id"], "payment_method": pm, "on_behalf_of": pi["on_behalf_of"],
		"transfer_data": pi["transfer_data"], "metadata": copyOf(pi)["metadata"],
		"outcome": map[string]any{"network_status": "approved_by_network", "type": "authorized", "risk_level": "normal", "risk_score": 20,
			"seller_message": "Payment complete."},
	}
	if r, ok := riskLevels[pm]; ok {
		ch["outcome"].(map[string]any)["risk_level"], ch["outcome"].(map[string]any)["risk_score"] = r.level, r.score
	}
	s.put(&object{account: c.account, data: ch})
	pi["latest_charge"] = ch["id"]
	return nil
}

// chargeSucceeded sends charge.succeeded for the PaymentIntent's charge, as Stripe does
// when a payment is authorised or paid.
func (s *Sandbox) chargeSucceeded(c *call, pi map[string]any) {
	if ch := s.charge(pi); ch != nil {
		s.emit(c, "charge.succeeded", c.account, ch.data, nil)
	}
}

// charge is the PaymentIntent's latest charge, nil if it has none.
func (s *Sandbox) charge(pi map[string]any) *object {
	if o, ok := s.objects[str(pi, "latest_charge")]; ok && o.data["object"] == "charge" {
		return o
	}
	return nil
}

func nilIfEmpty(s string) any {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	return s
}
