// Package webhook receives Stripe's webhook deliveries: it verifies them, stores each event
// once with its processing job, and dispatches the job to the handler registered for the
// event's type.
package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	stripewebhook "github.com/stripe/stripe-go/v76/webhook"

	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/jobs"
	"github.com/idgate/idgate/internal/store"
)

// Endpoint names the URL a delivery came to; each has its own signing secrets.
type Endpoint string

// The two endpoints Stripe delivers to.
const (
	EndpointPlatform Endpoint = "platform"
	EndpointConnect  Endpoint = "connect"
)

// Intake verifies and stores deliveries.
type Intake struct {
	store     *store.Store
	jobs      jobs.Inserter
	secrets   map[Endpoint][]string
	tolerance time.Duration
	attempts  int
	now       func() time.Time
	batches   *committer[*delivery]
}

// NewIntake returns an Intake. secrets lists each endpoint's signing secrets, in any order:
// a delivery signed with any of them is accepted, which is how secrets rotate without
// dropping events. maxAttempts bounds how often a failing event is retried before it is
// marked failed. Deliveries that arrive together are stored together, as b says.
func NewIntake(st *store.Store, q jobs.Inserter, secrets map[Endpoint][]string, tolerance time.Duration, maxAttempts int, b Batching) *Intake {
	in := &Intake{store: st, jobs: q, secrets: secrets, tolerance: tolerance, attempts: maxAttempts, now: time.Now}
	in.batches = newCommitter(b, st.Dialect, in.storeBatch)
	return in
}

// Receipt says what became of a delivery.
type Receipt struct {
	EventID   string
	Type      string
	Duplicate bool // the event was stored by an earlier delivery
}

// Receive verifies payload against the Stripe-Signature header, then stores the event and
// its processing job, in one transaction with the other deliveries of its batch, and
// returns once that transaction committed. A delivery that fails verification is
// KindInvalid and stores nothing; a repeated delivery is acknowledged and not stored again.
func (in *Intake) Receive(ctx context.Context, ep Endpoint, payload []byte, signature string) (Receipt, error) {
	secrets := in.secrets[ep]
	if len(secrets) == 0 {
		return Receipt{}, apperr.FailedPrecondition("no signing secret is configured for the %s webhook endpoint: set STRIPE_WEBHOOK_SECRET (or STRIPE_CONNECT_WEBHOOK_SECRET)", ep)
	}
	if signature == "" {
		return Receipt{}, apperr.Invalid("Stripe-Signature", "header is missing")
	}
	ev, err := in.verify(payload, signature, secrets)
	if err != nil {
		return Receipt{}, err
	}
	return in.submit(ctx, &delivery{ep: ep, ev: ev, payload: payload, receivedAt: in.now().UTC(), done: make(chan result, 1)})
}

// header is what intake reads of an event; the handlers read the rest when they process it.
type header struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	Created    int64  `json:"created"`
	Account    string `json:"account"`
	Livemode   bool   `json:"livemode"`
	APIVersion string `json:"api_version"`
}

// verify checks the signature with each secret in turn, then reads the event's header.
// Events from accounts pinned to another API version are accepted: handlers read only the
// fields they need.
func (in *Intake) verify(payload []byte, signature string, secrets []string) (header, error) {
	err := stripewebhook.ErrNoValidSignature
	for _, secret := range secrets {
		err = stripewebhook.ValidatePayloadWithTolerance(payload, signature, secret, in.tolerance)
		if !errors.Is(err, stripewebhook.ErrNoValidSignature) {
			break // valid, or wrong whatever the secret; else maybe signed with another one
		}
	}
	switch {
	case errors.Is(err, stripewebhook.ErrNoValidSignature):
		return header{}, apperr.Invalid("Stripe-Signature", "no signature matches a configured secret")
	case errors.Is(err, stripewebhook.ErrTooOld):
		return header{}, apperr.Invalid("Stripe-Signature", "timestamp is outside the %s tolerance", in.tolerance)
	case err != nil:
		return header{}, apperr.Invalid("Stripe-Signature", "header is malformed")
	}
	var h header
	if err := json.Unmarshal(payload, &h); err != nil {
		return header{}, apperr.Invalid("body", "signed, but not a Stripe event: %v", jsonError(err))
	}
	if h.ID == "" || h.Type == "" {
		return header{}, apperr.Invalid("body", "event has no id or type")
	}
	return h, nil
}

// jsonError keeps the decoder's description, which names offsets and types, not values.
func jsonError(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("invalid JSON at offset %d", syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("field %q has the wrong type", typ.Field)
	default:
		return "invalid JSON"
	}
}

// ReceiveSelfSigned signs payload with the endpoint's first secret, as Stripe would, and
// receives it: test-mode simulations travel the same path as real deliveries.
func (in *Intake) ReceiveSelfSigned(ctx context.Context, ep Endpoint, payload []byte) (Receipt, error) {
	secrets := in.secrets[ep]
	if len(secrets) == 0 {
		return Receipt{}, apperr.FailedPrecondition("no signing secret is configured for the %s webhook endpoint: set STRIPE_WEBHOOK_SECRET", ep)
	}
	sig := stripewebhook.GenerateTestSignedPayload(&stripewebhook.UnsignedPayload{Payload: payload, Secret: secrets[0], Timestamp: in.now()})
	return in.Receive(ctx, ep, payload, sig.Header)
}
