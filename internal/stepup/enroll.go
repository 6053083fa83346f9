package stepup

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/ent/webauthnchallenge"
	"github.com/idgate/idgate/ent/webauthncredential"
	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/auth"
	"github.com/idgate/idgate/internal/store"
)

// Challenge purposes.
const (
	purposeEnrollment = "enrollment"
	purposeStepUp     = "stepup"
)

// Options are a ceremony's options for the customer's device, and the challenge to answer.
type Options struct {
	ChallengeID string
	JSON        string // {"publicKey": {...}}
	ExpiresAt   time.Time
}

// BeginEnrollment returns creation options for a new passkey of the customer.
func (s *Service) BeginEnrollment(ctx context.Context, customerID, displayName string) (Options, error) {
	if utf8.RuneCountInString(displayName) > 100 {
		return Options{}, apperr.Invalid("display_name", "must be at most 100 characters")
	}
	c, sub, err := s.customerFor(ctx, s.store.Reader, customerID)
	if err != nil {
		return Options{}, err
	}
	if sub.EnrollmentRequiresVerification && (c.IdentityStatus == nil || *c.IdentityStatus != "verified") {
		return Options{}, apperr.FailedPrecondition("customer %s must verify their identity before enrolling a passkey", c.ID)
	}
	existing, err := activeCredentials(ctx, s.store.Reader, c.ID)
	if err != nil {
		return Options{}, err
	}
	name := strings.TrimSpace(displayName)
	if name == "" {
		name = c.ExternalID
	}
	u := user{id: c.ID, name: name, creds: toWebAuthn(existing)}
	creation, session, err := s.wa.BeginRegistration(u,
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{
			ResidentKey: protocol.ResidentKeyRequirementPreferred, UserVerification: protocol.VerificationRequired,
		}),
		webauthn.WithExclusions(webauthn.Credentials(u.creds).CredentialDescriptors()),
	)
	if err != nil {
		return Options{}, fmt.Errorf("begin enrolment: %w", err)
	}
	now := s.now()
	expires := now.Add(time.Duration(sub.StepupChallengeTTLSeconds) * time.Second)
	id, err := saveChallenge(ctx, s.store.Ent, c, purposeEnrollment, "", nil, session, now, expires)
	if err != nil {
		return Options{}, err
	}
	out, err := json.Marshal(creation)
	return Options{ChallengeID: id, JSON: string(out), ExpiresAt: expires}, err
}

// FinishEnrollment verifies the attestation and stores the passkey.
func (s *Service) FinishEnrollment(ctx context.Context, customerID, challengeID, credentialJSON, name string) (*Credential, error) {
	c, _, err := s.customerFor(ctx, s.store.Reader, customerID)
	if err != nil {
		return nil, err
	}
	switch {
	case challengeID == "":
		return nil, apperr.Invalid("challenge_id", "is required")
	case utf8.RuneCountInString(name) > 100:
		return nil, apperr.Invalid("name", "must be at most 100 characters")
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes([]byte(credentialJSON))
	if err != nil {
		return nil, apperr.Invalid("credential_json", "is not a WebAuthn registration response (%s)", describe(err))
	}
	session, err := s.claim(ctx, challengeID, c.ID, purposeEnrollment, "")
	if err != nil {
		return nil, err
	}
	existing, err := activeCredentials(ctx, s.store.Reader, c.ID)
	if err != nil {
		return nil, err
	}
	cred, err := s.wa.CreateCredential(user{id: c.ID, creds: toWebAuthn(existing)}, session.data, parsed)
	if err != nil {
		return nil, apperr.FailedPrecondition("the attestation was not accepted (%s)", describe(err))
	}
	if !cred.Flags.UserVerified {
		return nil, apperr.FailedPrecondition("the authenticator did not verify the user (PIN or biometrics are required)")
	}
	transports := make([]string, len(cred.Transport))
	for i, t := range cred.Transport {
		transports[i] = string(t)
	}
	row, err := s.store.Ent.WebAuthnCredential.Create().SetID(store.NewID("wac")).
		SetCustomerID(c.ID).SetSubaccountID(c.SubaccountID).
		SetCredentialID(cred.ID).SetPublicKey(cred.PublicKey).SetAttestationType(cred.AttestationType).
		SetAaguid(cred.Authenticator.AAGUID).SetTransports(transports).
		SetBackupEligible(cred.Flags.BackupEligible).SetBackupState(cred.Flags.BackupState).
		SetSignCount(int64(cred.Authenticator.SignCount)).SetName(strings.TrimSpace(name)).
		Save(ctx)
	if err != nil {
		return nil, store.MapError(err, "credential")
	}
	s.log.InfoContext(ctx, "passkey enrolled", "customer_id", c.ID, "credential", row.ID)
	return row, nil
}

// ListCredentials lists the customer's passkeys, revoked ones included.
func (s *Service) ListCredentials(ctx context.Context, customerID string) ([]*Credential, error) {
	c, _, err := s.customerFor(ctx, s.store.Reader, customerID)
	if err != nil {
		return nil, err
	}
	return s.store.Reader.WebAuthnCredential.Query().Where(webauthncredential.CustomerID(c.ID)).
		Order(ent.Asc(webauthncredential.FieldCreatedAt)).All(ctx)
}

// RevokeCredential stops a passkey from passing step-ups. Revoking twice is harmless.
func (s *Service) RevokeCredential(ctx context.Context, customerID, id string) (*Credential, error) {
	if id == "" {
		return nil, apperr.Invalid("id", "is required")
	}
	c, _, err := s.customerFor(ctx, s.store.Reader, customerID)
	if err != nil {
		return nil, err
	}
	row, err := s.store.Ent.WebAuthnCredential.Query().
		Where(webauthncredential.ID(id), webauthncredential.CustomerID(c.ID)).Only(ctx)
	if err != nil {
		return nil, store.MapError(err, "credential "+id)
	}
	if row.RevokedAt != nil {
		return row, nil
	}
	s.log.InfoContext(ctx, "passkey revoked", "customer_id", c.ID, "credential", id, "by", auth.ActorFrom(ctx).ID)
	return row.Update().SetRevokedAt(s.now()).Save(ctx)
}

// claimed is a challenge taken for answering.
type claimed struct {
	row  *ent.WebAuthnChallenge
	data webauthn.SessionData
}

// errExpired is the answer to a challenge past its time; the claim is still recorded.
var errExpired = apperr.FailedPrecondition("the challenge has expired; begin again")

// claim marks a challenge used, so that it can be answered once only, and returns it. An
// expired challenge is marked used too, and claim returns it with errExpired.
func (s *Service) claim(ctx context.Context, id, customerID, purpose, paymentIntentID string) (claimed, error) {
	row, err := s.store.Ent.WebAuthnChallenge.Query().Where(webauthnchallenge.ID(id)).Only(ctx)
	if err == nil && (row.CustomerID != customerID || row.Purpose != purpose || row.PaymentIntentID != paymentIntentID) {
		err = &ent.NotFoundError{}
	}
	if err != nil {
		return claimed{}, store.MapError(err, "challenge "+id)
	}
	now := s.now()
	n, err := s.store.Ent.WebAuthnChallenge.Update().
		Where(webauthnchallenge.ID(id), webauthnchallenge.UsedAtIsNil()).
		SetUsedAt(now).Save(ctx)
	if err != nil {
		return claimed{}, err
	}
	if n == 0 {
		return claimed{}, apperr.FailedPrecondition("challenge %s was already answered; begin again", id)
	}
	out := claimed{row: row}
	if err := json.Unmarshal(row.SessionData, &out.data); err != nil {
		return claimed{}, fmt.Errorf("challenge %s: %w", id, err)
	}
	if !now.Before(row.ExpiresAt) {
		return out, errExpired
	}
	return out, nil
}

// describe is go-webauthn's explanation of a rejected response, without the response.
func describe(err error) string {
	if pe, ok := err.(*protocol.Error); ok && pe.Details != "" {
		return pe.Details
	}
	return err.Error()
}
