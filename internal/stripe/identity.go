package stripe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	stripego "github.com/stripe/stripe-go/v76"
)

// VerificationSession is the part of a Stripe Identity VerificationSession idgate keeps:
// references and status, never documents.
type VerificationSession struct {
	ID            string
	Status        string // requires_input, processing, verified, canceled
	ClientSecret  string
	URL           string
	LastErrorCode string
	Metadata      map[string]string
	// Redacted: Stripe has redacted the session's data (redaction.status "redacted").
	Redacted bool
	// Verified is filled by GetVerifiedSession for verified sessions.
	Verified *VerifiedData
	// DocumentFiles, filled by GetVerifiedSession, are the last report's images of the
	// document, front first then back (a passport has a front only): file ids of the
	// platform account, not of any connected account. The images stay at Stripe.
	DocumentFiles []string
}

// VerifiedData is what idgate keeps of a verified session's outputs and report. The
// document number is cut to its last four characters here, so the full number never leaves
// this package.
type VerifiedData struct {
	FirstName, LastName string
	DOB                 string // YYYY-MM-DD
	Address             *Address
	IDNumberLast4       string
	DocumentType        string // driving_license, id_card, passport
	IssuingCountry      string
	ExpirationDate      string // YYYY-MM-DD
}

// Address is a postal address.
type Address struct {
	Line1, Line2, City, State, PostalCode, Country string
}

// SessionParams describe a new verification session.
type SessionParams struct {
	// Type is "document" (the default) or "id_number"; ignored with VerificationFlow.
	Type string
	// VerificationFlow is a Dashboard verification flow ("vf_..."), sent instead of Type and
	// the document options.
	VerificationFlow string
	// Document options of a document session.
	RequireMatchingSelfie bool
	RequireLiveCapture    bool
	RequireIDNumber       bool
	AllowedTypes          []string // driving_license, id_card, passport
	ReturnURL             string
	Metadata              map[string]string
	// ClientReferenceID is idgate's id of the subject; RelatedCustomer its Stripe customer
	// ("cus_..."), so that Stripe links the customer's sessions.
	ClientReferenceID string
	RelatedCustomer   string
	// Email and Phone (E.164) are sent as provided_details: Stripe prefills and checks them.
	Email, Phone string
}

// SessionTypeIDNumber is Stripe's id_number check: name, date of birth and id number,
// without a document or a selfie.
const SessionTypeIDNumber = string(stripego.IdentityVerificationSessionTypeIDNumber)

// CreateVerificationSession starts a session. idempotencyKey makes a retried create return
// the same session instead of paying for a second.
func (c *Client) CreateVerificationSession(ctx context.Context, p SessionParams, idempotencyKey string) (VerificationSession, error) {
	if err := c.ready(); err != nil {
		return VerificationSession{}, err
	}
	params := &stripego.IdentityVerificationSessionParams{}
	switch {
	case p.VerificationFlow != "":
		params.VerificationFlow = stripego.String(p.VerificationFlow)
	case p.Type == SessionTypeIDNumber:
		params.Type = stripego.String(SessionTypeIDNumber)
	default:
		params.Type = stripego.String(string(stripego.IdentityVerificationSessionTypeDocument))
		params.Options = &stripego.IdentityVerificationSessionOptionsParams{
			Document: &stripego.IdentityVerificationSessionOptionsDocumentParams{
				RequireMatchingSelfie: stripego.Bool(p.RequireMatchingSelfie),
				RequireLiveCapture:    stripego.Bool(p.RequireLiveCapture),
				RequireIDNumber:       stripego.Bool(p.RequireIDNumber),
			},
		}
		if len(p.AllowedTypes) > 0 {
			params.Options.Document.AllowedTypes = stripego.StringSlice(p.AllowedTypes)
		}
	}
	if p.ReturnURL != "" {
		params.ReturnURL = stripego.String(p.ReturnURL)
	}
	if p.ClientReferenceID != "" {
		params.ClientReferenceID = stripego.String(p.ClientReferenceID)
	}
	if p.RelatedCustomer != "" {
		params.AddExtra("related_customer", p.RelatedCustomer) // newer than stripe-go v76
	}
	if p.Email != "" || p.Phone != "" {
		params.ProvidedDetails = &stripego.IdentityVerificationSessionProvidedDetailsParams{}
		if p.Email != "" {
			params.ProvidedDetails.Email = stripego.String(p.Email)
		}
		if p.Phone != "" {
			params.ProvidedDetails.Phone = stripego.String(p.Phone)
		}
	}
	for k, v := range p.Metadata {
		params.AddMetadata(k, v)
	}
	params.Context = ctx
	params.SetIdempotencyKey(idempotencyKey)
	vs, err := c.api.IdentityVerificationSessions.New(params)
	if err != nil {
		return VerificationSession{}, mapError(err, "create verification session")
	}
	return fromSession(vs), nil
}

// GetVerificationSession retrieves a session's current state.
func (c *Client) GetVerificationSession(ctx context.Context, id string) (VerificationSession, error) {
	if err := c.ready(); err != nil {
		return VerificationSession{}, err
	}
	params := &stripego.IdentityVerificationSessionParams{}
	params.Context = ctx
	vs, err := c.api.IdentityVerificationSessions.Get(id, params)
	if err != nil {
		return VerificationSession{}, mapError(err, "retrieve verification session")
	}
	return fromSession(vs), nil
}

// GetVerifiedSession retrieves a session with its verified outputs (date of birth and id
// number included) and last verification report.
func (c *Client) GetVerifiedSession(ctx context.Context, id string) (VerificationSession, error) {
	if err := c.ready(); err != nil {
		return VerificationSession{}, err
	}
	params := &stripego.IdentityVerificationSessionParams{}
	params.Context = ctx
	params.AddExpand("verified_outputs")
	params.AddExpand("verified_outputs.dob")
	params.AddExpand("last_verification_report")
	vs, err := c.api.IdentityVerificationSessions.Get(id, params)
	if err != nil {
		return VerificationSession{}, mapError(err, "retrieve verification session")
	}
	if vo := vs.VerifiedOutputs; vo != nil && vo.IDNumberType != "" {
		// An id number was collected: it is returned only when expanded by itself.
		params.AddExpand("verified_outputs.id_number")
		if vs, err = c.api.IdentityVerificationSessions.Get(id, params); err != nil {
			return VerificationSession{}, mapError(err, "retrieve verification session")
		}
	}
	out := fromSession(vs)
	out.Verified = verifiedData(vs)
	if r := vs.LastVerificationReport; r != nil && r.Document != nil {
		out.DocumentFiles = slices.Clone(r.Document.Files)
	}
	return out, nil
}

// RedactVerificationSession asks Stripe to redact a session's collected data (seed 001).
func (c *Client) RedactVerificationSession(ctx context.Context, id, idempotencyKey string) error {
	if err := c.ready(); err != nil {
		return err
	}
	params := &stripego.IdentityVerificationSessionRedactParams{}
	params.Context = ctx
	params.SetIdempotencyKey(idempotencyKey)
	if _, err := c.api.IdentityVerificationSessions.Redact(id, params); err != nil {
		return mapError(err, "redact verification session")
	}
	return nil
}

func verifiedData(vs *stripego.IdentityVerificationSession) *VerifiedData {
	vo := vs.VerifiedOutputs
	if vo == nil {
		return nil
	}
	d := &VerifiedData{FirstName: vo.FirstName, LastName: vo.LastName}
	if vo.DOB != nil {
		d.DOB = ymd(vo.DOB.Year, vo.DOB.Month, vo.DOB.Day)
	}
	if a := vo.Address; a != nil {
		d.Address = &Address{Line1: a.Line1, Line2: a.Line2, City: a.City, State: a.State, PostalCode: a.PostalCode, Country: a.Country}
	}
	if n := len(vo.IDNumber); n > 0 {
		d.IDNumberLast4 = vo.IDNumber[max(0, n-4):]
	}
	if r := vs.LastVerificationReport; r != nil && r.Document != nil {
		doc := r.Document
		// The report's document reading fills what the verified outputs leave out.
		if d.FirstName == "" && d.LastName == "" {
			d.FirstName, d.LastName = doc.FirstName, doc.LastName
		}
		if d.DOB == "" && doc.DOB != nil {
			d.DOB = ymd(doc.DOB.Year, doc.DOB.Month, doc.DOB.Day)
		}
		if d.Address == nil && doc.Address != nil {
			a := doc.Address
			d.Address = &Address{Line1: a.Line1, Line2: a.Line2, City: a.City, State: a.State, PostalCode: a.PostalCode, Country: a.Country}
		}
		d.DocumentType = string(r.Document.Type)
		d.IssuingCountry = r.Document.IssuingCountry
		if e := r.Document.ExpirationDate; e != nil {
			d.ExpirationDate = ymd(e.Year, e.Month, e.Day)
		}
	}
	return d
}

func ymd(y, m, d int64) string {
	if y == 0 {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", y, m, d)
}

func fromSession(vs *stripego.IdentityVerificationSession) VerificationSession {
	out := VerificationSession{
		ID: vs.ID, Status: string(vs.Status), ClientSecret: vs.ClientSecret, URL: vs.URL, Metadata: vs.Metadata,
	}
	if vs.LastError != nil {
		out.LastErrorCode = string(vs.LastError.Code)
	}
	out.Redacted = vs.Redaction != nil && vs.Redaction.Status == stripego.IdentityVerificationSessionRedactionStatusRedacted
	return out
}

// ParseVerificationSession reads the fields idgate uses from a verification session as a
// webhook event carries it (data.object), ignoring the rest so newer API versions parse.
func ParseVerificationSession(obj []byte) (VerificationSession, error) {
	var raw struct {
		ID        string `json:"id"`
		Status    string `json:"status"`
		LastError *struct {
			Code string `json:"code"`
		} `json:"last_error"`
		Metadata map[string]string `json:"metadata"`
	}
	if err := json.Unmarshal(obj, &raw); err != nil {
		return VerificationSession{}, err
	}
	if raw.ID == "" {
		return VerificationSession{}, errors.New("verification session without an id")
	}
	vs := VerificationSession{ID: raw.ID, Status: raw.Status, Metadata: raw.Metadata}
	if raw.LastError != nil {
		vs.LastErrorCode = raw.LastError.Code
	}
	return vs, nil
}
