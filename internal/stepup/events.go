package stepup

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/ent/paymentstepup"
	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/stripe"
	"github.com/idgate/idgate/internal/webhook"
)

// PaymentIntentEvents are the events that evaluate a PaymentIntent; the last comes when a
// manual-capture payment is authorised, the moment before capture, and catches an amount
// changed since the step-up.
var PaymentIntentEvents = []string{"payment_intent.created", "payment_intent.requires_action", "payment_intent.amount_capturable_updated"}

// HandlePaymentIntent evaluates the event's PaymentIntent as Stripe has it now (read back,
// so that events arriving out of order cannot apply a stale amount). Payments of customers
// idgate does not know are not its business.
func (s *Service) HandlePaymentIntent(ctx context.Context, ev webhook.Event) error {
	var obj struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(ev.Object, &obj); err != nil || obj.ID == "" {
		return fmt.Errorf("decode payment intent of %s: %v", ev.ID, err)
	}
	_, err := s.EvaluatePayment(ctx, obj.ID)
	if k := apperr.KindOf(err); k == apperr.KindNotFound || k == apperr.KindFailedPrecondition {
		s.log.InfoContext(ctx, "payment intent of no customer idgate knows", "event_id", ev.ID, "payment_intent", obj.ID)
		return nil
	}
	return err
}

// HandleSessionEvent takes the outcome of a Stripe Identity session started as a step-up
// (metadata payment_intent_id): verified passes, canceled fails; other statuses wait.
func (s *Service) HandleSessionEvent(ctx context.Context, ev webhook.Event) error {
	vs, err := stripe.ParseVerificationSession(ev.Object)
	if err != nil {
		return err
	}
	p, err := s.store.Ent.PaymentStepUp.Query().Where(paymentstepup.ID(vs.Metadata["payment_intent_id"])).Only(ctx)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if p.IdentitySessionID != vs.ID || p.Status != StatusChallenged {
		return nil // an older session, or already decided
	}
	switch vs.Status {
	case "verified":
		_, err = s.decide(ctx, p, StatusPassed, "", nil)
	case "canceled":
		_, err = s.decide(ctx, p, StatusFailed, "identity_session_canceled", nil)
	}
	if apperr.KindOf(err) == apperr.KindFailedPrecondition {
		s.log.InfoContext(ctx, "step-up session outcome for a payment that changed meanwhile", "event_id", ev.ID, "payment_intent", p.ID)
		return nil
	}
	return err
}
