package identity

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/ent/customer"
	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/audit"
	"github.com/idgate/idgate/internal/auth"
	"github.com/idgate/idgate/internal/notify"
	"github.com/idgate/idgate/internal/review"
	"github.com/idgate/idgate/internal/store"
)

// operatorName is who performs an action (auth.Actor.Vouching): the person signed in, or
// the person the request names vouched for by the key, or the key's name.
func operatorName(ctx context.Context, op string) string {
	return auth.ActorFrom(ctx).Vouching(op)
}

func checkText(field, v string, required bool, max int) error {
	switch {
	case required && strings.TrimSpace(v) == "":
		return apperr.Invalid(field, "is required")
	case utf8.RuneCountInString(v) > max || !utf8.ValidString(v):
		return apperr.Invalid(field, "must be valid UTF-8 of at most %d characters", max)
	}
	return nil
}

// update runs fn on the locked customer in a transaction and returns the result.
func (s *Service) update(ctx context.Context, id string, fn func(tx store.Tx, row *ent.Customer) (*ent.Customer, error)) (Customer, error) {
	var out Customer
	err := s.store.InTx(ctx, func(tx store.Tx) error {
		row, err := s.lockCustomer(ctx, tx, id)
		if err != nil {
			return err
		}
		if row, err = fn(tx, row); err != nil {
			return err
		}
		out, err = s.fromRow(row)
		return err
	})
	return out, err
}

// ClearRequirement removes the current requirement without marking the customer verified,
// and closes an open early fraud warning (the operator has looked into it), so payments no
// longer step up for it; a later trigger can require verification again.
func (s *Service) ClearRequirement(ctx context.Context, id, operator, notes string) (Customer, error) {
	if err := checkText("notes", notes, false, 2000); err != nil {
		return Customer{}, err
	}
	ctx = auth.WithNote(ctx, notes)
	return s.update(ctx, id, func(tx store.Tx, row *ent.Customer) (*ent.Customer, error) {
		if !row.IdentityVerificationRequired && row.FraudWarningID == "" {
			return row, nil
		}
		// The operator's decision stands: no policy change or charge requires them again.
		row, err := row.Update().SetIdentityVerificationRequired(false).SetIdentityRequirementClearedAt(s.now()).
			SetIdentityVerificationRequiredSource(customer.IdentityVerificationRequiredSourceOperator).
			SetFraudWarningID("").ClearFraudWarningAt().Save(ctx)
		if err != nil {
			return nil, err
		}
		s.log.InfoContext(ctx, "identity requirement cleared", "customer_id", id, "key_id", auth.ActorFrom(ctx).ID)
		return row, s.outbox.Add(ctx, tx, row.SubaccountID, notify.Customer(row.ID), notify.Cleared())
	})
}

// ManualVerify marks the customer verified without Stripe Identity (seed 004): notes say
// how the identity was confirmed; by and at are recorded.
func (s *Service) ManualVerify(ctx context.Context, id, operator, notes string) (Customer, error) {
	if err := checkText("notes", notes, true, 2000); err != nil {
		return Customer{}, err
	}
	ctx = auth.WithNote(ctx, notes)
	return s.update(ctx, id, func(tx store.Tx, row *ent.Customer) (*ent.Customer, error) {
		if row.IdentityRedactionRequestedAt != nil {
			return nil, apperr.FailedPrecondition("customer %s asked for their identity data to be deleted", id)
		}
		now := s.now()
		row, err := row.Update().
			SetIdentityStatus(StatusVerified).SetIdentityVerifiedAt(now).SetIdentityVerificationRequired(false).
			SetIdentityManualVerification(true).SetIdentityManualVerificationNotes(strings.TrimSpace(notes)).
			SetIdentityManualVerificationBy(operatorName(ctx, operator)).SetIdentityManualVerificationAt(now).
			Save(ctx)
		if err != nil {
			return nil, err
		}
		s.log.InfoContext(ctx, "customer manually verified", "customer_id", id, "key_id", auth.ActorFrom(ctx).ID)
		return row, s.outbox.Add(ctx, tx, row.SubaccountID, notify.Customer(row.ID), notify.Verified())
	})
}

// RequireVerification blocks the customer until they verify again: the previous
// verification and session no longer count, the attempts start afresh, and so does the
// path (a customer who still declines the biometric check declines again).
func (s *Service) RequireVerification(ctx context.Context, id, operator, reason string) (Customer, error) {
	if err := checkText("reason", reason, true, 200); err != nil {
		return Customer{}, err
	}
	ctx = auth.WithNote(ctx, reason)
	return s.update(ctx, id, func(tx store.Tx, row *ent.Customer) (*ent.Customer, error) {
		sub, err := tx.Subaccount.Get(ctx, row.SubaccountID)
		if err != nil {
			return nil, err
		}
		row, err = row.Update().
			SetIdentityVerificationRequired(false). // require() sets it with the new reason
			ClearIdentityStatus().ClearIdentitySessionID().SetIdentityAttemptCount(0).SetIdentityLastErrorCode("").
			SetIdentityVerificationPath(string(PathStandard)).
			SetIdentityManualVerification(false).
			Save(ctx)
		if err != nil {
			return nil, err
		}
		s.log.InfoContext(ctx, "identity verification required by operator", "customer_id", id, "key_id", auth.ActorFrom(ctx).ID)
		return s.require(ctx, tx, row, sub, Requirement{Required: true, Reason: "operator:" + strings.TrimSpace(reason), Source: SourceOperator})
	})
}

// RefreshFromStripe re-reads the customer's newest session from Stripe and applies it as the
// latest word on that session (seed 004: "verified but appears as pending").
func (s *Service) RefreshFromStripe(ctx context.Context, id string) (Customer, error) {
	c, err := s.GetCustomer(ctx, id)
	if err != nil {
		return Customer{}, err
	}
	if c.Identity.SessionID == nil {
		return Customer{}, apperr.FailedPrecondition("customer %s has no verification session to refresh", id)
	}
	vs, err := s.stripe.GetVerifiedSession(ctx, *c.Identity.SessionID)
	if err != nil {
		return Customer{}, err
	}
	u := sessionUpdate{SessionID: *c.Identity.SessionID, Status: vs.Status, ErrorCode: vs.LastErrorCode, At: s.now(), CustomerID: id}
	if vs.Status == "verified" {
		u.Verified = vs.Verified
	}
	if err := s.applySession(ctx, u); err != nil {
		return Customer{}, err
	}
	return s.GetCustomer(ctx, id)
}

// ResolveReview acts on an operator's decision about a customer in manual review:
// approval verifies them manually; rejection leaves them failed (the gate tells them to
// contact support).
func (s *Service) ResolveReview(ctx context.Context, customerID, decision, notes string) error {
	if decision == review.Approve {
		_, err := s.ManualVerify(ctx, customerID, "", notes)
		return err
	}
	_, err := s.update(ctx, customerID, func(_ store.Tx, row *ent.Customer) (*ent.Customer, error) {
		if isVerified(row) || row.IdentityStatus != nil && *row.IdentityStatus == StatusFailed {
			return row, nil
		}
		return row.Update().SetIdentityStatus(StatusFailed).Save(ctx)
	})
	return err
}

// RevealIdentity returns the customer for an operator who must read their verified
// identity data, and records who read it and why (the audit entry holds no personal
// data). Reading without a reason is refused.
func (s *Service) RevealIdentity(ctx context.Context, id, reason string) (Customer, error) {
	if err := checkText("reason", reason, true, 500); err != nil {
		return Customer{}, err
	}
	c, err := s.GetCustomer(ctx, id)
	if err != nil {
		return Customer{}, err
	}
	ctx = auth.WithNote(ctx, strings.TrimSpace(reason))
	if err := audit.Record(ctx, s.store.Ent, "customer.identity_revealed", ent.TypeCustomer, c.ID, c.SubaccountID); err != nil {
		return Customer{}, fmt.Errorf("record identity reveal: %w", err)
	}
	s.log.InfoContext(ctx, "customer identity revealed", "customer_id", c.ID, "key_id", auth.ActorFrom(ctx).ID)
	return c, nil
}
