package identity

import (
	"context"
	"net"
	"regexp"
	"strings"
	"time"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/ent/reviewtask"
	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/notify"
	"github.com/idgate/idgate/internal/store"
)

// DefaultLegalBasis is the GDPR basis for processing biometric data.
const DefaultLegalBasis = "gdpr_article_9_explicit_consent"

// Consent is an answer to the biometric consent request, a merchant's or a customer's.
type Consent struct {
	Granted    bool
	IPAddress  string
	UserAgent  string
	LegalBasis string // default DefaultLegalBasis
	Country    string // customers only (a merchant's is its own): ISO 3166-1 alpha-2, optional
}

var countryCode = regexp.MustCompile(`^[A-Z]{2}$`)

// Validate checks the answer, naming the first field that is wrong, and fills the default
// legal basis.
func (c *Consent) Validate() error {
	switch {
	case c.IPAddress != "" && net.ParseIP(c.IPAddress) == nil:
		return apperr.Invalid("ip_address", "must be an IPv4 or IPv6 address")
	case len(c.UserAgent) > 1000:
		return apperr.Invalid("user_agent", "must be at most 1000 characters")
	case c.Granted && (c.IPAddress == "" || c.UserAgent == ""):
		return apperr.Invalid("ip_address", "and user_agent are required to record a grant")
	case c.Country != "" && !countryCode.MatchString(c.Country):
		return apperr.Invalid("country", "must be an ISO 3166-1 alpha-2 code such as DE")
	}
	if c.LegalBasis == "" {
		c.LegalBasis = DefaultLegalBasis
	}
	if len(c.LegalBasis) > 100 || strings.ContainsAny(c.LegalBasis, " \t\n") {
		return apperr.Invalid("legal_basis", "must be a short identifier such as %s", DefaultLegalBasis)
	}
	return nil
}

// ConsentRecord is a customer's latest answer to the biometric check, without the sealed
// IP address and user agent.
type ConsentRecord struct {
	Granted             bool
	RecordedAt          time.Time
	Country, LegalBasis string
	SessionID           string // the Stripe session that reported a decline, if Stripe did
}

// RecordBiometricConsent stores the customer's answer to the biometric check, the IP
// address and user agent encrypted. A decline puts them on the subaccount's non-biometric
// alternative (declined); a grant returns them to the usual session.
func (s *Service) RecordBiometricConsent(ctx context.Context, customerID string, c Consent) (Customer, error) {
	if customerID == "" {
		return Customer{}, apperr.Invalid("customer_id", "is required")
	}
	if err := c.Validate(); err != nil {
		return Customer{}, err
	}
	_, err := s.update(ctx, customerID, func(tx store.Tx, row *ent.Customer) (*ent.Customer, error) {
		if isVerified(row) {
			return nil, apperr.FailedPrecondition("customer %s is already verified", customerID)
		}
		if err := s.recordConsent(ctx, tx, row, c, ""); err != nil {
			return nil, err
		}
		if c.Granted {
			return row.Update().SetIdentityVerificationPath(string(PathStandard)).Save(ctx)
		}
		return s.declined(ctx, tx, row, ReasonConsentDeclined, nil)
	})
	if err != nil {
		return Customer{}, err
	}
	return s.GetCustomer(ctx, customerID)
}

// recordConsent writes one consent row for the customer; sessionID names the Stripe session
// whose outcome was the answer.
func (s *Service) recordConsent(ctx context.Context, tx store.Tx, row *ent.Customer, c Consent, sessionID string) error {
	id := store.NewID("bcn")
	ip, err := s.pii.Seal(c.IPAddress, id, "ip_address")
	if err != nil {
		return err
	}
	ua, err := s.pii.Seal(c.UserAgent, id, "user_agent")
	if err != nil {
		return err
	}
	return tx.BiometricConsent.Create().SetID(id).SetCustomerID(row.ID).SetSubaccountID(row.SubaccountID).
		SetGranted(c.Granted).SetRecordedAt(s.now()).SetIPAddress(ip).SetUserAgent(ua).SetCountry(c.Country).
		SetLegalBasis(c.LegalBasis).SetVerificationSessionID(sessionID).Exec(ctx)
}

// declined moves the locked customer onto the subaccount's non-biometric alternative.
// On an alternative already, a session of that path back declined (or with a device that
// cannot) sends them to manual review; anything else (a repeated call) changes nothing. A
// review task is opened for reason.
func (s *Service) declined(ctx context.Context, tx store.Tx, row *ent.Customer, reason string, session *Path) (*ent.Customer, error) {
	sub, err := tx.Subaccount.Get(ctx, row.SubaccountID)
	if err != nil {
		return nil, err
	}
	cur, path := Path(row.IdentityVerificationPath), Path(sub.NonBiometricAlternative)
	switch {
	case cur == PathStandard && path == "":
		path = PathManualReview
	case cur == PathStandard:
	case session != nil && *session == cur:
		path = PathManualReview
	default:
		return row, nil
	}
	if path != cur {
		if row, err = row.Update().SetIdentityVerificationPath(string(path)).Save(ctx); err != nil {
			return nil, err
		}
		s.log.InfoContext(ctx, "customer on a non-biometric path", "customer_id", row.ID, "path", string(path), "reason", reason)
	}
	if path == PathManualReview {
		return row, s.toReview(ctx, tx, row, reason, reviewtask.PriorityHigh)
	}
	return row, s.outbox.Add(ctx, tx, row.SubaccountID, notify.Customer(row.ID), notify.RequiresInput(path.startMessage()))
}

// toReview opens a review task for the customer unless one is open for reason, and tells
// them an operator is verifying them. Their status stays as it is (the gate answers
// wait_for_review on the manual_review path).
func (s *Service) toReview(ctx context.Context, tx store.Tx, row *ent.Customer, reason string, priority reviewtask.Priority) error {
	created, _, err := s.reviewTask(ctx, tx, row, reason, priority)
	if err != nil || !created {
		return err
	}
	return s.outbox.Add(ctx, tx, row.SubaccountID, notify.Customer(row.ID), notify.UnderReview(reviewMessage))
}

// consentRecord is a stored answer as GetCustomer shows it.
func consentRecord(c *ent.BiometricConsent) *ConsentRecord {
	return &ConsentRecord{Granted: c.Granted, RecordedAt: c.RecordedAt, Country: c.Country, LegalBasis: c.LegalBasis, SessionID: c.VerificationSessionID}
}
