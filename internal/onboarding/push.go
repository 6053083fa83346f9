package onboarding

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/riverqueue/river"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/ent/merchant"
	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/kyc"
	"github.com/idgate/idgate/internal/store"
	"github.com/idgate/idgate/internal/stripe"
)

// PushPersonArgs is the job that pushes the data a tier verified into the merchant's
// Connect account as its person (seed 000's accounts.createPerson). It carries ids only;
// the data stays sealed in the database until the job reads it.
type PushPersonArgs struct {
	MerchantID string `json:"merchant_id"`
	Tier       int    `json:"tier"`
	SessionID  string `json:"session_id,omitempty"` // tier 3: the verified Identity session
}

// Kind names the job.
func (PushPersonArgs) Kind() string { return "push_merchant_person" }

// PushPersonWorker works PushPersonArgs jobs; an error retries with backoff, so a Stripe
// outage delays the push and loses nothing.
type PushPersonWorker struct {
	river.WorkerDefaults[PushPersonArgs]
	svc *Service
}

// NewPushPersonWorker returns the worker.
func NewPushPersonWorker(s *Service) *PushPersonWorker { return &PushPersonWorker{svc: s} }

// Work pushes the person. A request Stripe refuses as invalid is not retried.
func (w *PushPersonWorker) Work(ctx context.Context, job *river.Job[PushPersonArgs]) error {
	err := w.svc.PushPerson(ctx, job.Args)
	if apperr.KindOf(err) == apperr.KindFailedPrecondition {
		w.svc.log.ErrorContext(ctx, "Stripe refused the person push", "merchant_id", job.Args.MerchantID, "tier", job.Args.Tier, "err", err)
		// Nothing will push the numbers now: they are not kept for it.
		if werr := w.svc.store.Ent.Merchant.UpdateOneID(job.Args.MerchantID).SetPersonIDNumber("").SetBusinessTaxID("").Exec(ctx); werr != nil {
			return werr
		}
		return river.JobCancel(err)
	}
	return err
}

// enqueuePush inserts the push in the transaction that records the tier's success.
func (s *Service) enqueuePush(ctx context.Context, tx store.Tx, args PushPersonArgs) error {
	if s.jobs == nil {
		return nil // no queue (tests of other parts of the service)
	}
	if _, err := s.jobs.InsertTx(ctx, tx.SQL, args, nil); err != nil {
		return fmt.Errorf("enqueue person push: %w", err)
	}
	return nil
}

// PushPerson creates the merchant's person in its Connect account, or updates the one it
// created before, with the data the tier verified: name, date of birth, address, the SSN
// (last four after tier 1, the full number after tier 2) and, for tier 3, the identity
// document the session verified (see documentFiles). The SSN is opened only for the call
// and wiped once Stripe has it. A document file Stripe rejected before is never attached
// again.
func (s *Service) PushPerson(ctx context.Context, a PushPersonArgs) error {
	m, err := s.store.Ent.Merchant.Get(ctx, a.MerchantID)
	if err != nil {
		return store.MapError(err, "merchant "+a.MerchantID)
	}
	if m.StripeAccountID == nil {
		return fmt.Errorf("merchant %s has no connected account yet", m.ID)
	}
	p, sources, err := s.personData(ctx, m, a)
	if err != nil {
		return err
	}
	if a.Tier == 3 && a.SessionID != "" {
		if p.DocumentFront, p.DocumentBack, err = s.documentFiles(ctx, m, sources); err != nil {
			return err
		}
	}
	if a.Tier < 3 && m.BusinessTaxID != "" {
		// KYB passed with the tier: the company's verified legal name and EIN go to the
		// account, then the EIN is wiped.
		if err := s.pushCompany(ctx, m, a.Tier); err != nil {
			return err
		}
	}
	key := fmt.Sprintf("merchant:%s:person:tier%d", m.ID, a.Tier)
	if a.SessionID != "" {
		// A later session (a new document after a rejected one) pushes other parameters.
		key += ":" + a.SessionID
	}
	personID := ""
	if m.StripePersonID != nil {
		personID = *m.StripePersonID
		err = s.stripe.UpdatePerson(ctx, *m.StripeAccountID, personID, p, key+":update")
	} else {
		personID, err = s.stripe.CreatePerson(ctx, *m.StripeAccountID, p, key)
	}
	if err != nil {
		return err
	}
	err = s.store.InTx(ctx, func(tx store.Tx) error {
		upd := tx.Merchant.UpdateOneID(m.ID).SetStripePersonID(personID)
		if p.DocumentFront != "" {
			upd.SetDocumentFiles(nonEmpty(p.DocumentFront, p.DocumentBack))
		}
		if err := upd.Exec(ctx); err != nil {
			return err
		}
		if p.IDNumber == "" && p.SSNLast4 == "" {
			return nil
		}
		// Wipe the SSN only if it is still the one pushed (a later tier may have replaced it).
		_, err := tx.Merchant.Update().Where(merchant.ID(m.ID), merchant.PersonIDNumber(m.PersonIDNumber)).SetPersonIDNumber("").Save(ctx)
		return err
	})
	if err != nil {
		return err
	}
	s.log.InfoContext(ctx, "person pushed to Stripe", "merchant_id", m.ID, "tier", a.Tier,
		"id_number", p.IDNumber != "", "ssn_last_4", p.SSNLast4 != "", "document", p.DocumentFront != "", "document_back", p.DocumentBack != "")
	return nil
}

func (s *Service) pushCompany(ctx context.Context, m *ent.Merchant, tier int) error {
	name, err := s.pii.Open(m.BusinessLegalName, m.ID, "business_legal_name")
	if err != nil {
		return err
	}
	taxID, err := s.pii.Open(m.BusinessTaxID, m.ID, "business_tax_id")
	if err != nil {
		return err
	}
	if err := s.stripe.UpdateAccountCompany(ctx, *m.StripeAccountID, name, taxID, fmt.Sprintf("merchant:%s:company:tier%d", m.ID, tier)); err != nil {
		return err
	}
	err = s.store.Ent.Merchant.UpdateOneID(m.ID).Where(merchant.BusinessTaxID(m.BusinessTaxID)).SetBusinessTaxID("").Exec(ctx)
	if err != nil && !ent.IsNotFound(err) {
		return err
	}
	s.log.InfoContext(ctx, "company pushed to Stripe", "merchant_id", m.ID, "tier", tier)
	return nil
}

// personData opens what the merchant row holds sealed and, for tier 3, reads the
// verified session's outputs, which take precedence, and its report's document files.
func (s *Service) personData(ctx context.Context, m *ent.Merchant, a PushPersonArgs) (stripe.PersonParams, []string, error) {
	p := stripe.PersonParams{Representative: true, Owner: m.BusinessType == "individual"}
	open := func(sealed, field string) (string, error) {
		if sealed == "" {
			return "", nil
		}
		return s.pii.Open(sealed, m.ID, field)
	}
	var err error
	if p.FirstName, err = open(m.PersonFirstName, "person_first_name"); err != nil {
		return p, nil, err
	}
	if p.LastName, err = open(m.PersonLastName, "person_last_name"); err != nil {
		return p, nil, err
	}
	if p.DOB, err = open(m.PersonDob, "person_dob"); err != nil {
		return p, nil, err
	}
	addr, err := open(m.PersonAddress, "person_address")
	if err != nil {
		return p, nil, err
	}
	if addr != "" {
		var ka kyc.Address
		if err := json.Unmarshal([]byte(addr), &ka); err != nil {
			return p, nil, fmt.Errorf("merchant %s address: %w", m.ID, err)
		}
		p.Address = &stripe.Address{Line1: ka.Line1, City: ka.City, State: ka.State, PostalCode: ka.PostalCode, Country: m.Country}
	}
	id, err := open(m.PersonIDNumber, "person_id_number")
	if err != nil {
		return p, nil, err
	}
	switch len(id) {
	case 9:
		p.IDNumber = id
	case 4:
		p.SSNLast4 = id
	}
	if a.Tier == 3 && a.SessionID != "" {
		vs, err := s.stripe.GetVerifiedSession(ctx, a.SessionID)
		if err != nil {
			return p, nil, err
		}
		if v := vs.Verified; v != nil {
			if v.FirstName != "" || v.LastName != "" {
				p.FirstName, p.LastName = v.FirstName, v.LastName
			}
			if v.DOB != "" {
				p.DOB = v.DOB
			}
			if v.Address != nil && v.Address.Line1 != "" {
				p.Address = v.Address
			}
		}
		return p, vs.DocumentFiles, nil
	}
	return p, nil, nil
}

// documentFiles returns the connected account's files to attach as the person's document
// front and back. Stripe Identity's images belong to the platform account, so each is
// copied into the connected account once (Files API, purpose identity_document; the copy's
// id recorded on the merchant before it is attached, so a retried push reuses it). A
// document of which Stripe rejected a copy is neither copied nor attached again: the
// merchant's next action asks for a new one. In test mode, a session whose report has no
// files gets Stripe's test document token instead, as Stripe's test mode expects; in live
// mode such a session pushes no document.
func (s *Service) documentFiles(ctx context.Context, m *ent.Merchant, sources []string) (front, back string, err error) {
	if len(sources) == 0 {
		if s.stripe.TestMode() && !slices.Contains(m.RejectedDocumentFiles, stripe.TestDocumentFile) {
			return stripe.TestDocumentFile, "", nil
		}
		return "", "", nil
	}
	sources = sources[:min(len(sources), 2)] // front, back
	uploads := maps.Clone(m.DocumentUploads)
	if uploads == nil {
		uploads = map[string]string{}
	}
	for _, src := range sources {
		if slices.Contains(m.RejectedDocumentFiles, src) || slices.Contains(m.RejectedDocumentFiles, uploads[src]) {
			s.log.InfoContext(ctx, "identity document rejected by Stripe before: not attached again", "merchant_id", m.ID)
			return "", "", nil
		}
	}
	copies := make([]string, len(sources))
	for i, src := range sources {
		if id, ok := uploads[src]; ok {
			copies[i] = id
			continue
		}
		id, err := s.stripe.CopyDocumentFile(ctx, src, *m.StripeAccountID, fmt.Sprintf("merchant:%s:document:%s", m.ID, src))
		if apperr.KindOf(err) == apperr.KindFailedPrecondition {
			// Gone or too large: the person goes without it, and Stripe's requirements
			// (verification.document) send the merchant back to the document step.
			s.log.WarnContext(ctx, "identity document not copied to the connected account", "merchant_id", m.ID, "err", err)
			return "", "", nil
		}
		if err != nil {
			return "", "", err
		}
		uploads[src] = id
		if err := s.store.Ent.Merchant.UpdateOneID(m.ID).SetDocumentUploads(uploads).Exec(ctx); err != nil {
			return "", "", fmt.Errorf("record document upload of merchant %s: %w", m.ID, err)
		}
		copies[i] = id
	}
	if len(copies) > 1 {
		back = copies[1]
	}
	return copies[0], back, nil
}

func nonEmpty(ss ...string) []string {
	return slices.DeleteFunc(ss, func(s string) bool { return s == "" })
}
