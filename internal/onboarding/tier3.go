package onboarding

import (
	"context"
	"fmt"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/ent/merchantsession"
	"github.com/idgate/idgate/ent/reviewtask"
	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/review"
	"github.com/idgate/idgate/internal/store"
	"github.com/idgate/idgate/internal/stripe"
	"github.com/idgate/idgate/internal/webhook"
)

// KYC statuses of a merchant.
const (
	KYCVerified = "verified"
	KYCReview   = "review"
	KYCRejected = "rejected"
)

// MaxDocumentAttempts is seed 003's limit on tier-3 sessions before manual review.
const MaxDocumentAttempts = 3

// Session is what a client needs to launch Stripe Identity for a merchant.
type Session struct {
	ID, ClientSecret, URL string
	Reused                bool
	Attempt               int
}

// StartDocumentVerification returns the merchant's open tier-3 session or starts one:
// document + matching selfie + live capture, after biometric consent. Past three attempts
// an urgent review task takes over.
func (s *Service) StartDocumentVerification(ctx context.Context, merchantID, returnURL string) (Session, error) {
	m, err := s.merchant(ctx, merchantID)
	if err != nil {
		return Session{}, err
	}
	switch consent, err := s.consentState(ctx, m.ID); {
	case err != nil:
		return Session{}, err
	case m.KycStatus == KYCVerified && !documentRejected(m):
		return Session{}, apperr.FailedPrecondition("merchant %s is already verified", m.ID)
	case m.KycStatus == KYCReview:
		return Session{}, apperr.FailedPrecondition("merchant %s is in manual review", m.ID)
	case consent != "granted":
		return Session{}, apperr.FailedPrecondition("record merchant %s's biometric consent first; without it the merchant goes to manual review", m.ID)
	}
	sessions, err := s.store.Reader.MerchantSession.Query().Where(merchantsession.MerchantID(m.ID)).
		Order(ent.Desc(merchantsession.FieldCreatedAt)).All(ctx)
	if err != nil {
		return Session{}, err
	}
	if len(sessions) > 0 && (sessions[0].Status == "processing" || sessions[0].Status == "requires_input" && sessions[0].LastErrorCode == "") {
		vs, err := s.stripe.GetVerificationSession(ctx, sessions[0].ID)
		if err != nil {
			return Session{}, err
		}
		return Session{ID: sessions[0].ID, ClientSecret: vs.ClientSecret, URL: vs.URL, Reused: true, Attempt: sessions[0].Attempt}, nil
	}
	if len(sessions) >= MaxDocumentAttempts {
		if err := s.toReview(ctx, m, ReasonMaxAttempts, reviewtask.PriorityUrgent); err != nil {
			return Session{}, err
		}
		return Session{}, apperr.FailedPrecondition("merchant %s has used all %d document attempts; it is in manual review", m.ID, MaxDocumentAttempts)
	}
	attempt := len(sessions) + 1
	vs, err := s.stripe.CreateVerificationSession(ctx, stripe.SessionParams{
		RequireMatchingSelfie: true, RequireLiveCapture: true, AllowedTypes: []string{"driving_license", "id_card", "passport"},
		ReturnURL: returnURL,
		Metadata:  sessionMetadata(m.ID, m.SubaccountID, attempt),
	}, fmt.Sprintf("merchant:%s:verification_session:%d", m.ID, attempt))
	if err != nil {
		return Session{}, err
	}
	err = s.store.Ent.MerchantSession.Create().SetID(vs.ID).SetMerchantID(m.ID).SetSubaccountID(m.SubaccountID).
		SetStatus("requires_input").SetAttempt(attempt).Exec(ctx)
	if err != nil && !ent.IsConstraintError(err) { // a racing call recorded the same session
		return Session{}, err
	}
	return Session{ID: vs.ID, ClientSecret: vs.ClientSecret, URL: vs.URL, Attempt: attempt}, nil
}

// sessionMetadata is the metadata of a merchant's tier-3 session, at its creation and in
// the events simulated for it: merchant_id routes its events here.
func sessionMetadata(merchantID, subaccountID string, attempt int) map[string]string {
	return map[string]string{"merchant_id": merchantID, "subaccount_id": subaccountID, "attempt": fmt.Sprint(attempt)}
}

// SessionMetadata finds a merchant's tier-3 session as the caller may see it, for test-mode
// simulations (identity.SessionOwner): the metadata it was created with, and whether it is
// one.
func (s *Service) SessionMetadata(ctx context.Context, sessionID string) (map[string]string, bool, error) {
	sess, err := s.store.Reader.MerchantSession.Query().Where(merchantsession.ID(sessionID)).Only(ctx)
	switch {
	case ent.IsNotFound(err):
		return nil, false, nil
	case err != nil:
		return nil, false, err
	}
	return sessionMetadata(sess.MerchantID, sess.SubaccountID, sess.Attempt), true, nil
}

// ReasonMaxAttempts and ReasonCanceled are review reasons of tier 3.
const (
	ReasonMaxAttempts = "max_attempts_exceeded"
	ReasonCanceled    = "verification_canceled"
)

func (s *Service) toReview(ctx context.Context, m *ent.Merchant, reason string, p reviewtask.Priority) error {
	return s.store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.Merchant.UpdateOneID(m.ID).SetKycStatus(KYCReview).Exec(ctx); err != nil {
			return err
		}
		return s.openReview(ctx, tx, m, reason, p)
	})
}

// HandleSessionEvent applies an identity.verification_session.* event of a merchant's
// tier-3 session through webhook.SessionOrder, the same rule as customers' sessions, on the
// session's row locked, and records each outcome in the cost ledger.
func (s *Service) HandleSessionEvent(ctx context.Context, ev webhook.Event) error {
	obj, err := stripe.ParseVerificationSession(ev.Object)
	if err != nil {
		return fmt.Errorf("decode verification session of %s: %w", ev.ID, err)
	}
	code := obj.LastErrorCode
	if ev.Type == "identity.verification_session.redacted" {
		webhook.Skip(ctx) // idgate keeps nothing of a merchant's session to redact
		return nil
	}
	return s.store.InTx(ctx, func(tx store.Tx) error {
		sess, err := store.Locked(tx, tx.MerchantSession.Query().Where(merchantsession.ID(obj.ID))).Only(ctx)
		if ent.IsNotFound(err) {
			return fmt.Errorf("merchant verification session %s is not recorded yet", obj.ID)
		}
		if err != nil {
			return err
		}
		_, err = webhook.SessionOrder.Apply(ctx, webhook.SessionOrder.Version(ev, obj.Status, code), func() (webhook.Version, error) {
			return webhook.SessionOrder.Applied(sess.StatusEventAt, sess.Status, sess.LastErrorCode, sess.StatusEventID), nil
		}, func() error { return s.applySession(ctx, tx, ev, sess, obj.Status, code) })
		return err
	})
}

// applySession records a merchant session's new status and what it means for the merchant.
func (s *Service) applySession(ctx context.Context, tx store.Tx, ev webhook.Event, sess *ent.MerchantSession, status, code string) error {
	if err := sess.Update().SetStatus(status).SetLastErrorCode(code).SetStatusEventAt(ev.Created).SetStatusEventID(ev.ID).Exec(ctx); err != nil {
		return err
	}
	m, err := tx.Merchant.Get(ctx, sess.MerchantID)
	if err != nil {
		return err
	}
	check := Check{MerchantID: m.ID, Provider: ProviderStripeIdentity, Tier: 3, TransactionID: sess.ID,
		Latency: max(0, ev.Created.Sub(sess.CreatedAt)), At: ev.Created}
	switch {
	case status == "verified":
		check.Outcome = OutcomeMatch
		if err := tx.Merchant.UpdateOneID(m.ID).SetKycStatus(KYCVerified).Exec(ctx); err != nil {
			return err
		}
		if err := s.enqueuePush(ctx, tx, PushPersonArgs{MerchantID: m.ID, Tier: 3, SessionID: sess.ID}); err != nil {
			return err
		}
		if err := s.notify(ctx, tx, m, verified()); err != nil {
			return err
		}
	case status == "canceled":
		check.Outcome = OutcomeCanceled
		if err := tx.Merchant.UpdateOneID(m.ID).SetKycStatus(KYCReview).Exec(ctx); err != nil {
			return err
		}
		if err := s.openReview(ctx, tx, m, ReasonCanceled, reviewtask.PriorityHigh); err != nil {
			return err
		}
	case status == "requires_input" && code != "":
		check.Outcome = OutcomeNoMatch
		if sess.Attempt >= MaxDocumentAttempts {
			if err := tx.Merchant.UpdateOneID(m.ID).SetKycStatus(KYCReview).Exec(ctx); err != nil {
				return err
			}
			if err := s.openReview(ctx, tx, m, ReasonMaxAttempts, reviewtask.PriorityUrgent); err != nil {
				return err
			}
		} else if err := s.notify(ctx, tx, m, requiresInput(code, MaxDocumentAttempts-sess.Attempt)); err != nil {
			return err
		}
	default:
		return nil // processing, or waiting for the first submission
	}
	return recordCheck(ctx, tx.Client, check)
}

// ResolveReview acts on an operator's decision about a merchant in manual review: the
// decision is a manual check (tier 4) in the ledger, and the merchant's KYC status follows.
func (s *Service) ResolveReview(ctx context.Context, merchantID, decision, _ string) error {
	outcome, status, note := OutcomeMatch, KYCVerified, verified()
	if decision != review.Approve {
		outcome, status, note = OutcomeNoMatch, KYCRejected, rejected()
	}
	return s.store.InTx(ctx, func(tx store.Tx) error {
		m, err := tx.Merchant.UpdateOneID(merchantID).SetKycStatus(status).Save(ctx)
		if err != nil {
			return store.MapError(err, "merchant "+merchantID)
		}
		if err := recordCheck(ctx, tx.Client, Check{MerchantID: merchantID, Provider: ProviderManual, Tier: 4, Outcome: outcome}); err != nil {
			return err
		}
		return s.notify(ctx, tx, m, note)
	})
}
