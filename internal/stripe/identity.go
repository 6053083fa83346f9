package stripe

import (
	"context"

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
}

// SessionParams are the options of a new document verification session.
type SessionParams struct {
	RequireMatchingSelfie bool
	RequireLiveCapture    bool
	RequireIDNumber       bool
	AllowedTypes          []string // driving_license, id_card, passport
	ReturnURL             string
	Metadata              map[string]string
}

// CreateVerificationSession starts a type=document session. idempotencyKey makes a retried
// create return the same session instead of paying for a second.
func (c *Client) CreateVerificationSession(ctx context.Context, p SessionParams, idempotencyKey string) (VerificationSession, error) {
	if err := c.ready(); err != nil {
		return VerificationSession{}, err
	}
	params := &stripego.IdentityVerificationSessionParams{
		Type: stripego.String(string(stripego.IdentityVerificationSessionTypeDocument)),
		Options: &stripego.IdentityVerificationSessionOptionsParams{
			Document: &stripego.IdentityVerificationSessionOptionsDocumentParams{
				RequireMatchingSelfie: stripego.Bool(p.RequireMatchingSelfie),
				RequireLiveCapture:    stripego.Bool(p.RequireLiveCapture),
				RequireIDNumber:       stripego.Bool(p.RequireIDNumber),
			},
		},
	}
	if len(p.AllowedTypes) > 0 {
		params.Options.Document.AllowedTypes = stripego.StringSlice(p.AllowedTypes)
	}
	if p.ReturnURL != "" {
		params.ReturnURL = stripego.String(p.ReturnURL)
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

func fromSession(vs *stripego.IdentityVerificationSession) VerificationSession {
	out := VerificationSession{
		ID: vs.ID, Status: string(vs.Status), ClientSecret: vs.ClientSecret, URL: vs.URL, Metadata: vs.Metadata,
	}
	if vs.LastError != nil {
		out.LastErrorCode = string(vs.LastError.Code)
	}
	return out
}
