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

	"github.com/riverqueue/river"
	stripego "github.com/stripe/stripe-go/v76"
	stripewebhook "github.com/stripe/stripe-go/v76/webhook"

	"github.com/idgate/idgate/ent"
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
}

// NewIntake returns an Intake. secrets lists each endpoint's signing secrets, in any order:
// a delivery signed with any of them is accepted, which is how secrets rotate without
// dropping events. maxAttempts bounds how often a failing event is retried before it is
// marked failed.
func NewIntake(st *store.Store, q jobs.Inserter, secrets map[Endpoint][]string, tolerance time.Duration, maxAttempts int) *Intake {
	return &Intake{store: st, jobs: q, secrets: secrets, tolerance: tolerance, attempts: maxAttempts, now: time.Now}
}

// Receipt says what became of a delivery.
type Receipt struct {
	EventID   string
	Type      string
	Duplicate bool // the event was stored by an earlier delivery
}

// Receive verifies payload against the Stripe-Signature header, then stores the event and
// its processing job in one transaction. A delivery that fails verification is
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
	r := Receipt{EventID: ev.ID, Type: string(ev.Type)}
	err = in.store.InTx(ctx, func(tx store.Tx) error {
		err := tx.StripeEvent.Create().
			SetID(ev.ID).
			SetEndpoint(string(ep)).
			SetType(string(ev.Type)).
			SetAccount(ev.Account).
			SetLivemode(ev.Livemode).
			SetAPIVersion(ev.APIVersion).
			SetStripeCreatedAt(time.Unix(ev.Created, 0).UTC()).
			SetPayload(payload).
			SetReceivedAt(in.now().UTC()).
			Exec(ctx)
		if ent.IsConstraintError(err) {
			r.Duplicate = true
			return errDuplicate
		}
		if err != nil {
			return fmt.Errorf("store event: %w", err)
		}
		if _, err := in.jobs.InsertTx(ctx, tx.SQL, ProcessArgs{EventID: ev.ID}, &river.InsertOpts{MaxAttempts: in.attempts}); err != nil {
			return fmt.Errorf("enqueue event: %w", err)
		}
		return nil
	})
	if errors.Is(err, errDuplicate) {
		return r, nil
	}
	return r, err
}

var errDuplicate = errors.New("duplicate event")

// verify checks the signature with each secret in turn. Events from accounts pinned to
// another API version are accepted: handlers read only the fields they need.
func (in *Intake) verify(payload []byte, signature string, secrets []string) (stripego.Event, error) {
	opts := stripewebhook.ConstructEventOptions{Tolerance: in.tolerance, IgnoreAPIVersionMismatch: true}
	var err error
	for _, secret := range secrets {
		var ev stripego.Event
		ev, err = stripewebhook.ConstructEventWithOptions(payload, signature, secret, opts)
		if errors.Is(err, stripewebhook.ErrNoValidSignature) {
			continue // maybe signed with another of the rotating secrets
		}
		switch {
		case errors.Is(err, stripewebhook.ErrTooOld):
			return ev, apperr.Invalid("Stripe-Signature", "timestamp is outside the %s tolerance", in.tolerance)
		case errors.Is(err, stripewebhook.ErrNotSigned), errors.Is(err, stripewebhook.ErrInvalidHeader):
			return ev, apperr.Invalid("Stripe-Signature", "header is malformed")
		case err != nil:
			return ev, apperr.Invalid("body", "signed, but not a Stripe event: %v", jsonError(err))
		case ev.ID == "" || ev.Type == "":
			return ev, apperr.Invalid("body", "event has no id or type")
		}
		return ev, nil
	}
	return stripego.Event{}, apperr.Invalid("Stripe-Signature", "no signature matches a configured secret")
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
