package stepup

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/ent/paymentstepup"
	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/store"
	"github.com/idgate/idgate/internal/stripe"
	"github.com/idgate/idgate/internal/webhook"
)

// PaymentIntentEvents are the events that evaluate a PaymentIntent; the last comes when a
// manual-capture payment is authorised, the moment before capture, and catches an amount
// changed since the step-up.
var PaymentIntentEvents = []string{"payment_intent.created", "payment_intent.requires_action", "payment_intent.amount_capturable_updated"}

// paymentOrder orders payment_intent.* events of one PaymentIntent by created and event id.
//
// The event only says that the payment changed: it is evaluated as Stripe has it now (read
// back before the lock, so no Stripe call holds a row lock), which events arriving out of
// order cannot make stale. The order still decides which events re-evaluate: a newer event
// applied already means an evaluation read back after it, and every later change at Stripe
// comes with a newer event still, so an older event has nothing to add and is stale. Had a
// stale event re-evaluated, it would have been harmless (its read-back is fresher still);
// it is skipped so that the rule, and the outcome operators see, is the same as everywhere.
var paymentOrder = webhook.Order{}

// HandlePaymentIntent evaluates the event's PaymentIntent, as Stripe has it now, through
// paymentOrder on the step-up row keyed by the PaymentIntent's id. Payments of customers
// idgate does not know are not its business.
func (s *Service) HandlePaymentIntent(ctx context.Context, ev webhook.Event) error {
	var obj struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	if err := json.Unmarshal(ev.Object, &obj); err != nil || obj.ID == "" {
		return fmt.Errorf("decode payment intent of %s: %v", ev.ID, err)
	}
	pi, err := s.stripe.GetPaymentIntent(ctx, obj.ID)
	var c *ent.Customer
	if err == nil {
		c, err = s.customerOf(ctx, pi, ev.Account)
	}
	if k := apperr.KindOf(err); k == apperr.KindNotFound || k == apperr.KindFailedPrecondition {
		s.log.InfoContext(ctx, "payment intent of no customer idgate knows", "event_id", ev.ID, "payment_intent", obj.ID)
		webhook.Skip(ctx)
		return nil
	}
	if err != nil {
		return err
	}
	err = s.store.InTx(ctx, func(tx store.Tx) error {
		_, err := paymentOrder.Apply(ctx, paymentOrder.Version(ev, obj.Status, ""), func() (webhook.Version, error) {
			p, err := store.Locked(tx, tx.PaymentStepUp.Query().Where(paymentstepup.ID(pi.ID))).Only(ctx)
			if ent.IsNotFound(err) {
				return webhook.Version{}, nil
			}
			if err != nil {
				return webhook.Version{}, err
			}
			return paymentOrder.Applied(p.EventAt, "", "", p.EventID), nil
		}, func() error {
			if _, err := s.evaluateTx(ctx, tx, pi, c); err != nil {
				return err
			}
			return tx.PaymentStepUp.UpdateOneID(pi.ID).SetEventAt(ev.Created).SetEventID(ev.ID).Exec(ctx)
		})
		return err
	})
	if apperr.KindOf(err) == apperr.KindNotFound { // evaluated for another payer already
		s.log.InfoContext(ctx, "payment intent of no customer idgate knows", "event_id", ev.ID, "payment_intent", obj.ID)
		webhook.Skip(ctx)
		return nil
	}
	return err
}

// HandleSessionEvent takes the outcome of a Stripe Identity session started as a step-up
// (metadata payment_intent_id), through webhook.SessionOrder on the step-up row: verified
// passes, canceled fails; other statuses wait.
func (s *Service) HandleSessionEvent(ctx context.Context, ev webhook.Event) error {
	vs, err := stripe.ParseVerificationSession(ev.Object)
	if err != nil {
		return err
	}
	return s.store.InTx(ctx, func(tx store.Tx) error {
		p, err := store.Locked(tx, tx.PaymentStepUp.Query().Where(paymentstepup.ID(vs.Metadata["payment_intent_id"]))).Only(ctx)
		if ent.IsNotFound(err) || err == nil && p.IdentitySessionID != vs.ID {
			webhook.Skip(ctx) // not a payment idgate knows, or not its current session
			return nil
		}
		if err != nil {
			return err
		}
		_, err = webhook.SessionOrder.Apply(ctx, webhook.SessionOrder.Version(ev, vs.Status, vs.LastErrorCode), func() (webhook.Version, error) {
			return webhook.SessionOrder.Applied(p.IdentitySessionEventAt, p.IdentitySessionStatus, p.IdentitySessionErrorCode, p.IdentitySessionEventID), nil
		}, func() error {
			if err := p.Update().SetIdentitySessionStatus(vs.Status).SetIdentitySessionErrorCode(vs.LastErrorCode).
				SetIdentitySessionEventAt(ev.Created).SetIdentitySessionEventID(ev.ID).Exec(ctx); err != nil {
				return err
			}
			if p.Status != StatusChallenged {
				return nil // already decided
			}
			switch vs.Status {
			case "verified":
				_, err = s.decideTx(ctx, tx, p, StatusPassed, "", nil)
			case "canceled":
				_, err = s.decideTx(ctx, tx, p, StatusFailed, "identity_session_canceled", nil)
			}
			if apperr.KindOf(err) == apperr.KindFailedPrecondition {
				s.log.InfoContext(ctx, "step-up session outcome for a payment that changed meanwhile", "event_id", ev.ID, "payment_intent", p.ID)
				return nil
			}
			if err == nil && (vs.Status == "verified" || vs.Status == "canceled") {
				s.log.InfoContext(ctx, "step-up decided", "payment_intent", p.ID, "session_status", vs.Status)
			}
			return err
		})
		return err
	})
}
