package identity

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

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

// Source is who decided a customer's current requirement to verify.
type Source string

// The sources. A policy change re-decides what the policy or a score decided; an operator's
// decision (requiring or clearing) and an early fraud warning stand until the customer
// verifies or another such decision replaces them.
const (
	SourceNone         Source = ""
	SourcePolicy       Source = "subaccount_policy" // all_users
	SourceRisk         Source = "risk_score"        // risk_based: the scoring charge reached the threshold
	SourceFraudWarning Source = "early_fraud_warning"
	SourceOperator     Source = "operator"
)

// Policy is what a subaccount asks of its customers.
type Policy struct {
	Mode      tenant.Mode
	Threshold int
}

// PolicyOf returns a stored subaccount's policy.
func PolicyOf(sub *ent.Subaccount) Policy {
	return Policy{Mode: tenant.Mode(sub.IdentityVerificationMode), Threshold: sub.IdentityVerificationRiskThreshold}
}

// Requirement is whether a customer must verify, why (seed 004's reason text) and who
// decided it.
type Requirement struct {
	Required bool
	Reason   string
	Source   Source
}

// Facts are what the rule knows of one customer.
type Facts struct {
	Score   *int    // the earliest successful charge's score; nil before any
	Status  *string // identity status; nil: never attempted
	Current Requirement
}

// MustVerify is the one rule for who must verify. Customer creation, charges, the
// re-evaluation after a policy change and the policy simulator all decide with it:
//
//   - a verified customer is never asked again: their requirement stays as it is;
//   - so does one an operator or an early fraud warning decided: no policy overrides them;
//   - otherwise all_users requires everyone ("subaccount_policy"), risk_based those whose
//     score reaches the threshold ("risk_threshold_exceeded:75>=50"), disabled nobody.
func MustVerify(p Policy, f Facts) Requirement {
	if f.Status != nil && *f.Status == StatusVerified || f.Current.Source == SourceOperator || f.Current.Source == SourceFraudWarning {
		return f.Current
	}
	switch p.Mode {
	case tenant.ModeAllUsers:
		return Requirement{Required: true, Reason: ReasonSubaccountPolicy, Source: SourcePolicy}
	case tenant.ModeRiskBased:
		if f.Score != nil {
			if required, reason := RiskRequires(*f.Score, p.Threshold); required {
				return Requirement{Required: true, Reason: reason, Source: SourceRisk}
			}
		}
	}
	return Requirement{}
}

// FactsOf returns what the rule knows of a stored customer.
func FactsOf(row *ent.Customer) Facts {
	f := Facts{Score: row.StripeRiskScore, Status: row.IdentityStatus, Current: Requirement{
		Required: row.IdentityVerificationRequired, Reason: row.IdentityVerificationRequiredReason,
	}}
	if row.IdentityVerificationRequiredSource != nil {
		f.Current.Source = Source(*row.IdentityVerificationRequiredSource)
	}
	return f
}

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
	Created    time.Time // when the charge was created; zero: now
	RiskLevel  string
	RadarScore *int // Stripe's 0-100 risk_score, when present
}

// RiskResult says what recording a charge's risk did.
type RiskResult struct {
	Recorded bool // false: the customer's score stands from an earlier charge
	Customer Customer
}

// RecordPaymentRisk records the Radar outcome of a customer's charge. The earliest
// successful charge sets the score (seed 004), in whatever order the charges arrive (see
// recordRisk); a charge without a created time counts as created now.
func (s *Service) RecordPaymentRisk(ctx context.Context, customerID string, r PaymentRisk) (RiskResult, error) {
	if err := r.check(); err != nil {
		return RiskResult{}, err
	}
	if r.Created.IsZero() {
		r.Created = s.now()
	}
	var recorded bool
	c, err := s.update(ctx, customerID, func(tx store.Tx, row *ent.Customer) (*ent.Customer, error) {
		var err error
		recorded, row, err = s.recordRisk(ctx, tx, row, r)
		return row, err
	})
	return RiskResult{Recorded: recorded, Customer: c}, err
}

// check says what is wrong with r, if anything.
func (r PaymentRisk) check() error {
	if r.ChargeID != "" && !stripe.ValidID(r.ChargeID, "ch", "py") {
		return apperr.Invalid("charge_id", "must be a Stripe charge id (ch_...)")
	}
	if _, ok := RiskScore(r.RiskLevel); !ok {
		return apperr.Invalid("risk_level", "must be normal, elevated or highest")
	}
	if r.RadarScore != nil && (*r.RadarScore < 0 || *r.RadarScore > 100) {
		return apperr.Invalid("risk_score", "must be between 0 and 100")
	}
	return nil
}

// chargeOrder keeps the earliest successful charge: ties within a second go to the smaller
// charge id.
var chargeOrder = webhook.Order{Earliest: true}

// recordRisk scores the locked customer with charge r when r is earlier than the charge
// that scored them so far, and re-decides their requirement with the new score.
func (s *Service) recordRisk(ctx context.Context, tx store.Tx, row *ent.Customer, r PaymentRisk) (bool, *ent.Customer, error) {
	read := func() (webhook.Version, error) { return riskVersion(row), nil }
	recorded, err := chargeOrder.Apply(ctx, r.version(), read, func() error {
		score, _ := RiskScore(r.RiskLevel)
		u := row.Update().SetStripeRiskScore(score).SetStripeRiskLevel(r.RiskLevel).
			SetStripeRiskChargeID(r.ChargeID).SetStripeRiskChargeCreated(r.Created.UTC())
		if r.RadarScore != nil {
			u.SetStripeRadarRiskScore(*r.RadarScore)
		} else {
			u.ClearStripeRadarRiskScore()
		}
		var err error
		if row, err = u.Save(ctx); err != nil {
			return err
		}
		sub, err := tx.Subaccount.Get(ctx, row.SubaccountID)
		if err != nil {
			return err
		}
		row, err = s.decide(ctx, tx, row, sub)
		return err
	})
	return recorded, row, err
}

// riskFields are the customer's columns riskVersion reads.
var riskFields = []string{customer.FieldStripeRiskScore, customer.FieldStripeRiskChargeID, customer.FieldStripeRiskChargeCreated}

// riskVersion is the charge that scored the customer, as chargeOrder compares charges.
func riskVersion(row *ent.Customer) webhook.Version {
	if row.StripeRiskScore == nil {
		return webhook.Version{}
	}
	v := webhook.Version{Tie: row.StripeRiskChargeID}
	if row.StripeRiskChargeCreated != nil {
		v.At = *row.StripeRiskChargeCreated
	} else {
		v.At = time.Unix(0, 0) // scored before charges' times were kept: nothing is earlier
	}
	return v
}

// version is the charge r, as chargeOrder compares charges.
func (r PaymentRisk) version() webhook.Version {
	return webhook.Version{At: r.Created, Tie: r.ChargeID}
}

// decide applies MustVerify to the locked customer under sub's policy and stores the
// outcome: a new requirement notifies the customer; a lifted one is recorded as cleared
// (never as verified).
func (s *Service) decide(ctx context.Context, tx store.Tx, row *ent.Customer, sub *ent.Subaccount) (*ent.Customer, error) {
	cur := FactsOf(row).Current
	want := MustVerify(PolicyOf(sub), FactsOf(row))
	switch {
	case want == cur || !want.Required && !cur.Required:
		return row, nil
	case !cur.Required:
		return s.require(ctx, tx, row, sub, want)
	case want.Required: // still required, for another reason (a new threshold or mode)
		return row.Update().SetIdentityVerificationRequiredReason(want.Reason).
			SetIdentityVerificationRequiredSource(customer.IdentityVerificationRequiredSource(want.Source)).Save(ctx)
	}
	s.log.InfoContext(ctx, "identity verification no longer required", "customer_id", row.ID, "reason", cur.Reason)
	return row.Update().SetIdentityVerificationRequired(false).SetIdentityRequirementClearedAt(s.now()).
		ClearIdentityVerificationRequiredSource().Save(ctx)
}

// require flags the customer (unless already flagged) and notifies them.
func (s *Service) require(ctx context.Context, tx store.Tx, row *ent.Customer, sub *ent.Subaccount, r Requirement) (*ent.Customer, error) {
	if row.IdentityVerificationRequired {
		return row, nil
	}
	row, err := row.Update().
		SetIdentityVerificationRequired(true).
		SetIdentityVerificationRequiredAt(s.now()).
		SetIdentityVerificationRequiredReason(r.Reason).
		SetIdentityVerificationRequiredSource(customer.IdentityVerificationRequiredSource(r.Source)).
		Save(ctx)
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "identity verification required", "customer_id", row.ID, "reason", r.Reason)
	return row, s.outbox.Add(ctx, tx, row.SubaccountID, notify.Customer(row.ID), notify.Required(sub.Name))
}

func isVerified(row *ent.Customer) bool {
	return row.IdentityStatus != nil && *row.IdentityStatus == StatusVerified
}

// HandleChargeSucceeded records the Radar outcome of a charge.succeeded event for the
// charge's payer (PayerOf); the charge's created (else the event's) orders it among the
// customer's charges. Charges of unknown customers, charges whose Stripe customer several
// tenants hold and that name none of them, and charges Radar did not assess are skipped.
func (s *Service) HandleChargeSucceeded(ctx context.Context, ev webhook.Event) error {
	var ch struct {
		ID      string `json:"id"`
		Created int64  `json:"created"`
		Outcome *struct {
			RiskLevel string `json:"risk_level"`
			RiskScore *int   `json:"risk_score"`
		} `json:"outcome"`
	}
	if err := json.Unmarshal(ev.Object, &ch); err != nil {
		return fmt.Errorf("decode charge of %s: %w", ev.ID, err)
	}
	charge, err := stripe.ParseCharge(ev.Object)
	if err != nil {
		return fmt.Errorf("decode charge of %s: %w", ev.ID, err)
	}
	if ch.Outcome == nil {
		webhook.Skip(ctx)
		return nil
	}
	if _, ok := RiskScore(ch.Outcome.RiskLevel); !ok {
		webhook.Skip(ctx) // "not_assessed", "unknown": nothing to record
		return nil
	}
	c, err := payer(ctx, s.store.Reader, Payment{StripeCustomer: charge.Customer, Metadata: charge.Metadata, Accounts: []string{ev.Account, charge.Payee}}, riskFields...)
	switch apperr.KindOf(err) {
	case apperr.KindNotFound:
		s.log.InfoContext(ctx, "charge for a customer idgate does not know", "event_id", ev.ID)
		webhook.Skip(ctx)
		return nil
	case apperr.KindFailedPrecondition:
		s.log.WarnContext(ctx, "charge for a Stripe customer of several subaccounts that names none: skipped", "event_id", ev.ID)
		webhook.Skip(ctx)
		return nil
	}
	if err != nil {
		return err
	}
	r := PaymentRisk{ChargeID: ch.ID, Created: ev.Created, RiskLevel: ch.Outcome.RiskLevel, RadarScore: ch.Outcome.RiskScore}
	if ch.Created > 0 {
		r.Created = time.Unix(ch.Created, 0).UTC()
	}
	err = r.check()
	// Most charges of a customer come after the one that scored them: settled without
	// locking the customer, from the committed score the payer was read with.
	if err == nil && chargeOrder.Settled(ctx, riskVersion(c), r.version()) {
		return nil
	}
	if err == nil {
		_, err = s.RecordPaymentRisk(ctx, c.ID, r)
	}
	if apperr.KindOf(err) == apperr.KindInvalid {
		s.log.WarnContext(ctx, "charge risk not recordable", "event_id", ev.ID, "err", err)
		webhook.Skip(ctx)
		return nil
	}
	return err
}
