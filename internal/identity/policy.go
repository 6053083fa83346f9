package identity

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/ent/customer"
	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/notify"
	"github.com/idgate/idgate/internal/store"
	"github.com/idgate/idgate/internal/stripe"
	"github.com/idgate/idgate/internal/tenant"
	"github.com/idgate/idgate/internal/webhook"
)

// Statuses of a customer's identity (seed 004); nil means never attempted.
const (
	StatusPending       = "pending"
	StatusVerified      = "verified"
	StatusRequiresInput = "requires_input"
	StatusFailed        = "failed"
	StatusCanceled      = "canceled"
)

// ReasonSubaccountPolicy is the requirement reason in all_users subaccounts.
const ReasonSubaccountPolicy = "subaccount_policy"

// riskScores converts Radar's risk_level to seed 004's score.
var riskScores = map[string]int{"normal": 10, "elevated": 50, "highest": 75}

// RiskScore returns the score of a Radar risk level.
func RiskScore(level string) (int, bool) {
	s, ok := riskScores[level]
	return s, ok
}

// RiskRequires reports whether a score flags a customer at threshold, with the reason text
// seed 004 shows ("risk_threshold_exceeded:75>=50").
func RiskRequires(score, threshold int) (bool, string) {
	if score >= threshold {
		return true, fmt.Sprintf("risk_threshold_exceeded:%d>=%d", score, threshold)
	}
	return false, ""
}

// PaymentRisk is Radar's outcome of one charge.
type PaymentRisk struct {
	ChargeID   string
	RiskLevel  string
	RadarScore *int // Stripe's 0-100 risk_score, when present
}

// RiskResult says what recording a charge's risk did.
type RiskResult struct {
	Recorded bool // false: the customer already had a score from an earlier charge
	Customer Customer
}

// RecordPaymentRisk records the Radar outcome of a customer's charge. Only the first
// successful charge sets the score (seed 004); in a risk_based subaccount a score at or
// over the threshold requires verification.
func (s *Service) RecordPaymentRisk(ctx context.Context, customerID string, r PaymentRisk) (RiskResult, error) {
	if r.ChargeID != "" && !stripe.ValidID(r.ChargeID, "ch", "py") {
		return RiskResult{}, apperr.Invalid("charge_id", "must be a Stripe charge id (ch_...)")
	}
	if _, ok := RiskScore(r.RiskLevel); !ok {
		return RiskResult{}, apperr.Invalid("risk_level", "must be normal, elevated or highest")
	}
	if r.RadarScore != nil && (*r.RadarScore < 0 || *r.RadarScore > 100) {
		return RiskResult{}, apperr.Invalid("risk_score", "must be between 0 and 100")
	}
	var recorded bool
	c, err := s.update(ctx, customerID, func(tx store.Tx, row *ent.Customer) (*ent.Customer, error) {
		var err error
		recorded, row, err = s.recordRisk(ctx, tx, row, r)
		return row, err
	})
	return RiskResult{Recorded: recorded, Customer: c}, err
}

func (s *Service) recordRisk(ctx context.Context, tx store.Tx, row *ent.Customer, r PaymentRisk) (bool, *ent.Customer, error) {
	if row.StripeRiskScore != nil {
		return false, row, nil
	}
	score, _ := RiskScore(r.RiskLevel)
	row, err := row.Update().
		SetStripeRiskScore(score).
		SetNillableStripeRadarRiskScore(r.RadarScore).
		SetStripeRiskLevel(r.RiskLevel).
		SetStripeRiskChargeID(r.ChargeID).
		Save(ctx)
	if err != nil {
		return false, nil, err
	}
	if isVerified(row) {
		return true, row, nil // a verified customer is never flagged by risk
	}
	sub, err := tx.Subaccount.Get(ctx, row.SubaccountID)
	if err != nil {
		return false, nil, err
	}
	switch tenant.Mode(sub.IdentityVerificationMode) {
	case tenant.ModeRiskBased:
		if flag, reason := RiskRequires(score, sub.IdentityVerificationRiskThreshold); flag {
			row, err = s.require(ctx, tx, row, sub, reason)
		}
	case tenant.ModeAllUsers: // a customer created before the subaccount switched
		row, err = s.require(ctx, tx, row, sub, ReasonSubaccountPolicy)
	}
	return true, row, err
}

// require flags the customer (unless already flagged) and notifies them.
func (s *Service) require(ctx context.Context, tx store.Tx, row *ent.Customer, sub *ent.Subaccount, reason string) (*ent.Customer, error) {
	if row.IdentityVerificationRequired {
		return row, nil
	}
	row, err := row.Update().
		SetIdentityVerificationRequired(true).
		SetIdentityVerificationRequiredAt(s.now()).
		SetIdentityVerificationRequiredReason(reason).
		Save(ctx)
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "identity verification required", "customer_id", row.ID, "reason", reason)
	return row, s.outbox.Add(ctx, tx, row.SubaccountID, notify.Customer(row.ID), notify.Required(sub.Name))
}

func isVerified(row *ent.Customer) bool {
	return row.IdentityStatus != nil && *row.IdentityStatus == StatusVerified
}

// HandleChargeSucceeded records the Radar outcome of a charge.succeeded event for the
// customer whose Stripe customer id it carries. Charges of unknown customers are ignored.
func (s *Service) HandleChargeSucceeded(ctx context.Context, ev webhook.Event) error {
	var ch struct {
		ID       string          `json:"id"`
		Customer json.RawMessage `json:"customer"` // an id, or the object when expanded
		Outcome  *struct {
			RiskLevel string `json:"risk_level"`
			RiskScore *int   `json:"risk_score"`
		} `json:"outcome"`
	}
	if err := json.Unmarshal(ev.Object, &ch); err != nil {
		return fmt.Errorf("decode charge of %s: %w", ev.ID, err)
	}
	var stripeCustomer string
	if json.Unmarshal(ch.Customer, &stripeCustomer) != nil {
		var obj struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(ch.Customer, &obj)
		stripeCustomer = obj.ID
	}
	if stripeCustomer == "" || ch.Outcome == nil {
		return nil
	}
	if _, ok := RiskScore(ch.Outcome.RiskLevel); !ok {
		return nil // "not_assessed", "unknown": nothing to record
	}
	c, err := s.store.Reader.Customer.Query().Where(customer.StripeCustomerID(stripeCustomer)).Only(ctx)
	if ent.IsNotFound(err) {
		s.log.InfoContext(ctx, "charge for a customer idgate does not know", "event_id", ev.ID)
		return nil
	}
	if err != nil {
		return err
	}
	_, err = s.RecordPaymentRisk(ctx, c.ID, PaymentRisk{ChargeID: ch.ID, RiskLevel: ch.Outcome.RiskLevel, RadarScore: ch.Outcome.RiskScore})
	if apperr.KindOf(err) == apperr.KindInvalid {
		s.log.WarnContext(ctx, "charge risk not recordable", "event_id", ev.ID, "err", err)
		return nil
	}
	return err
}
