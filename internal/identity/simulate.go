package identity

import (
	"context"
	"encoding/json"
	"time"

	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/store"
	"github.com/idgate/idgate/internal/stripe"
	"github.com/idgate/idgate/internal/webhook"
)

// Signer feeds a payload through the webhook path as if Stripe had signed and sent it.
type Signer interface {
	ReceiveSelfSigned(ctx context.Context, ep webhook.Endpoint, payload []byte) (webhook.Receipt, error)
}

var outcomes = map[string]string{
	"verified":       "verified",
	"requires_input": "requires_input",
	"canceled":       "canceled",
	"processing":     "processing",
}

// SimulateVerificationOutcome drives a session to an outcome in test mode, where Stripe's
// API cannot (the outcome is chosen by clicking Stripe's test page). It builds the event
// Stripe would send, signs it with the webhook secret and feeds it through the webhook
// path. It is refused with a live key.
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
	vs, err := s.store.Reader.VerificationSession.Get(ctx, sessionID)
	if err != nil {
		return "", store.MapError(err, "verification session "+sessionID)
	}
	obj := map[string]any{
		"id": sessionID, "object": "identity.verification_session", "status": status, "type": "document",
		"livemode": false, "metadata": map[string]string{"customer_id": vs.CustomerID, "subaccount_id": vs.SubaccountID},
		"last_error": nil,
	}
	if errorCode != "" {
		obj["last_error"] = map[string]string{"code": errorCode, "reason": GuidanceFor(errorCode)}
	}
	id := store.NewID("evt_simulated")
	payload, err := json.Marshal(map[string]any{
		"id": id, "object": "event", "api_version": "2023-10-16", "created": time.Now().Unix(),
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
