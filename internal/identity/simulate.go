package identity

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/ent/verificationsession"
	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/store"
	"github.com/idgate/idgate/internal/stripe"
	"github.com/idgate/idgate/internal/webhook"
)

// Signer feeds a payload through the webhook path as if Stripe had signed and sent it.
type Signer interface {
	ReceiveSelfSigned(ctx context.Context, ep webhook.Endpoint, payload []byte) (webhook.Receipt, error)
}

// A SessionDriver moves a session to an outcome the way a user on Stripe's test
// verification page does, so Stripe itself sends the events (with the verified outputs and
// reports a real session has); the local Stripe sandbox of IDGATE_SANDBOX=on is one. It
// returns the id of the last event it sent.
type SessionDriver interface {
	Complete(sessionID, outcome, errorCode string) (eventID string, err error)
}

// DriveSessionsWith makes SimulateVerificationOutcome move sessions through d instead of
// signing the events itself. Call it while wiring, before serving.
func (s *Service) DriveSessionsWith(d SessionDriver) { s.driver = d }

// SessionOwner finds a verification session that idgate created for one kind of subject,
// as the caller may see it (storage's tenancy rules apply, so another tenant's session is
// not found), and returns the metadata idgate created it with, which Stripe echoes in the
// session's events and by which they are routed. found is false when the session is not
// the owner's.
type SessionOwner func(ctx context.Context, sessionID string) (metadata map[string]string, found bool, err error)

// SimulateSessionsOf adds owners of sessions beyond customers' (merchants' tier-3 sessions,
// payment step-ups' selfie sessions) to those SimulateVerificationOutcome can drive. Call
// it while wiring, before serving.
func (s *Service) SimulateSessionsOf(owners ...SessionOwner) {
	s.owners = append(s.owners, owners...)
}

// sessionMetadata is the metadata of a customer's session, at its creation and in the
// events simulated for it.
func sessionMetadata(customerID, subaccountID string, attempt int) map[string]string {
	return map[string]string{"customer_id": customerID, "subaccount_id": subaccountID, "attempt": fmt.Sprint(attempt)}
}

// customerSession is the SessionOwner of customers' sessions.
func (s *Service) customerSession(ctx context.Context, sessionID string) (map[string]string, bool, error) {
	vs, err := s.store.Reader.VerificationSession.Query().Where(verificationsession.ID(sessionID)).Only(ctx)
	switch {
	case ent.IsNotFound(err):
		return nil, false, nil
	case err != nil:
		return nil, false, err
	}
	return sessionMetadata(vs.CustomerID, vs.SubaccountID, vs.Attempt), true, nil
}

var outcomes = map[string]string{
	"verified":       "verified",
	"requires_input": "requires_input",
	"canceled":       "canceled",
	"processing":     "processing",
}

// SimulateVerificationOutcome drives a session idgate created (a customer's, a merchant's
// tier-3 session, a payment step-up's selfie session) to an outcome in test mode, where
// Stripe's API cannot (the outcome is chosen by clicking Stripe's test page). It finds the
// session's owner (so another tenant's session is not found); with a SessionDriver it
// moves the session there, and the driver's events arrive through the webhook path.
// Otherwise it builds the event Stripe would send with the session's metadata, signs it
// with the platform endpoint's secret and feeds it through the webhook path: idgate
// creates every session on the platform account, so Stripe sends their events to the
// platform endpoint. It is refused with a live key.
func (s *Service) SimulateVerificationOutcome(ctx context.Context, feed Signer, sessionID, outcome, errorCode string) (string, error) {
	if !s.stripe.TestMode() {
		return "", apperr.FailedPrecondition("simulating verification outcomes needs a Stripe test key or stripe-mock")
	}
	status, ok := outcomes[outcome]
	switch {
	case !stripe.ValidID(sessionID, "vs"):
		return "", apperr.Invalid("session_id", "must be a Stripe verification session id (vs_...)")
	case !ok:
		return "", apperr.Invalid("outcome", "must be verified, requires_input, canceled or processing")
	case outcome == "requires_input" && errorCode == "":
		errorCode = "document_unverified_other"
	case outcome != "requires_input" && errorCode != "":
		return "", apperr.Invalid("error_code", "applies to requires_input only")
	}
	var metadata map[string]string
	for _, owner := range append([]SessionOwner{s.customerSession}, s.owners...) {
		md, found, err := owner(ctx, sessionID)
		if err != nil {
			return "", fmt.Errorf("find verification session %s: %w", sessionID, err)
		}
		if found {
			metadata = md
			break
		}
	}
	if metadata == nil {
		return "", apperr.NotFound("verification session %s not found", sessionID)
	}
	if s.driver != nil {
		id, err := s.driver.Complete(sessionID, outcome, errorCode)
		if err != nil {
			return "", apperr.FailedPrecondition("verification session %s cannot move to %s: %v", sessionID, outcome, err)
		}
		return id, nil
	}
	obj := map[string]any{
		"id": sessionID, "object": "identity.verification_session", "status": status, "type": "document",
		"livemode": false, "metadata": metadata, "last_error": nil,
	}
	if errorCode != "" {
		obj["last_error"] = map[string]string{"code": errorCode, "reason": GuidanceFor(errorCode)}
	}
	id := store.NewID("evt_simulated")
	payload, err := json.Marshal(map[string]any{
		"id": id, "object": "event", "api_version": "2023-10-16", "created": s.now().Unix(),
		"livemode": false, "pending_webhooks": 1, "type": "identity.verification_session." + outcome,
		"data": map[string]any{"object": obj},
	})
	if err != nil {
		return "", err
	}
	if _, err := feed.ReceiveSelfSigned(ctx, webhook.EndpointPlatform, payload); err != nil {
		return "", err
	}
	return id, nil
}
