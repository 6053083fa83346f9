package onboarding

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/ent/merchant"
	"github.com/idgate/idgate/ent/person"
	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/jobs"
	"github.com/idgate/idgate/internal/kyc"
	"github.com/idgate/idgate/internal/notify"
	"github.com/idgate/idgate/internal/pii"
	"github.com/idgate/idgate/internal/store"
	"github.com/idgate/idgate/internal/stripe"
)

// StripeConnect is the part of Stripe this package uses.
type StripeConnect interface {
	CreateConnectAccount(ctx context.Context, p stripe.AccountParams, idempotencyKey string) (string, error)
	CreateVerificationSession(ctx context.Context, p stripe.SessionParams, idempotencyKey string) (stripe.VerificationSession, error)
	GetVerificationSession(ctx context.Context, id string) (stripe.VerificationSession, error)
	GetVerifiedSession(ctx context.Context, id string) (stripe.VerificationSession, error)
	CreatePerson(ctx context.Context, account string, p stripe.PersonParams, idempotencyKey string) (string, error)
	UpdatePerson(ctx context.Context, account, person string, p stripe.PersonParams, idempotencyKey string) error
	UpdateAccountCompany(ctx context.Context, account, name, taxID, idempotencyKey string) error
	CopyDocumentFile(ctx context.Context, fileID, account, idempotencyKey string) (string, error)
	TestMode() bool
}

// Service onboards merchants.
type Service struct {
	store  *store.Store
	pii    *pii.Cipher
	stripe StripeConnect
	kyc    kyc.Provider   // database KYC for tiers 1 and 2; nil when none is configured
	jobs   jobs.Inserter  // pushes verified data to Stripe
	outbox *notify.Outbox // tells merchants the steps they must take
	log    *slog.Logger
	// refusals logs the provider's refusal of idgate's credentials, once a minute.
	refusals *rate.Sometimes
}

// NewService returns a Service; provider may be nil, and so may q and outbox in tests of
// parts that neither push nor notify.
func NewService(st *store.Store, cipher *pii.Cipher, sc StripeConnect, provider kyc.Provider, q jobs.Inserter, outbox *notify.Outbox, log *slog.Logger) *Service {
	return &Service{store: st, pii: cipher, stripe: sc, kyc: provider, jobs: q, outbox: outbox, log: log, refusals: &rate.Sometimes{Interval: time.Minute}}
}

// Requirements are Stripe's requirements of the account, as last synced.
type Requirements struct {
	CurrentlyDue        []string           `json:"currently_due"`
	EventuallyDue       []string           `json:"eventually_due"`
	PastDue             []string           `json:"past_due"`
	PendingVerification []string           `json:"pending_verification"`
	Errors              []RequirementError `json:"errors"`
	DisabledReason      string             `json:"disabled_reason"`
	CurrentDeadline     int64              `json:"current_deadline"`
}

// RequirementError is one of Stripe's requirements.errors.
type RequirementError struct {
	Code        string `json:"code"`
	Reason      string `json:"reason"`
	Requirement string `json:"requirement"`
}

// Person is a person of the merchant's account.
type Person struct {
	ID, VerificationStatus, DetailsCode string
}

// Merchant is a seller's onboarding state, with the next action it needs.
type Merchant struct {
	ID, SubaccountID, ExternalID, StripeAccountID, Country, BusinessType, Route string
	Tier                                                                        int
	HighRisk, ChargesEnabled, PayoutsEnabled                                    bool
	Requirements                                                                Requirements
	Capabilities                                                                map[string]string
	Persons                                                                     []Person
	Consent                                                                     string // "", "granted" or "declined"
	ConsentRecord                                                               *ConsentRecord
	Checks                                                                      []LedgerEntry // the ledger, oldest first
	KYCStatus                                                                   string        // "", verified, review, rejected
	// DocumentRejected: Stripe rejected the identity document last attached to the
	// merchant's person, so the merchant must verify a new one.
	DocumentRejected     bool
	tiers                map[int]string // latest check outcome per tier
	NextAction           string
	CreatedAt, UpdatedAt time.Time
}

// NewMerchant is what a platform supplies.
type NewMerchant struct {
	SubaccountID, ExternalID, Country, BusinessType, Email string
	HighRisk                                               bool
}

var (
	countryCode   = regexp.MustCompile(`^[A-Z]{2}$`)
	businessTypes = []string{"individual", "company", "non_profit", "government_entity"}
)

// Validate names the first wrong field.
func (n NewMerchant) Validate() error {
	switch {
	case n.SubaccountID == "":
		return apperr.Invalid("subaccount_id", "is required")
	case n.ExternalID == "" || len(n.ExternalID) > 255:
		return apperr.Invalid("external_id", "is required, at most 255 bytes")
	case !countryCode.MatchString(n.Country):
		return apperr.Invalid("country", "must be an ISO 3166-1 alpha-2 code in capitals, e.g. US or DE")
	case !slices.Contains(businessTypes, n.BusinessType):
		return apperr.Invalid("business_type", "must be individual, company, non_profit or government_entity")
	case n.Email != "" && (len(n.Email) > 254 || !strings.Contains(n.Email, "@")):
		return apperr.Invalid("email", "must be an email address")
	}
	return nil
}

// CreateMerchant records a merchant and creates its Connect custom account (card_payments
// and transfers requested; metadata with our merchant id and the required assurance
// level). It is idempotent on (subaccount, external id), and a retry after a failed Stripe
// call creates the same account, not a second one.
func (s *Service) CreateMerchant(ctx context.Context, n NewMerchant) (Merchant, error) {
	if err := n.Validate(); err != nil {
		return Merchant{}, err
	}
	row, err := s.store.Ent.Merchant.Query().Where(merchant.SubaccountID(n.SubaccountID), merchant.ExternalID(n.ExternalID)).Only(ctx)
	switch {
	case ent.IsNotFound(err):
		if ok, err := s.store.Ent.Subaccount.Get(ctx, n.SubaccountID); err != nil || ok == nil {
			return Merchant{}, store.MapError(err, "subaccount "+n.SubaccountID)
		}
		// The merchant and the notification of its first step are written together.
		err = s.store.InTx(ctx, func(tx store.Tx) error {
			row, err = tx.Merchant.Create().SetID(store.NewID("mer")).SetSubaccountID(n.SubaccountID).
				SetExternalID(n.ExternalID).SetCountry(n.Country).SetBusinessType(n.BusinessType).
				SetHighRisk(n.HighRisk).SetRoute(Route(n.Country, n.HighRisk)).Save(ctx)
			if err != nil {
				return err
			}
			return s.notify(ctx, tx, row, firstStep(row))
		})
		if err != nil {
			return Merchant{}, store.MapError(err, "merchant")
		}
		row = row.Unwrap() // out of the finished transaction
	case err != nil:
		return Merchant{}, err
	case row.Country != n.Country || row.BusinessType != n.BusinessType:
		return Merchant{}, apperr.Conflict("merchant %s already has external_id in this subaccount with another country or business type", row.ID)
	}
	if row.StripeAccountID == nil {
		acct, err := s.stripe.CreateConnectAccount(ctx, stripe.AccountParams{
			Country: n.Country, BusinessType: n.BusinessType, Email: n.Email,
			Metadata: map[string]string{
				"idgate_merchant_id": row.ID, "subaccount_id": row.SubaccountID,
				"required_assurance_level": row.Route,
			},
		}, "merchant:"+row.ID+":account")
		if err != nil {
			return Merchant{}, err
		}
		if row, err = row.Update().SetStripeAccountID(acct).Save(ctx); err != nil {
			return Merchant{}, store.MapError(err, "merchant "+row.ID)
		}
		s.log.InfoContext(ctx, "connected account created", "merchant_id", row.ID, "route", row.Route)
	}
	return s.view(ctx, row)
}

// GetMerchant returns a merchant's state and next action.
func (s *Service) GetMerchant(ctx context.Context, id string) (Merchant, error) {
	if id == "" {
		return Merchant{}, apperr.Invalid("id", "is required")
	}
	row, err := s.merchant(ctx, id)
	if err != nil {
		return Merchant{}, err
	}
	return s.view(ctx, row)
}

func (s *Service) view(ctx context.Context, r *ent.Merchant) (Merchant, error) {
	m := Merchant{
		ID: r.ID, SubaccountID: r.SubaccountID, ExternalID: r.ExternalID, Country: r.Country,
		BusinessType: r.BusinessType, Route: r.Route, Tier: Tier(r.Route), HighRisk: r.HighRisk,
		ChargesEnabled: r.ChargesEnabled, PayoutsEnabled: r.PayoutsEnabled, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		KYCStatus: r.KycStatus, DocumentRejected: documentRejected(r),
	}
	if r.StripeAccountID != nil {
		m.StripeAccountID = *r.StripeAccountID
	}
	if err := json.Unmarshal([]byte(r.Requirements), &m.Requirements); err != nil {
		return Merchant{}, fmt.Errorf("merchant %s requirements: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(r.Capabilities), &m.Capabilities); err != nil {
		return Merchant{}, fmt.Errorf("merchant %s capabilities: %w", r.ID, err)
	}
	persons, err := s.store.Reader.Person.Query().Where(person.MerchantID(r.ID)).All(ctx)
	if err != nil {
		return Merchant{}, err
	}
	for _, p := range persons {
		m.Persons = append(m.Persons, Person{ID: p.StripePersonID, VerificationStatus: p.VerificationStatus, DetailsCode: p.VerificationDetailsCode})
	}
	if m.ConsentRecord, err = s.latestConsent(ctx, r.ID); err != nil {
		return Merchant{}, err
	}
	if m.ConsentRecord != nil {
		m.Consent = m.ConsentRecord.State()
	}
	if m.Checks, err = s.ledger(ctx, r.ID); err != nil {
		return Merchant{}, err
	}
	m.tiers = outcomes(m.Checks)
	m.NextAction = nextAction(m)
	return m, nil
}

// nextAction is what the merchant (or idgate) must do next: Stripe's requirements first
// (mapped to the tier that meets them), then the merchant's route.
func nextAction(m Merchant) string {
	q := m.Requirements
	switch {
	case m.StripeAccountID == "":
		return "retry_account_creation"
	case m.ChargesEnabled && len(q.PastDue) == 0 && len(q.CurrentlyDue) == 0:
		return "none"
	case m.DocumentRejected && m.KYCStatus == KYCVerified:
		return ActionDocument // before Stripe's account.updated asks for verification.document
	case len(q.PastDue) > 0 || len(q.CurrentlyDue) > 0 || len(q.Errors) > 0:
		return Remediate(q)
	case len(q.PendingVerification) > 0 || m.KYCStatus == KYCVerified:
		return "wait_for_stripe_verification"
	case m.KYCStatus == KYCRejected:
		return "rejected"
	case m.KYCStatus == KYCReview || m.Consent == "declined" && m.KYCStatus != KYCVerified:
		return "manual_review" // the non-biometric path
	case m.tiers[1] == OutcomePending || m.tiers[2] == OutcomePending:
		return ActionWaitDatabaseKYC
	case m.Route == RouteDatabaseKYC && m.tiers[1] == "":
		return ActionDatabaseKYC
	case m.Route == RouteDatabaseKYC && m.tiers[1] == OutcomeNoMatch && m.tiers[2] == "":
		return ActionCollectFullSSN
	case m.Consent == "granted":
		return ActionDocument // tier 3: the route's start, or after tiers 1 and 2
	default:
		return "record_biometric_consent"
	}
}

// documentRejected reports whether Stripe rejected a file of the document last attached to
// the merchant's person.
func documentRejected(m *ent.Merchant) bool {
	return slices.ContainsFunc(m.DocumentFiles, func(f string) bool { return slices.Contains(m.RejectedDocumentFiles, f) })
}
