// Package tenant holds subaccounts, the platform's tenants, and their identity-verification
// policy.
package tenant

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/jobs"
	"github.com/idgate/idgate/internal/store"
	"github.com/idgate/idgate/internal/stripe"
)

// Mode says which customers of a subaccount must verify their identity.
type Mode string

// The modes of seed 004.
const (
	ModeDisabled  Mode = "disabled"   // nobody is asked to verify by policy
	ModeAllUsers  Mode = "all_users"  // every customer verifies before the first gated action
	ModeRiskBased Mode = "risk_based" // customers whose risk score reaches the threshold verify
)

// Policy defaults.
const (
	DefaultRiskThreshold = 50
	DefaultMaxAttempts   = 3
	maxAttemptsLimit     = 100
	maxNameLen           = 200
)

// Subaccount is a tenant and its policy.
type Subaccount struct {
	ID            string
	Name          string
	Mode          Mode
	RiskThreshold int // 0-100
	MaxAttempts   int // verification sessions per customer before manual review
	Documents     DocumentOptions
	StepUp        StepUpPolicy
	// NonBiometric is what a customer who declines the biometric check gets.
	NonBiometric Alternative
	// VerificationFlow is a Stripe Dashboard verification flow ("vf_...") used instead of
	// Documents for the usual session; "" for none.
	VerificationFlow string
	// ReviewDetailsMismatch sends a verified session whose name or date of birth differs
	// from the platform's to manual review.
	ReviewDetailsMismatch bool
	CreatedAt             time.Time
	UpdatedAt             time.Time
}

// DocumentOptions are the Stripe Identity options of the subaccount's sessions.
type DocumentOptions struct {
	RequireMatchingSelfie bool
	RequireLiveCapture    bool
	RequireIDNumber       bool
	AllowedTypes          []string // driving_license, id_card, passport
}

// StepUpPolicy decides which payments need the payer to pass a challenge before capture.
type StepUpPolicy struct {
	AmountThresholds map[string]int64 // lowercase currency → minor units
	RiskThreshold    int              // 0: off
	OnFraudWarning   bool
	Fallback         string // FallbackIdentity or FallbackNone
	CancelOnFailure  bool
	ChallengeTTL     time.Duration
	// EnrollmentRequiresVerification lets only identity-verified customers enrol a passkey.
	EnrollmentRequiresVerification bool
}

// Alternative is the non-biometric way a subaccount offers customers who decline the
// biometric check (seed 001: some jurisdictions require one).
type Alternative string

// The alternatives.
const (
	AlternativeManualReview Alternative = "manual_review" // an operator verifies them (a review task)
	AlternativeDocumentOnly Alternative = "document_only" // a document session without a selfie
	AlternativeIDNumber     Alternative = "id_number"     // Stripe's id_number check (name, date of birth, id number)
)

// ParseAlternative accepts the alternatives' names.
func ParseAlternative(s string) (Alternative, error) {
	switch a := Alternative(s); a {
	case AlternativeManualReview, AlternativeDocumentOnly, AlternativeIDNumber:
		return a, nil
	}
	return "", apperr.Invalid("non_biometric_alternative", "must be manual_review, document_only or id_number")
}

// Step-up fallbacks for customers without a passkey.
const (
	FallbackIdentity = "identity"
	FallbackNone     = "none"
)

// DefaultStepUp is the policy of a subaccount that sets none.
var DefaultStepUp = StepUpPolicy{OnFraudWarning: true, Fallback: FallbackIdentity, ChallengeTTL: 5 * time.Minute}

func (p StepUpPolicy) validate() error {
	for cur, min := range p.AmountThresholds {
		if !stripe.ValidCurrency(cur) {
			return apperr.Invalid("stepup_policy.amount_thresholds", "keys must be lowercase ISO currency codes, like usd")
		}
		if min <= 0 {
			return apperr.Invalid("stepup_policy.amount_thresholds", "amounts must be positive, in minor units")
		}
	}
	if p.RiskThreshold < 0 || p.RiskThreshold > 100 {
		return apperr.Invalid("stepup_policy.risk_threshold", "must be between 0 (off) and 100")
	}
	if p.Fallback != FallbackIdentity && p.Fallback != FallbackNone {
		return apperr.Invalid("stepup_policy.fallback", "must be identity or none")
	}
	if p.ChallengeTTL < 30*time.Second || p.ChallengeTTL > time.Hour {
		return apperr.Invalid("stepup_policy.challenge_ttl_seconds", "must be between 30 and 3600")
	}
	return nil
}

// DocumentTypes Stripe Identity accepts.
var DocumentTypes = []string{"driving_license", "id_card", "passport"}

// Changes are the fields to set; nil fields keep their value (or take the default on
// create).
type Changes struct {
	Name          *string
	Mode          *string
	RiskThreshold *int
	MaxAttempts   *int

	RequireMatchingSelfie *bool
	RequireLiveCapture    *bool
	RequireIDNumber       *bool
	AllowedTypes          []string // nil or empty: unchanged
	StepUp                *StepUpPolicy
	NonBiometric          *string
	VerificationFlow      *string // "": none
	ReviewDetailsMismatch *bool
}

// Service creates, reads and updates subaccounts.
type Service struct {
	store *store.Store
	jobs  jobs.Inserter
}

// NewService returns a Service; q enqueues the re-evaluation that follows a policy change.
func NewService(st *store.Store, q jobs.Inserter) *Service { return &Service{store: st, jobs: q} }

// PolicyChangedArgs is the job that follows a change of a subaccount's mode or threshold:
// it re-decides, under the subaccount's policy as it then is, which of its unverified
// customers must verify (identity.NewReevaluateWorker), a batch at a time.
type PolicyChangedArgs struct {
	SubaccountID string `json:"subaccount_id"`
	After        string `json:"after,omitempty"` // the customer id the next batch starts after
}

// Kind names the job.
func (PolicyChangedArgs) Kind() string { return "reevaluate_requirements" }

// Create registers a subaccount; a nil or empty Mode means disabled.
func (s *Service) Create(ctx context.Context, c Changes) (Subaccount, error) {
	sa := Subaccount{
		Mode: ModeDisabled, RiskThreshold: DefaultRiskThreshold, MaxAttempts: DefaultMaxAttempts,
		Documents: DocumentOptions{RequireMatchingSelfie: true, RequireLiveCapture: true, AllowedTypes: DocumentTypes},
		StepUp:    DefaultStepUp,

		NonBiometric: AlternativeManualReview, ReviewDetailsMismatch: true,
	}
	if c.Mode != nil && *c.Mode == "" {
		c.Mode = nil
	}
	if c.Name == nil {
		return Subaccount{}, apperr.Invalid("name", "is required")
	}
	if err := c.apply(&sa); err != nil {
		return Subaccount{}, err
	}
	create := s.store.Ent.Subaccount.Create().
		SetID(store.NewID("sub")).
		SetName(sa.Name).
		SetIdentityVerificationMode(string(sa.Mode)).
		SetIdentityVerificationRiskThreshold(sa.RiskThreshold).
		SetMaxVerificationAttempts(sa.MaxAttempts).
		SetRequireMatchingSelfie(sa.Documents.RequireMatchingSelfie).
		SetRequireLiveCapture(sa.Documents.RequireLiveCapture).
		SetRequireIDNumber(sa.Documents.RequireIDNumber).
		SetAllowedDocumentTypes(sa.Documents.AllowedTypes)
	setPolicy(create.Mutation(), sa)
	row, err := create.Save(ctx)
	if err != nil {
		return Subaccount{}, store.MapError(err, "subaccount")
	}
	return fromRow(row), nil
}

// Get returns one subaccount.
func (s *Service) Get(ctx context.Context, id string) (Subaccount, error) {
	if id == "" {
		return Subaccount{}, apperr.Invalid("id", "is required")
	}
	row, err := s.store.Reader.Subaccount.Get(ctx, id)
	if err != nil {
		return Subaccount{}, store.MapError(err, "subaccount "+id)
	}
	return fromRow(row), nil
}

// Update applies c to subaccount id. A change of mode or threshold enqueues, in the same
// transaction, the re-evaluation of the subaccount's customers (PolicyChangedArgs).
func (s *Service) Update(ctx context.Context, id string, c Changes) (Subaccount, error) {
	if id == "" {
		return Subaccount{}, apperr.Invalid("id", "is required")
	}
	var out Subaccount
	err := s.store.InTx(ctx, func(tx store.Tx) error {
		row, err := tx.Subaccount.Get(ctx, id)
		if err != nil {
			return store.MapError(err, "subaccount "+id)
		}
		sa := fromRow(row)
		before := sa
		if err := c.apply(&sa); err != nil {
			return err
		}
		update := row.Update().
			SetName(sa.Name).
			SetIdentityVerificationMode(string(sa.Mode)).
			SetIdentityVerificationRiskThreshold(sa.RiskThreshold).
			SetMaxVerificationAttempts(sa.MaxAttempts).
			SetRequireMatchingSelfie(sa.Documents.RequireMatchingSelfie).
			SetRequireLiveCapture(sa.Documents.RequireLiveCapture).
			SetRequireIDNumber(sa.Documents.RequireIDNumber).
			SetAllowedDocumentTypes(sa.Documents.AllowedTypes)
		setPolicy(update.Mutation(), sa)
		row, err = update.Save(ctx)
		if err != nil {
			return store.MapError(err, "subaccount "+id)
		}
		out = fromRow(row)
		if sa.Mode == before.Mode && sa.RiskThreshold == before.RiskThreshold {
			return nil
		}
		if _, err := s.jobs.InsertTx(ctx, tx.SQL, PolicyChangedArgs{SubaccountID: id}, nil); err != nil {
			return fmt.Errorf("enqueue re-evaluation of %s: %w", id, err)
		}
		return nil
	})
	return out, err
}

// apply validates each set field and copies it into sa.
func (c Changes) apply(sa *Subaccount) error {
	if c.Name != nil {
		name := strings.TrimSpace(*c.Name)
		switch {
		case name == "":
			return apperr.Invalid("name", "is required")
		case utf8.RuneCountInString(name) > maxNameLen || !utf8.ValidString(name):
			return apperr.Invalid("name", "must be valid UTF-8 of at most %d characters", maxNameLen)
		}
		sa.Name = name
	}
	if c.Mode != nil {
		m, err := ParseMode(*c.Mode)
		if err != nil {
			return err
		}
		sa.Mode = m
	}
	if c.RiskThreshold != nil {
		if *c.RiskThreshold < 0 || *c.RiskThreshold > 100 {
			return apperr.Invalid("identity_verification_risk_threshold", "must be between 0 and 100")
		}
		sa.RiskThreshold = *c.RiskThreshold
	}
	if c.MaxAttempts != nil {
		if *c.MaxAttempts < 1 || *c.MaxAttempts > maxAttemptsLimit {
			return apperr.Invalid("max_verification_attempts", "must be between 1 and %d", maxAttemptsLimit)
		}
		sa.MaxAttempts = *c.MaxAttempts
	}
	if c.RequireMatchingSelfie != nil {
		sa.Documents.RequireMatchingSelfie = *c.RequireMatchingSelfie
	}
	if c.RequireLiveCapture != nil {
		sa.Documents.RequireLiveCapture = *c.RequireLiveCapture
	}
	if c.RequireIDNumber != nil {
		sa.Documents.RequireIDNumber = *c.RequireIDNumber
	}
	if len(c.AllowedTypes) > 0 {
		seen := map[string]bool{}
		var types []string
		for _, t := range c.AllowedTypes {
			if !slices.Contains(DocumentTypes, t) {
				return apperr.Invalid("allowed_document_types", "each must be driving_license, id_card or passport")
			}
			if !seen[t] {
				seen[t] = true
				types = append(types, t)
			}
		}
		sa.Documents.AllowedTypes = types
	}
	if c.NonBiometric != nil {
		a, err := ParseAlternative(*c.NonBiometric)
		if err != nil {
			return err
		}
		sa.NonBiometric = a
	}
	if c.VerificationFlow != nil {
		if f := *c.VerificationFlow; f != "" && !stripe.ValidID(f, "vf") {
			return apperr.Invalid("verification_flow", "must be a Stripe verification flow id (vf_...) or empty")
		}
		sa.VerificationFlow = *c.VerificationFlow
	}
	if c.ReviewDetailsMismatch != nil {
		sa.ReviewDetailsMismatch = *c.ReviewDetailsMismatch
	}
	if c.StepUp != nil {
		p := *c.StepUp
		if p.Fallback == "" {
			p.Fallback = FallbackIdentity
		}
		if p.ChallengeTTL == 0 {
			p.ChallengeTTL = DefaultStepUp.ChallengeTTL
		}
		if err := p.validate(); err != nil {
			return err
		}
		sa.StepUp = p
	}
	return nil
}

func setPolicy(m *ent.SubaccountMutation, sa Subaccount) {
	m.SetNonBiometricAlternative(string(sa.NonBiometric))
	m.SetVerificationFlow(sa.VerificationFlow)
	m.SetReviewProvidedDetailsMismatch(sa.ReviewDetailsMismatch)
	p := sa.StepUp
	m.SetStepupAmountThresholds(p.AmountThresholds)
	m.SetStepupRiskThreshold(p.RiskThreshold)
	m.SetStepupOnFraudWarning(p.OnFraudWarning)
	m.SetStepupFallback(p.Fallback)
	m.SetStepupCancelOnFailure(p.CancelOnFailure)
	m.SetStepupChallengeTTLSeconds(int(p.ChallengeTTL / time.Second))
	m.SetEnrollmentRequiresVerification(p.EnrollmentRequiresVerification)
}

// ParseMode accepts the three mode spellings of seed 004.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case ModeDisabled, ModeAllUsers, ModeRiskBased:
		return m, nil
	}
	return "", apperr.Invalid("identity_verification_mode", "must be disabled, all_users or risk_based")
}

func fromRow(r *ent.Subaccount) Subaccount {
	return Subaccount{
		ID: r.ID, Name: r.Name, Mode: Mode(r.IdentityVerificationMode),
		RiskThreshold: r.IdentityVerificationRiskThreshold, MaxAttempts: r.MaxVerificationAttempts,
		Documents: DocumentOptions{
			RequireMatchingSelfie: r.RequireMatchingSelfie, RequireLiveCapture: r.RequireLiveCapture,
			RequireIDNumber: r.RequireIDNumber, AllowedTypes: r.AllowedDocumentTypes,
		},
		StepUp: StepUpPolicy{
			AmountThresholds: r.StepupAmountThresholds, RiskThreshold: r.StepupRiskThreshold,
			OnFraudWarning: r.StepupOnFraudWarning, Fallback: r.StepupFallback, CancelOnFailure: r.StepupCancelOnFailure,
			ChallengeTTL:                   time.Duration(r.StepupChallengeTTLSeconds) * time.Second,
			EnrollmentRequiresVerification: r.EnrollmentRequiresVerification,
		},
		NonBiometric: Alternative(r.NonBiometricAlternative), VerificationFlow: r.VerificationFlow,
		ReviewDetailsMismatch: r.ReviewProvidedDetailsMismatch,
		CreatedAt:             r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}
