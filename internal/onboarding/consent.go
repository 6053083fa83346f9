package onboarding

import (
	"context"
	"time"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/ent/biometricconsent"
	"github.com/idgate/idgate/ent/reviewtask"
	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/identity"
	"github.com/idgate/idgate/internal/store"
)

// DefaultLegalBasis is the GDPR basis for processing biometric data.
const DefaultLegalBasis = identity.DefaultLegalBasis

// ReasonConsentDeclined is the review reason for a merchant who declined biometrics: the
// non-biometric path (seed 001, seed 003 consent_declined).
const ReasonConsentDeclined = identity.ReasonConsentDeclined

// Consent is a merchant's answer to the biometric consent request (its Country is unused:
// a merchant's is its own).
type Consent = identity.Consent

// RecordBiometricConsent stores the merchant's answer. The IP address and user agent are
// encrypted. A decline opens a high-priority manual review task instead of a document +
// liveness check.
func (s *Service) RecordBiometricConsent(ctx context.Context, merchantID string, c Consent) (Merchant, error) {
	if err := c.Validate(); err != nil {
		return Merchant{}, err
	}
	m, err := s.merchant(ctx, merchantID)
	if err != nil {
		return Merchant{}, err
	}
	id := store.NewID("bcn")
	ip, err := s.pii.Seal(c.IPAddress, id, "ip_address")
	if err != nil {
		return Merchant{}, err
	}
	ua, err := s.pii.Seal(c.UserAgent, id, "user_agent")
	if err != nil {
		return Merchant{}, err
	}
	err = s.store.InTx(ctx, func(tx store.Tx) error {
		err := tx.BiometricConsent.Create().SetID(id).SetMerchantID(m.ID).SetSubaccountID(m.SubaccountID).
			SetGranted(c.Granted).SetRecordedAt(time.Now().UTC()).SetIPAddress(ip).SetUserAgent(ua).
			SetCountry(m.Country).SetLegalBasis(c.LegalBasis).Exec(ctx)
		if err != nil || c.Granted {
			return err
		}
		return s.openReview(ctx, tx, m, ReasonConsentDeclined, reviewtask.PriorityHigh)
	})
	if err != nil {
		return Merchant{}, err
	}
	return s.view(ctx, m)
}

// WithdrawBiometricConsent withdraws the merchant's latest grant; verification continues
// on the non-biometric path.
func (s *Service) WithdrawBiometricConsent(ctx context.Context, merchantID string) (Merchant, error) {
	m, err := s.merchant(ctx, merchantID)
	if err != nil {
		return Merchant{}, err
	}
	err = s.store.InTx(ctx, func(tx store.Tx) error {
		n, err := tx.BiometricConsent.Update().
			Where(biometricconsent.MerchantID(m.ID), biometricconsent.Granted(true), biometricconsent.WithdrawnAtIsNil()).
			SetWithdrawnAt(time.Now().UTC()).Save(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return apperr.FailedPrecondition("merchant %s has no biometric consent to withdraw", m.ID)
		}
		return s.openReview(ctx, tx, m, ReasonConsentDeclined, reviewtask.PriorityHigh)
	})
	if err != nil {
		return Merchant{}, err
	}
	return s.view(ctx, m)
}

// ConsentRecord is a merchant's latest answer to the biometric consent request, without the
// sealed IP address and user agent.
type ConsentRecord struct {
	Granted             bool
	RecordedAt          time.Time
	Country, LegalBasis string
	WithdrawnAt         *time.Time
}

// State is "granted" or "declined" (a decline or a withdrawn grant).
func (c ConsentRecord) State() string {
	if c.Granted && c.WithdrawnAt == nil {
		return "granted"
	}
	return "declined"
}

// consentState is "", "granted" or "declined".
func (s *Service) consentState(ctx context.Context, merchantID string) (string, error) {
	c, err := s.latestConsent(ctx, merchantID)
	if c == nil {
		return "", err
	}
	return c.State(), nil
}

// latestConsent is the merchant's latest consent record, nil when none was given.
func (s *Service) latestConsent(ctx context.Context, merchantID string) (*ConsentRecord, error) {
	c, err := s.store.Reader.BiometricConsent.Query().Where(biometricconsent.MerchantID(merchantID)).
		Order(ent.Desc(biometricconsent.FieldRecordedAt), ent.Desc(biometricconsent.FieldID)).First(ctx)
	switch {
	case ent.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return &ConsentRecord{Granted: c.Granted, RecordedAt: c.RecordedAt, Country: c.Country, LegalBasis: c.LegalBasis, WithdrawnAt: c.WithdrawnAt}, nil
}

func (s *Service) merchant(ctx context.Context, id string) (*ent.Merchant, error) {
	if id == "" {
		return nil, apperr.Invalid("merchant_id", "is required")
	}
	m, err := s.store.Ent.Merchant.Get(ctx, id)
	return m, store.MapError(err, "merchant "+id)
}

// openReview opens a review task for the merchant unless one is open for reason, and
// tells the merchant that its verification is under review.
func (s *Service) openReview(ctx context.Context, tx store.Tx, m *ent.Merchant, reason string, priority reviewtask.Priority) error {
	open, err := tx.ReviewTask.Query().Where(reviewtask.SubjectType("merchant"), reviewtask.SubjectID(m.ID),
		reviewtask.Reason(reason), reviewtask.StatusEQ(reviewtask.StatusOpen)).Exist(ctx)
	if err != nil || open {
		return err
	}
	err = tx.ReviewTask.Create().SetID(store.NewID("rev")).SetSubaccountID(m.SubaccountID).SetSubjectType("merchant").
		SetSubjectID(m.ID).SetReason(reason).SetPriority(priority).Exec(ctx)
	if err != nil {
		return err
	}
	return s.notify(ctx, tx, m, underReview(reason))
}
