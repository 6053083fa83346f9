// Package identity holds customers (riders, buyers) and their identity verification: the
// policy that flags them, Stripe Identity sessions and their webhook events, the gate that
// answers whether they may act, and the operator actions of seed 004.
package identity

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/ent/biometricconsent"
	"github.com/idgate/idgate/ent/customer"
	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/auth"
	"github.com/idgate/idgate/internal/clock"
	"github.com/idgate/idgate/internal/jobs"
	"github.com/idgate/idgate/internal/notify"
	"github.com/idgate/idgate/internal/pii"
	"github.com/idgate/idgate/internal/store"
	"github.com/idgate/idgate/internal/stripe"
)

// Customer is a person of a subaccount who may have to verify.
type Customer struct {
	ID               string
	SubaccountID     string
	ExternalID       string
	StripeCustomerID string
	Email            string
	Phone            string
	Provided         Provided // name and date of birth on file
	CreatedAt        time.Time
	UpdatedAt        time.Time
	Identity         Identity
}

// Identity is a customer's verification state with seed 004's fields.
type Identity struct {
	Required       bool
	RequiredAt     *time.Time
	RequiredReason string
	Status         *string // nil: never attempted
	VerifiedAt     *time.Time
	SessionID      *string
	AttemptCount   int
	LastErrorCode  string
	RiskScore      *int
	RadarRiskScore *int
	RiskLevel      *string
	FirstName      string
	LastName       string
	DOB            string
	IDType         string
	Address        *stripe.Address
	IDNumberLast4  string
	IssuingCountry string
	ExpirationDate string
	Manual         bool
	ManualNotes    string
	ManualBy       string
	ManualAt       *time.Time
	RedactedAt     *time.Time
	Path           Path
	Consent        *ConsentRecord // the latest answer to the biometric check; nil: none
}

// Advice is what to tell the unverified customer and the operator (the gate's answer had
// the customer to verify); for a verified customer, nothing.
func (i Identity) Advice() Advice {
	if i.Status != nil && *i.Status == StatusVerified {
		return Advice{OperatorAction: OperatorNone}
	}
	st := ""
	if i.Status != nil {
		st = *i.Status
	}
	return advise(st, i.LastErrorCode, i.Path)
}

// Guidance is what to tell the customer about their latest failed attempt or their path.
func (i Identity) Guidance() string {
	if i.LastErrorCode == "" && i.Path == PathStandard {
		return ""
	}
	return i.Advice().Message
}

// NewCustomer is what a platform supplies to register a customer.
type NewCustomer struct {
	SubaccountID     string
	ExternalID       string
	StripeCustomerID string
	Email            string
	Phone            string
	Provided         Provided
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// Validate checks every field, naming the first that is wrong. Messages never repeat the
// value: it may be personal data.
func (n NewCustomer) Validate() error {
	switch {
	case n.SubaccountID == "":
		return apperr.Invalid("subaccount_id", "is required")
	case n.ExternalID == "":
		return apperr.Invalid("external_id", "is required")
	case len(n.ExternalID) > 255 || !utf8.ValidString(n.ExternalID) || strings.IndexFunc(n.ExternalID, unicode.IsControl) >= 0:
		return apperr.Invalid("external_id", "must be at most 255 bytes of printable UTF-8")
	case n.StripeCustomerID != "" && !stripe.ValidID(n.StripeCustomerID, "cus"):
		return apperr.Invalid("stripe_customer_id", "must be a Stripe customer id (cus_...)")
	case n.Phone != "" && !e164.MatchString(n.Phone):
		return apperr.Invalid("phone", "must be in E.164 form, e.g. +14155550123")
	case !validName(n.Provided.FirstName):
		return apperr.Invalid("first_name", "must be at most 100 characters of printable UTF-8")
	case !validName(n.Provided.LastName):
		return apperr.Invalid("last_name", "must be at most 100 characters of printable UTF-8")
	case n.Provided.DOB != "" && !validDOB(n.Provided.DOB):
		return apperr.Invalid("dob", "must be a date of birth in YYYY-MM-DD form")
	}
	if n.Email != "" {
		a, err := mail.ParseAddress(n.Email)
		if err != nil || a.Address != n.Email || len(n.Email) > 254 {
			return apperr.Invalid("email", "must be a plain address such as rider@example.com")
		}
	}
	return nil
}

func validName(s string) bool {
	return utf8.RuneCountInString(s) <= 100 && utf8.ValidString(s) && strings.IndexFunc(s, unicode.IsControl) < 0
}

func validDOB(s string) bool {
	t, err := time.Parse(time.DateOnly, s)
	return err == nil && t.Year() >= 1900 && t.Before(time.Now())
}

// StripeIdentity is the part of Stripe this package uses.
type StripeIdentity interface {
	CreateVerificationSession(ctx context.Context, p stripe.SessionParams, idempotencyKey string) (stripe.VerificationSession, error)
	GetVerificationSession(ctx context.Context, id string) (stripe.VerificationSession, error)
	GetVerifiedSession(ctx context.Context, id string) (stripe.VerificationSession, error)
	RedactVerificationSession(ctx context.Context, id, idempotencyKey string) error
	TestMode() bool
}

// Service is the customer-identity domain.
type Service struct {
	store  *store.Store
	pii    *pii.Cipher
	stripe StripeIdentity
	jobs   jobs.Inserter
	outbox *notify.Outbox
	log    *slog.Logger
	now    func() time.Time
	forget []Forget
	owners []SessionOwner // of sessions beyond customers', for SimulateVerificationOutcome
	driver SessionDriver  // moves sessions for SimulateVerificationOutcome (the sandbox), or nil

	gateRead     *store.ReadStatement // gateQuery
	customerRead *store.ReadStatement // customerQuery
	gate         *gateCache

	unknownCodes atomic.Uint64
}

// UnknownErrorCodes counts the sessions that came back with a last_error code the outcome
// table does not know (decided as a retry), for /metrics.
func (s *Service) UnknownErrorCodes() uint64 { return s.unknownCodes.Load() }

// NewService returns a Service; clk is the time its rules read (retention, reconciliation).
func NewService(st *store.Store, cipher *pii.Cipher, sc StripeIdentity, q jobs.Inserter, outbox *notify.Outbox, clk clock.Clock, log *slog.Logger) *Service {
	s := &Service{store: st, pii: cipher, stripe: sc, jobs: q, outbox: outbox, log: log, now: func() time.Time { return clk.Now().UTC() }}
	s.gateRead, s.customerRead = st.ReadStatement(gateQuery), st.ReadStatement(customerQuery)
	s.gate = newGateCache(st, clk, log)
	st.Ent.Customer.Use(s.gate.hook)
	return s
}

// CacheGate keeps up to size customers' gate state in memory (see gateCache); call it
// before serving, and run FollowGateChanges beside the server.
func (s *Service) CacheGate(size int) {
	s.gate.size(size)
}

// CreateCustomer registers a customer. It is idempotent on (subaccount, external id): the
// same details again return the existing customer with created=false; different details
// for an existing external id, or a Stripe customer id another customer of the subaccount
// holds, are a conflict. In an all_users subaccount the new customer
// must verify before the first gated action.
func (s *Service) CreateCustomer(ctx context.Context, n NewCustomer) (c Customer, created bool, err error) {
	if err := n.Validate(); err != nil {
		return Customer{}, false, err
	}
	if c, found, err := s.existing(ctx, n); found || err != nil {
		return c, false, err
	}
	err = s.store.InTx(ctx, func(tx store.Tx) error {
		sub, err := tx.Subaccount.Get(ctx, n.SubaccountID)
		if err != nil {
			return store.MapError(err, "subaccount "+n.SubaccountID)
		}
		id := store.NewID("cust")
		sealed, err := s.seal(id, map[string]string{"email": n.Email, "phone": n.Phone,
			"first_name": n.Provided.FirstName, "last_name": n.Provided.LastName, "dob": n.Provided.DOB})
		if err != nil {
			return err
		}
		create := tx.Customer.Create().
			SetID(id).
			SetSubaccountID(n.SubaccountID).
			SetExternalID(n.ExternalID).
			SetEmail(sealed["email"]).
			SetPhone(sealed["phone"]).
			SetFirstName(sealed["first_name"]).
			SetLastName(sealed["last_name"]).
			SetDob(sealed["dob"])
		if n.StripeCustomerID != "" {
			create.SetStripeCustomerID(n.StripeCustomerID)
		}
		row, err := create.Save(ctx)
		if err != nil {
			return err
		}
		if row, err = s.decide(ctx, tx, row, sub); err != nil {
			return err
		}
		c, err = s.fromRow(row)
		return err
	})
	switch {
	case err == nil:
		return c, true, nil
	case ent.IsConstraintError(err):
		// A concurrent create of the same customer won the race, or another customer of
		// this subaccount holds the Stripe customer id. Stripe customer ids are unique
		// within a subaccount only, so other tenants' customers never conflict (nor show).
		if c, found, err := s.existing(ctx, n); found || err != nil {
			return c, false, err
		}
		return Customer{}, false, apperr.Conflict("stripe_customer_id is already linked to another customer of this subaccount")
	default:
		return Customer{}, false, err
	}
}

// existing returns the customer already registered under n's external id, if any, or a
// conflict when its details differ from n's.
func (s *Service) existing(ctx context.Context, n NewCustomer) (Customer, bool, error) {
	row, err := s.store.Ent.Customer.Query().
		Where(customer.SubaccountID(n.SubaccountID), customer.ExternalID(n.ExternalID)).
		Only(ctx)
	if ent.IsNotFound(err) {
		return Customer{}, false, nil
	}
	if err != nil {
		return Customer{}, false, store.MapError(err, "customer")
	}
	c, err := s.fromRow(row)
	if err != nil {
		return Customer{}, false, err
	}
	if c.StripeCustomerID != n.StripeCustomerID || c.Email != n.Email || c.Phone != n.Phone || c.Provided != n.Provided {
		return Customer{}, false, apperr.Conflict("customer %s already has external_id in this subaccount with different details; update it instead", c.ID)
	}
	return c, true, nil
}

// GetCustomer returns one customer.
func (s *Service) GetCustomer(ctx context.Context, id string) (Customer, error) {
	if id == "" {
		return Customer{}, apperr.Invalid("id", "is required")
	}
	row, consent, err := s.readCustomer(ctx, id)
	if err != nil {
		return Customer{}, err
	}
	c, err := s.fromRow(row)
	if err != nil {
		return Customer{}, err
	}
	if consent != nil {
		c.Identity.Consent = consentRecord(consent)
	}
	return c, nil
}

// customerQuery reads a customer and its latest biometric consent (NULLs when none) in one
// statement: GetCustomer's read (through ent it was two queries, most of whose cost was
// building them; BENCHMARKS.md). It reads every column but those GetCustomer never shows,
// so a column added to the schema is read unless it is listed here.
var (
	customerColumns = except(customer.Columns, customer.FieldIdentityVerificationRequiredSource, customer.FieldIdentityRequirementClearedAt,
		customer.FieldStripeRiskChargeID, customer.FieldStripeRiskChargeCreated, customer.FieldFraudWarningID, customer.FieldFraudWarningAt,
		customer.FieldAppliedFraudWarningID, customer.FieldAppliedFraudWarningAt, customer.FieldIdentityRedactionRequestedAt, customer.FieldPiiTouchedAt)
	consentColumns = except(biometricconsent.Columns, biometricconsent.FieldMerchantID, biometricconsent.FieldCustomerID, biometricconsent.FieldSubaccountID,
		biometricconsent.FieldIPAddress, biometricconsent.FieldUserAgent, biometricconsent.FieldWithdrawnAt, biometricconsent.FieldPiiTouchedAt)
	customerQuery = "SELECT " + qualified("c", customerColumns) + ", " + qualified("b", consentColumns) +
		" FROM customers c LEFT JOIN biometric_consents b ON b.id = (SELECT id FROM biometric_consents" +
		" WHERE customer_id = c.id ORDER BY recorded_at DESC, id DESC LIMIT 1) WHERE c.id = ?"
)

func except(columns []string, left ...string) []string {
	return slices.DeleteFunc(slices.Clone(columns), func(c string) bool { return slices.Contains(left, c) })
}

func qualified(table string, columns []string) string {
	out := make([]string, len(columns))
	for i, c := range columns {
		out[i] = table + "." + c
	}
	return strings.Join(out, ", ")
}

// readCustomer is customerQuery for id, with the tenancy ent's interceptor would apply:
// another tenant's customer is not found, exactly as one that does not exist.
func (s *Service) readCustomer(ctx context.Context, id string) (*ent.Customer, *ent.BiometricConsent, error) {
	cdest, customerOf, err := ent.ScanCustomer(customerColumns)
	if err != nil {
		return nil, nil, err
	}
	bdest, consentOf, err := ent.ScanBiometricConsent(consentColumns)
	if err != nil {
		return nil, nil, err
	}
	row, err := s.customerRead.QueryRow(ctx, id)
	if err == nil {
		err = row.Scan(append(cdest, bdest...)...)
	}
	if err != nil {
		return nil, nil, store.MapError(err, "customer "+id)
	}
	c, err := customerOf()
	if err != nil {
		return nil, nil, err
	}
	if !auth.Visible(ctx, c.SubaccountID) {
		return nil, nil, store.MapError(sql.ErrNoRows, "customer "+id) // as if there were no row
	}
	b, err := consentOf()
	if err != nil || b.ID == "" {
		return c, nil, err
	}
	return c, b, nil
}

// lockCustomer reads a customer for update inside tx.
func (s *Service) lockCustomer(ctx context.Context, tx store.Tx, id string) (*ent.Customer, error) {
	if id == "" {
		return nil, apperr.Invalid("id", "is required")
	}
	row, err := store.Locked(tx, tx.Customer.Query().Where(customer.ID(id))).Only(ctx)
	if err != nil {
		return nil, store.MapError(err, "customer "+id)
	}
	return row, nil
}

// seal encrypts values (keyed by column) for customer id.
func (s *Service) seal(id string, values map[string]string) (map[string]string, error) {
	out := make(map[string]string, len(values))
	for f, v := range values {
		sealed, err := s.pii.Seal(v, id, f)
		if err != nil {
			return nil, fmt.Errorf("encrypt %s: %w", f, err)
		}
		out[f] = sealed
	}
	return out, nil
}

// sealedColumns reads a stored customer's sealed columns by name.
var sealedColumns = map[string]func(*ent.Customer) string{
	"email": func(r *ent.Customer) string { return r.Email }, "phone": func(r *ent.Customer) string { return r.Phone },
	"first_name": func(r *ent.Customer) string { return r.FirstName }, "last_name": func(r *ent.Customer) string { return r.LastName },
	"dob":                      func(r *ent.Customer) string { return r.Dob },
	"identity_first_name":      func(r *ent.Customer) string { return r.IdentityFirstName },
	"identity_last_name":       func(r *ent.Customer) string { return r.IdentityLastName },
	"identity_dob":             func(r *ent.Customer) string { return r.IdentityDob },
	"identity_address":         func(r *ent.Customer) string { return r.IdentityAddress },
	"identity_id_number_last4": func(r *ent.Customer) string { return r.IdentityIDNumberLast4 },
}

// open decrypts the named sealed columns of a stored customer (all of them without names).
func (s *Service) open(r *ent.Customer, cols ...string) (map[string]string, error) {
	if len(cols) == 0 {
		for c := range sealedColumns {
			cols = append(cols, c)
		}
	}
	plain := make(map[string]string, len(cols))
	for _, f := range cols {
		p, err := s.pii.Open(sealedColumns[f](r), r.ID, f)
		if err != nil {
			return nil, fmt.Errorf("customer %s %s: %w", r.ID, f, err)
		}
		plain[f] = p
	}
	return plain, nil
}

// fromRow converts a stored customer, decrypting its personal data.
func (s *Service) fromRow(r *ent.Customer) (Customer, error) {
	plain, err := s.open(r)
	if err != nil {
		return Customer{}, err
	}
	c := Customer{
		ID: r.ID, SubaccountID: r.SubaccountID, ExternalID: r.ExternalID,
		Email: plain["email"], Phone: plain["phone"], CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		Provided: Provided{FirstName: plain["first_name"], LastName: plain["last_name"], DOB: plain["dob"]},
		Identity: Identity{
			Required: r.IdentityVerificationRequired, RequiredAt: r.IdentityVerificationRequiredAt,
			RequiredReason: r.IdentityVerificationRequiredReason, Status: r.IdentityStatus,
			VerifiedAt: r.IdentityVerifiedAt, SessionID: r.IdentitySessionID, AttemptCount: r.IdentityAttemptCount,
			LastErrorCode: r.IdentityLastErrorCode, RiskScore: r.StripeRiskScore, RadarRiskScore: r.StripeRadarRiskScore,
			RiskLevel: r.StripeRiskLevel, FirstName: plain["identity_first_name"], LastName: plain["identity_last_name"],
			DOB: plain["identity_dob"], IDType: r.IdentityIDType, IDNumberLast4: plain["identity_id_number_last4"],
			IssuingCountry: r.IdentityIssuingCountry, ExpirationDate: r.IdentityExpirationDate,
			Manual: r.IdentityManualVerification, ManualNotes: r.IdentityManualVerificationNotes,
			ManualBy: r.IdentityManualVerificationBy, ManualAt: r.IdentityManualVerificationAt,
			RedactedAt: r.IdentityRedactedAt, Path: Path(r.IdentityVerificationPath),
		},
	}
	if r.StripeCustomerID != nil {
		c.StripeCustomerID = *r.StripeCustomerID
	}
	if addr := plain["identity_address"]; addr != "" {
		var a stripe.Address
		if json.Unmarshal([]byte(addr), &a) == nil {
			c.Identity.Address = &a
		}
	}
	return c, nil
}
