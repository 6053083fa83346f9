// Package stepup holds payment step-up: customers' passkeys (WebAuthn credentials), the
// policy that decides which PaymentIntents need the payer to pass a challenge, challenges
// bound to one payment, and the result written into the PaymentIntent before capture.
package stepup

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/ent/customer"
	"github.com/idgate/idgate/ent/webauthncredential"
	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/clock"
	"github.com/idgate/idgate/internal/jobs"
	"github.com/idgate/idgate/internal/store"
	"github.com/idgate/idgate/internal/stripe"
)

// Stripe is what step-up needs of Stripe.
type Stripe interface {
	GetPaymentIntent(ctx context.Context, id string) (stripe.PaymentIntent, error)
	UpdatePaymentIntentMetadata(ctx context.Context, id string, metadata map[string]string, idempotencyKey string) error
	CapturePaymentIntent(ctx context.Context, id, idempotencyKey string) error
	CancelPaymentIntent(ctx context.Context, id, idempotencyKey string) error
	CreateVerificationSession(ctx context.Context, p stripe.SessionParams, idempotencyKey string) (stripe.VerificationSession, error)
}

// Config is the WebAuthn relying party.
type Config struct {
	RPID, RPName string
	Origins      []string // web origins, and android:apk-key-hash:... app origins
}

// Service enrols passkeys and runs step-ups.
type Service struct {
	store  *store.Store
	stripe Stripe
	jobs   jobs.Inserter
	wa     *webauthn.WebAuthn
	log    *slog.Logger
	now    func() time.Time
	// sandboxPayments creates sandbox PaymentIntents (SandboxPaymentsWith); nil outside the sandbox.
	sandboxPayments PaymentCreator
}

// New returns a Service. Without origins, https://<rp id> is the only one (and, for the
// development rp id localhost, http://localhost:8080). clk is the time challenges expire by.
func New(st *store.Store, sc Stripe, q jobs.Inserter, cfg Config, clk clock.Clock, log *slog.Logger) (*Service, error) {
	var web, opaque []string
	for _, o := range cfg.Origins {
		if protocol.IsOpaqueOrigin(o) {
			opaque = append(opaque, o)
		} else {
			web = append(web, o)
		}
	}
	if len(web) == 0 {
		web = []string{"https://" + cfg.RPID}
		if cfg.RPID == "localhost" {
			web = append(web, "http://localhost:8080")
		}
	}
	wa, err := webauthn.New(&webauthn.Config{RPID: cfg.RPID, RPDisplayName: cfg.RPName, RPOrigins: web, RPOpaqueOrigins: opaque})
	if err != nil {
		return nil, fmt.Errorf("WebAuthn relying party (IDGATE_WEBAUTHN_*): %w", err)
	}
	return &Service{store: st, stripe: sc, jobs: q, wa: wa, log: log, now: clk.Now}, nil
}

// Credential is an enrolled passkey.
type Credential = ent.WebAuthnCredential

// user is a customer as go-webauthn sees it: the customer id as the user handle, and the
// customer's active passkeys.
type user struct {
	id, name string
	creds    []webauthn.Credential
}

func (u user) WebAuthnID() []byte                         { return []byte(u.id) }
func (u user) WebAuthnName() string                       { return u.name }
func (u user) WebAuthnDisplayName() string                { return u.name }
func (u user) WebAuthnCredentials() []webauthn.Credential { return u.creds }

// customerFor reads a customer visible to the caller, with the subaccount's policy.
func (s *Service) customerFor(ctx context.Context, client *ent.Client, id string) (*ent.Customer, *ent.Subaccount, error) {
	if id == "" {
		return nil, nil, apperr.Invalid("customer_id", "is required")
	}
	c, err := client.Customer.Query().Where(customer.ID(id)).WithSubaccount().Only(ctx)
	if err != nil {
		return nil, nil, store.MapError(err, "customer "+id)
	}
	return c, c.Edges.Subaccount, nil
}

// activeCredentials returns the customer's passkeys that are not revoked.
func activeCredentials(ctx context.Context, client *ent.Client, customerID string) ([]*ent.WebAuthnCredential, error) {
	return client.WebAuthnCredential.Query().
		Where(webauthncredential.CustomerID(customerID), webauthncredential.RevokedAtIsNil()).
		Order(ent.Asc(webauthncredential.FieldCreatedAt)).All(ctx)
}

func toWebAuthn(rows []*ent.WebAuthnCredential) []webauthn.Credential {
	out := make([]webauthn.Credential, 0, len(rows))
	for _, r := range rows {
		transports := make([]protocol.AuthenticatorTransport, len(r.Transports))
		for i, t := range r.Transports {
			transports[i] = protocol.AuthenticatorTransport(t)
		}
		out = append(out, webauthn.Credential{
			ID: r.CredentialID, PublicKey: r.PublicKey, AttestationType: r.AttestationType, Transport: transports,
			// Enrolment requires user verification, so UV was initialized then.
			Flags:         webauthn.CredentialFlags{UserPresent: true, UserVerified: true, BackupEligible: r.BackupEligible, BackupState: r.BackupState},
			Authenticator: webauthn.Authenticator{AAGUID: r.Aaguid, SignCount: uint32(r.SignCount)},
		})
	}
	return out
}

// saveChallenge stores a ceremony's session data until it is answered or expires.
func saveChallenge(ctx context.Context, client *ent.Client, c *ent.Customer, purpose, paymentIntentID string, nonce []byte, session *webauthn.SessionData, now, expires time.Time) (string, error) {
	data, err := json.Marshal(session)
	if err != nil {
		return "", err
	}
	id := store.NewID("chl")
	err = client.WebAuthnChallenge.Create().SetID(id).SetCustomerID(c.ID).SetSubaccountID(c.SubaccountID).
		SetPurpose(purpose).SetPaymentIntentID(paymentIntentID).SetNonce(nonce).SetSessionData(data).
		SetCreatedAt(now).SetExpiresAt(expires).Exec(ctx)
	return id, err
}
