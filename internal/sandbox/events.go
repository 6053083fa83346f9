package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"time"

	stripego "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"
)

// event is one event on its way to an endpoint.
type event struct {
	connect bool
	id      string
	payload []byte
}

// emit queues the event typ of obj (as it is now), with the previous values of the fields
// that changed; account names a connected account, whose events go to the Connect endpoint.
// The caller holds s.mu.
func (s *Sandbox) emit(c *call, typ, account string, obj, before map[string]any) string {
	ev := map[string]any{
		"id": newID("evt"), "object": "event", "api_version": stripego.APIVersion, "created": s.clock.Now().Unix(),
		"livemode": false, "pending_webhooks": 1, "type": typ,
		"data":    map[string]any{"object": copyOf(obj)},
		"request": map[string]any{"id": nil, "idempotency_key": nil},
	}
	if c != nil {
		ev["request"] = map[string]any{"id": newID("req"), "idempotency_key": c.r.Header.Get("Idempotency-Key")}
	}
	if before != nil {
		prev := map[string]any{}
		for k, v := range before {
			a, _ := json.Marshal(v)
			b, _ := json.Marshal(obj[k])
			if !bytes.Equal(a, b) {
				prev[k] = v
			}
		}
		ev["data"].(map[string]any)["previous_attributes"] = prev
	}
	if account != "" {
		ev["account"] = account
	}
	payload, _ := json.Marshal(ev)
	select {
	case s.events <- event{connect: account != "", id: ev["id"].(string), payload: payload}:
	default:
		s.log.Warn("sandbox: event queue full, event dropped", "event_id", ev["id"], "type", typ)
	}
	return ev["id"].(string)
}

// deliver sends queued events one at a time, in the order they happened, signed as Stripe
// signs them (Stripe-Signature: t=...,v1=HMAC-SHA256 of "t.payload" with the endpoint's
// secret). A delivery that fails is retried a few times, as Stripe retries.
func (s *Sandbox) deliver(ctx context.Context) {
	defer close(s.done)
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-s.events:
			for attempt := 0; attempt < 5; attempt++ {
				if s.send(ctx, ev) || ctx.Err() != nil {
					break
				}
				select {
				case <-ctx.Done():
				case <-time.After(time.Duration(100<<attempt) * time.Millisecond):
				}
			}
		}
	}
}

// send delivers ev once, reporting whether it is done with (delivered, or nowhere to go).
func (s *Sandbox) send(ctx context.Context, ev event) bool {
	s.mu.Lock()
	ep := s.hooks.Platform
	if ev.connect {
		ep = s.hooks.Connect
	}
	s.mu.Unlock()
	if ep.URL == "" || ep.Secret == "" {
		return true
	}
	// Signed at the moment of sending, on the wall clock the receiver's tolerance reads,
	// whatever clock the events' created times follow.
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: ev.payload, Secret: ep.Secret, Timestamp: time.Now()})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(ev.payload))
	if err != nil {
		s.log.Error("sandbox: event endpoint", "error", err)
		return true
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Stripe-Signature", signed.Header)
	req.Header.Set("User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)")
	resp, err := s.client.Do(req)
	if err != nil {
		s.log.Warn("sandbox: event delivery failed", "event_id", ev.id, "error", err)
		return false
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		s.log.Warn("sandbox: event delivery refused", "event_id", ev.id, "status", resp.StatusCode)
		return false
	}
	return true
}
