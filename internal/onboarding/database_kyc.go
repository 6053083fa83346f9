package onboarding

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/ent/kyccheck"
	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/kyc"
	"github.com/idgate/idgate/internal/store"
)

// PersonData is the representative's identity data for database KYC (tier 1).
type PersonData struct {
	FirstName, LastName string
	DOB                 string // YYYY-MM-DD
	Address             kyc.Address
	SSNLast4            string
	// KYB, for business_type company only.
	BusinessLegalName string
	BusinessEIN       string // 9 digits; "12-3456789" is accepted
}

var (
	last4   = regexp.MustCompile(`^[0-9]{4}$`)
	fullSSN = regexp.MustCompile(`^[0-9]{9}$`)
	ein     = regexp.MustCompile(`^[0-9]{2}-?[0-9]{7}$`)
)

// business checks the KYB fields against the merchant's business type: a company gives
// both, anyone else neither.
func (p PersonData) business(businessType string) (*kyc.Business, error) {
	if businessType != "company" {
		switch {
		case p.BusinessLegalName != "":
			return nil, apperr.Invalid("business_legal_name", "is only for merchants of business_type company")
		case p.BusinessEIN != "":
			return nil, apperr.Invalid("business_ein", "is only for merchants of business_type company")
		}
		return nil, nil
	}
	switch {
	case strings.TrimSpace(p.BusinessLegalName) == "": // validate checked the lengths and format
		return nil, apperr.Invalid("business_legal_name", "is required for a company")
	case p.BusinessEIN == "":
		return nil, apperr.Invalid("business_ein", "is required for a company: its EIN, 9 digits")
	}
	return &kyc.Business{LegalName: p.BusinessLegalName, TaxID: strings.ReplaceAll(p.BusinessEIN, "-", "")}, nil
}

func (p PersonData) validate() (kyc.Date, error) {
	switch {
	case strings.TrimSpace(p.FirstName) == "" || len(p.FirstName) > 100:
		return kyc.Date{}, apperr.Invalid("first_name", "is required, at most 100 characters")
	case strings.TrimSpace(p.LastName) == "" || len(p.LastName) > 100:
		return kyc.Date{}, apperr.Invalid("last_name", "is required, at most 100 characters")
	case p.Address.Line1 == "" || p.Address.City == "" || p.Address.PostalCode == "":
		return kyc.Date{}, apperr.Invalid("address", "needs line1, city and postal_code")
	case !last4.MatchString(p.SSNLast4):
		return kyc.Date{}, apperr.Invalid("ssn_last4", "must be 4 digits")
	case p.BusinessEIN != "" && !ein.MatchString(p.BusinessEIN):
		return kyc.Date{}, apperr.Invalid("business_ein", "must be the company's EIN, 9 digits")
	case len(p.BusinessLegalName) > 200:
		return kyc.Date{}, apperr.Invalid("business_legal_name", "must be at most 200 characters")
	}
	d, err := time.Parse(time.DateOnly, p.DOB)
	if err != nil || d.After(time.Now()) {
		return kyc.Date{}, apperr.Invalid("dob", "must be a date of birth as YYYY-MM-DD")
	}
	return kyc.Date{Year: d.Year(), Month: int(d.Month()), Day: d.Day()}, nil
}

// StartDatabaseKYC runs tier 1: the database-KYC provider checks name, date of birth,
// address and the SSN's last four, and for a company its legal name and EIN (KYB). The
// identity and business data are kept sealed for tier 2 and the push to Stripe; the SSN
// digits are kept (sealed) only on a match, until they are pushed.
func (s *Service) StartDatabaseKYC(ctx context.Context, merchantID string, p PersonData) (Merchant, error) {
	dob, err := p.validate()
	if err != nil {
		return Merchant{}, err
	}
	m, err := s.merchant(ctx, merchantID)
	if err != nil {
		return Merchant{}, err
	}
	if m.Route != RouteDatabaseKYC {
		return Merchant{}, apperr.FailedPrecondition("merchant %s is verified by document and liveness, not database KYC", m.ID)
	}
	biz, err := p.business(m.BusinessType)
	if err != nil {
		return Merchant{}, err
	}
	return s.databaseCheck(ctx, m, 1, func() (*ent.Merchant, kyc.Request, error) {
		if m.KycStatus != "" {
			return nil, kyc.Request{}, apperr.FailedPrecondition("merchant %s is already %s", m.ID, m.KycStatus)
		}
		if tiers, err := s.checkOutcomes(ctx, m.ID); err != nil {
			return nil, kyc.Request{}, err
		} else if tiers[1] == OutcomePending || tiers[2] == OutcomePending {
			return nil, kyc.Request{}, apperr.FailedPrecondition("merchant %s's database KYC check is pending at Stripe; wait for its result", m.ID)
		}
		addr, _ := json.Marshal(p.Address)
		plain := map[string]string{"person_first_name": p.FirstName, "person_last_name": p.LastName, "person_dob": p.DOB, "person_address": string(addr)}
		if biz != nil {
			plain["business_legal_name"], plain["business_tax_id"] = biz.LegalName, biz.TaxID
		}
		sealed := map[string]string{}
		for f, v := range plain {
			if sealed[f], err = s.pii.Seal(v, m.ID, f); err != nil {
				return nil, kyc.Request{}, err
			}
		}
		u := m.Update().SetPersonFirstName(sealed["person_first_name"]).SetPersonLastName(sealed["person_last_name"]).
			SetPersonDob(sealed["person_dob"]).SetPersonAddress(sealed["person_address"])
		if biz != nil {
			u.SetBusinessLegalName(sealed["business_legal_name"]).SetBusinessTaxID(sealed["business_tax_id"])
		}
		saved, err := u.Save(ctx)
		if err != nil {
			return nil, kyc.Request{}, err
		}
		return saved, kyc.Request{Country: m.Country, FirstName: p.FirstName, LastName: p.LastName, DOB: dob, Address: p.Address, NationalID: p.SSNLast4, Business: biz}, nil
	})
}

// SubmitFullSSN runs tier 2 after a tier-1 no-match: the same provider with the full SSN,
// which passes through to the provider; on a match it is kept sealed until it is pushed to
// Stripe, then wiped.
func (s *Service) SubmitFullSSN(ctx context.Context, merchantID, ssn string) (Merchant, error) {
	if !fullSSN.MatchString(ssn) {
		return Merchant{}, apperr.Invalid("ssn", "must be 9 digits")
	}
	m, err := s.merchant(ctx, merchantID)
	if err != nil {
		return Merchant{}, err
	}
	return s.databaseCheck(ctx, m, 2, func() (*ent.Merchant, kyc.Request, error) {
		tiers, err := s.checkOutcomes(ctx, m.ID)
		if err != nil {
			return nil, kyc.Request{}, err
		}
		if tiers[1] != OutcomeNoMatch || tiers[2] != "" || m.KycStatus != "" {
			return nil, kyc.Request{}, apperr.FailedPrecondition("merchant %s is not waiting for a full SSN (tier 2 follows a tier-1 no-match, once)", m.ID)
		}
		plain := map[string]string{}
		for f, v := range map[string]string{"person_first_name": m.PersonFirstName, "person_last_name": m.PersonLastName, "person_dob": m.PersonDob,
			"person_address": m.PersonAddress, "business_legal_name": m.BusinessLegalName, "business_tax_id": m.BusinessTaxID} {
			if v == "" {
				continue
			}
			if plain[f], err = s.pii.Open(v, m.ID, f); err != nil {
				return nil, kyc.Request{}, err
			}
		}
		var addr kyc.Address
		_ = json.Unmarshal([]byte(plain["person_address"]), &addr)
		d, _ := time.Parse(time.DateOnly, plain["person_dob"])
		req := kyc.Request{Country: m.Country, FirstName: plain["person_first_name"], LastName: plain["person_last_name"],
			DOB: kyc.Date{Year: d.Year(), Month: int(d.Month()), Day: d.Day()}, Address: addr, NationalID: ssn}
		if plain["business_tax_id"] != "" {
			req.Business = &kyc.Business{LegalName: plain["business_legal_name"], TaxID: plain["business_tax_id"]}
		}
		return m, req, nil
	})
}

// claimStale is how long a running claim holds: one older than that was abandoned (its
// replica died while asking the provider), and the attempt may be taken again.
const claimStale = 5 * time.Minute

// databaseCheck runs the merchant's database-KYC attempt at tier. The attempt is claimed
// in the database before anything else (see claim); only the claimant prepares it (checks
// the merchant's state, keeps its data) and asks the provider, under the claim's id as
// the reference. What the provider answers completes the check, records it in the ledger
// and, on a match, marks the merchant verified, keeps the matched SSN digits sealed and
// enqueues their push to Stripe, in one transaction. A provider error after which nothing
// was billed (kyc.Unbilled) releases the claim and leaves the merchant where it was; any
// other error may follow a billed check, which is recorded as an error under its
// reference, as the error says.
func (s *Service) databaseCheck(ctx context.Context, m *ent.Merchant, tier int, prepare func() (*ent.Merchant, kyc.Request, error)) (Merchant, error) {
	if s.kyc == nil {
		return Merchant{}, apperr.Unavailable(nil, "no database KYC provider is configured (IDGATE_TRULIOO_URL, or IDGATE_DATABASE_KYC_PROVIDER=stripe_connect; the sandbox provider serves Stripe test mode only)")
	}
	c, done, err := s.claim(ctx, m, tier)
	switch {
	case err != nil:
		return Merchant{}, err
	case done: // a retry of a finished attempt: its result stands
		return s.GetMerchant(ctx, m.ID)
	}
	m, req, err := prepare()
	if err != nil {
		s.release(ctx, c)
		return Merchant{}, err
	}
	req.Reference = c.ID
	if m.StripeAccountID != nil {
		req.ConnectAccount = *m.StripeAccountID
	}
	if m.StripePersonID != nil {
		req.ConnectPerson = *m.StripePersonID
	}
	req.Individual = m.BusinessType == "individual"
	start := time.Now()
	res, err := s.kyc.Verify(ctx, req)
	latency := time.Since(start)
	var unbilled *kyc.Unbilled
	switch {
	case errors.As(err, &unbilled):
		s.release(ctx, c)
		if unbilled.Setting != "" {
			s.refusals.Do(func() {
				s.log.ErrorContext(ctx, "the database KYC provider refused idgate's credentials: fix the setting", "provider", c.Provider, "setting", unbilled.Setting, "merchant_id", m.ID)
			})
		}
		return Merchant{}, err
	case err != nil:
		if ferr := finish(ctx, s.store.Ent, c, OutcomeError, latency, res.TransactionID); ferr != nil {
			s.log.ErrorContext(ctx, "record failed KYC check", "merchant_id", m.ID, "check_id", c.ID, "err", ferr)
		}
		return Merchant{}, err
	}
	outcome := OutcomeNoMatch
	switch res.Outcome {
	case kyc.Match:
		outcome = OutcomeMatch
	case kyc.Pending:
		outcome = OutcomePending
	}
	// What a provider verified itself is pushed to Stripe by the push job, the SSN digits
	// kept sealed only until then; a provider that submitted to Stripe has done the push.
	push := res.ConnectPerson == ""
	var sealedID string
	if outcome == OutcomeMatch && push {
		if sealedID, err = s.pii.Seal(req.NationalID, m.ID, "person_id_number"); err != nil {
			return Merchant{}, err
		}
	}
	err = s.store.InTx(ctx, func(tx store.Tx) error {
		if res.ConnectPerson != "" && m.StripePersonID == nil {
			if err := tx.Merchant.UpdateOneID(m.ID).SetStripePersonID(res.ConnectPerson).Exec(ctx); err != nil {
				return err
			}
		}
		if err := finish(ctx, tx.Client, c, outcome, latency, res.TransactionID); err != nil {
			return err
		}
		return s.conclude(ctx, tx, m, tier, outcome, push, sealedID)
	})
	if err != nil {
		return Merchant{}, err
	}
	s.log.InfoContext(ctx, "database KYC check", "merchant_id", m.ID, "tier", tier, "provider", c.Provider, "outcome", outcome)
	return s.GetMerchant(ctx, m.ID)
}

// claim takes the merchant's database-KYC attempt at tier: one check row per attempt,
// running, unpriced and outside the ledger until the provider answers. Its claim (merchant
// and tier) is unique, so of two concurrent calls one inserts it and the other is told to
// retry in a moment. A released attempt (its provider performed nothing) or an abandoned
// one is taken again by a conditional update, under the same id. done says the attempt
// has finished: a retry gets its result.
func (s *Service) claim(ctx context.Context, m *ent.Merchant, tier int) (c *ent.KYCCheck, done bool, err error) {
	key := fmt.Sprintf("%s:%d", m.ID, tier)
	now := time.Now().UTC()
	c, err = s.store.Ent.KYCCheck.Create().SetID(store.NewID("chk")).SetClaim(key).SetMerchantID(m.ID).
		SetSubaccountID(m.SubaccountID).SetCountry(m.Country).SetProvider(s.kyc.Name()).SetTier(tier).
		SetOutcome(OutcomeRunning).SetLatencyMs(0).SetCostCents(0).SetAt(now).Save(ctx)
	if !ent.IsConstraintError(err) {
		return c, false, err
	}
	if c, err = s.store.Ent.KYCCheck.Query().Where(kyccheck.Claim(key)).Only(ctx); err != nil {
		return nil, false, err
	}
	if c.Outcome != OutcomeRunning && c.Outcome != OutcomeReleased {
		return c, true, nil
	}
	n, err := s.store.Ent.KYCCheck.Update().Where(kyccheck.ID(c.ID), kyccheck.Or(kyccheck.Outcome(OutcomeReleased),
		kyccheck.And(kyccheck.Outcome(OutcomeRunning), kyccheck.AtLT(now.Add(-claimStale))))).
		SetOutcome(OutcomeRunning).SetProvider(s.kyc.Name()).SetAt(now).Save(ctx)
	switch {
	case err != nil:
		return nil, false, err
	case n == 0:
		return nil, false, apperr.FailedPrecondition("a database check for merchant %s is already running; retry in a moment", m.ID)
	case c.Outcome == OutcomeRunning:
		s.log.WarnContext(ctx, "abandoned database KYC claim taken again", "merchant_id", m.ID, "check_id", c.ID)
	}
	c.Outcome, c.Provider, c.At = OutcomeRunning, s.kyc.Name(), now
	return c, false, nil
}

// release gives up the claim c, whose provider performed nothing: the attempt is neither
// billed nor counted, and the next call takes it again.
func (s *Service) release(ctx context.Context, c *ent.KYCCheck) {
	err := s.store.Ent.KYCCheck.Update().Where(kyccheck.ID(c.ID), kyccheck.Outcome(OutcomeRunning)).
		SetOutcome(OutcomeReleased).Exec(ctx)
	if err != nil { // it stays running until claimStale, then is taken again
		s.log.ErrorContext(ctx, "release database KYC claim", "merchant_id", c.MerchantID, "check_id", c.ID, "err", err)
	}
}

// finish completes the running check c with the provider's answer, priced: from now on
// it is a check of the ledger.
func finish(ctx context.Context, client *ent.Client, c *ent.KYCCheck, outcome string, latency time.Duration, transactionID string) error {
	n, err := client.KYCCheck.Update().Where(kyccheck.ID(c.ID), kyccheck.Outcome(OutcomeRunning)).
		SetOutcome(outcome).SetLatencyMs(int(latency.Milliseconds())).SetCostCents(DefaultCosts[c.Provider][c.Tier]).
		SetTransactionID(transactionID).Save(ctx)
	if err == nil && n == 0 {
		err = fmt.Errorf("database KYC check %s was taken over while its provider answered", c.ID)
	}
	return err
}

// conclude acts on a database-KYC tier's outcome in tx: a match verifies the merchant (and
// enqueues the push of the data, push telling whether it is needed), a no-match leads to
// the next tier; either way the merchant is told its next step. A pending outcome waits.
func (s *Service) conclude(ctx context.Context, tx store.Tx, m *ent.Merchant, tier int, outcome string, push bool, sealedID string) error {
	next := verified()
	switch {
	case outcome == OutcomePending:
		return nil
	case outcome == OutcomeMatch:
		u := tx.Merchant.UpdateOneID(m.ID).SetKycStatus(KYCVerified)
		if sealedID != "" {
			u.SetPersonIDNumber(sealedID)
		}
		if !push {
			u.SetBusinessTaxID("") // the provider gave it to Stripe itself
		}
		if err := u.Exec(ctx); err != nil {
			return err
		}
		if push {
			if err := s.enqueuePush(ctx, tx, PushPersonArgs{MerchantID: m.ID, Tier: tier}); err != nil {
				return err
			}
		}
	case tier == 1:
		next = fullSSNRequired()
	default:
		// Tier 3 follows a tier-2 no-match: it checks a document, not the EIN.
		if err := tx.Merchant.UpdateOneID(m.ID).SetBusinessTaxID("").Exec(ctx); err != nil {
			return err
		}
		next = documentRequired(m.Country)
	}
	return s.notify(ctx, tx, m, next)
}

// completeConnectCheck completes the pending stripe_connect check of the person with
// Stripe's verification status from person.updated: verified is a match, unverified with a
// details code a no-match; anything else leaves it pending. The check's latency runs from
// the submission to the event.
func (s *Service) completeConnectCheck(ctx context.Context, tx store.Tx, m *ent.Merchant, personID, status, detailsCode string, at time.Time) error {
	outcome := ""
	switch {
	case status == "verified":
		outcome = OutcomeMatch
	case status == "unverified" && detailsCode != "":
		outcome = OutcomeNoMatch
	default:
		return nil
	}
	c, err := tx.KYCCheck.Query().Where(kyccheck.MerchantID(m.ID), kyccheck.TransactionID(personID),
		kyccheck.Provider(ProviderStripeConnect), kyccheck.Outcome(OutcomePending)).
		Order(ent.Desc(kyccheck.FieldAt), ent.Desc(kyccheck.FieldID)).First(ctx)
	switch {
	case ent.IsNotFound(err):
		return nil
	case err != nil:
		return err
	case at.Before(c.At.Truncate(time.Second)):
		return nil // about the person before this submission
	}
	// Only one delivery completes the check.
	n, err := tx.KYCCheck.Update().Where(kyccheck.ID(c.ID), kyccheck.Outcome(OutcomePending)).
		SetOutcome(outcome).SetLatencyMs(int(max(0, at.Sub(c.At)).Milliseconds())).Save(ctx)
	if err != nil || n == 0 {
		return err
	}
	s.log.InfoContext(ctx, "database KYC check completed", "merchant_id", m.ID, "tier", c.Tier, "provider", c.Provider, "outcome", outcome)
	return s.conclude(ctx, tx, m, c.Tier, outcome, false, "")
}

// checkOutcomes returns the latest outcome per tier of the merchant's checks.
func (s *Service) checkOutcomes(ctx context.Context, merchantID string) (map[int]string, error) {
	checks, err := s.ledger(ctx, merchantID)
	return outcomes(checks), err
}

// outcomes maps each tier to the outcome of its latest check.
func outcomes(checks []LedgerEntry) map[int]string {
	out := map[int]string{}
	for _, c := range checks {
		out[c.Tier] = c.Outcome
	}
	return out
}

// LedgerEntry is a recorded check, with what it cost.
type LedgerEntry struct {
	ID, Provider, Outcome string
	Tier, CostCents       int
	At                    time.Time
}

// ledger returns the merchant's checks in the ledger, oldest first.
func (s *Service) ledger(ctx context.Context, merchantID string) ([]LedgerEntry, error) {
	rows, err := s.store.Reader.KYCCheck.Query().Where(kyccheck.MerchantID(merchantID), inLedger).
		Order(ent.Asc(kyccheck.FieldAt), ent.Asc(kyccheck.FieldID)).All(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]LedgerEntry, len(rows))
	for i, c := range rows {
		out[i] = LedgerEntry{ID: c.ID, Provider: c.Provider, Outcome: c.Outcome, Tier: c.Tier, CostCents: c.CostCents, At: c.At}
	}
	return out, nil
}
