package identity

import (
	"context"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/store"
	"github.com/idgate/idgate/internal/stripe"
	"github.com/idgate/idgate/internal/webhook"
)

// Charges reads the charge an early fraud warning names, when the event does not carry
// its customer.
type Charges interface {
	GetCharge(ctx context.Context, chargeID string) (stripe.Charge, error)
}

// fraudWarningOrder orders a customer's early fraud warnings by their event's created, tied
// by the warning's id: a redelivery, or an older warning arriving after a newer one, changes
// nothing, even after an operator cleared the newer one.
var fraudWarningOrder = webhook.Order{}

// HandleEarlyFraudWarning flags the charge's payer (PayerOf) for re-verification (reason
// early_fraud_warning:<id>), even a verified one, and records the open warning, which makes
// their next payments step up. Warnings for customers idgate does not know, and for a
// Stripe customer several tenants hold when the charge names none of them, are skipped.
func (s *Service) HandleEarlyFraudWarning(charges Charges) webhook.Handler {
	return func(ctx context.Context, ev webhook.Event) error {
		w, err := stripe.ParseEarlyFraudWarning(ev.Object)
		if err != nil {
			return err
		}
		if w.Charge.Customer == "" && w.Charge.ID != "" {
			if w.Charge, err = charges.GetCharge(ctx, w.Charge.ID); err != nil {
				return err
			}
		}
		c, err := payer(ctx, s.store.Reader, Payment{StripeCustomer: w.Charge.Customer, Metadata: w.Charge.Metadata, Accounts: []string{ev.Account, w.Charge.Payee}})
		switch apperr.KindOf(err) {
		case apperr.KindNotFound:
			s.log.InfoContext(ctx, "early fraud warning for a customer idgate does not know", "event_id", ev.ID, "warning_id", w.ID)
			webhook.Skip(ctx)
			return nil
		case apperr.KindFailedPrecondition:
			s.log.WarnContext(ctx, "early fraud warning for a Stripe customer of several subaccounts that names none: skipped", "event_id", ev.ID, "warning_id", w.ID)
			webhook.Skip(ctx)
			return nil
		}
		if err != nil {
			return err
		}
		in := webhook.Version{At: ev.Created, Tie: w.ID}
		_, err = s.update(ctx, c.ID, func(tx store.Tx, row *ent.Customer) (*ent.Customer, error) {
			_, err := fraudWarningOrder.Apply(ctx, in, func() (webhook.Version, error) {
				return fraudWarningOrder.Applied(row.AppliedFraudWarningAt, "", "", row.AppliedFraudWarningID), nil
			}, func() error {
				sub, err := tx.Subaccount.Get(ctx, row.SubaccountID)
				if err != nil {
					return err
				}
				row, err = row.Update().
					SetFraudWarningID(w.ID).SetFraudWarningAt(s.now()).
					SetAppliedFraudWarningID(w.ID).SetAppliedFraudWarningAt(ev.Created).
					SetIdentityVerificationRequired(false). // require() sets it with the new reason
					ClearIdentityStatus().ClearIdentitySessionID().SetIdentityAttemptCount(0).SetIdentityLastErrorCode("").
					SetIdentityManualVerification(false).
					Save(ctx)
				if err != nil {
					return err
				}
				s.log.WarnContext(ctx, "early fraud warning: customer must verify again", "customer_id", row.ID, "warning_id", w.ID)
				row, err = s.require(ctx, tx, row, sub, Requirement{Required: true, Reason: "early_fraud_warning:" + w.ID, Source: SourceFraudWarning})
				return err
			})
			return row, err
		})
		return err
	}
}
