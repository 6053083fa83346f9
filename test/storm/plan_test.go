//go:build storm

package storm

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
)

// threshold is the risk_based subaccount's identity_verification_risk_threshold.
const threshold = 50

// Seed 004's score of each Radar risk level, and a Radar risk_score to go with it.
var (
	riskScores = map[string]int{"normal": 10, "elevated": 50, "highest": 75}
	radarScore = map[string]int{"normal": 20, "elevated": 65, "highest": 85}
	riskLevels = []string{"normal", "elevated", "highest"}
)

// customerStatus is the customer's identity_status after their session reached a status.
var customerStatus = map[string]string{
	"processing": "pending", "requires_input": "requires_input", "verified": "verified", "canceled": "canceled",
}

var errorCodes = []string{"selfie_face_mismatch", "document_expired", "document_unverified_other"}

// customerPlan is one customer's Stripe history, in order of Stripe's created.
type customerPlan struct {
	ID, StripeID string
	Charges      []charge
	SessionID    string // created through the API; "" for customers without one
	Session      []sessionEvent
}

type charge struct {
	ID, EventID, Level string
	Created            int64
}

type sessionEvent struct {
	EventID, Status, ErrorCode string
	Created                    int64
}

// state is what the storm checks of a customer, as GET /api/customers/{id} shows it.
type state struct {
	Status   string // identity_status; "" for null
	Required bool
	Score    int // stripe_risk_score; 0 for null
	Level    string
}

// expected is the customer's state computed from their history alone (seed 004 and the
// README): the score of the earliest charge by created, whatever order they arrived in;
// the status of the session's newest event by created (verified and canceled are final,
// and the plan puts them last); required iff the score reaches the threshold, unless
// verified.
func (c customerPlan) expected() state {
	var s state
	if len(c.Charges) > 0 {
		s.Level = c.Charges[0].Level
		s.Score = riskScores[s.Level]
	}
	if n := len(c.Session); n > 0 {
		s.Status = customerStatus[c.Session[n-1].Status]
	}
	s.Required = s.Status != "verified" && s.Score >= threshold
	return s
}

// history gives a customer 2–5 charges with increasing created and random risk levels
// and, if withSession, 1–3 session outcomes (processing, requires_input with an error)
// followed by verified (45%), canceled (15%) or nothing more. Every event is at least
// one second after base, in seconds of its own.
func (c *customerPlan) history(rng *rand.Rand, base int64, withSession bool) {
	for i := range 2 + rng.IntN(4) {
		c.Charges = append(c.Charges, charge{
			ID: fmt.Sprintf("ch_storm%s%d", c.StripeID[4:], i), EventID: fmt.Sprintf("evt_storm_ch_%s_%d", c.StripeID[4:], i),
			Level: riskLevels[rng.IntN(len(riskLevels))], Created: base + 1 + int64(i),
		})
	}
	if !withSession {
		return
	}
	add := func(status, code string) {
		n := len(c.Session)
		c.Session = append(c.Session, sessionEvent{EventID: fmt.Sprintf("evt_storm_vs_%s_%d", c.StripeID[4:], n),
			Status: status, ErrorCode: code, Created: base + 1 + int64(n)})
	}
	for range 1 + rng.IntN(3) {
		if rng.IntN(2) == 0 {
			add("processing", "")
		} else {
			add("requires_input", errorCodes[rng.IntN(len(errorCodes))])
		}
	}
	switch p := rng.IntN(100); {
	case p < 45:
		add("verified", "")
	case p < 60:
		add("canceled", "")
	}
}

// delivery is one POST of one event; an event has 1–3 of them.
type delivery struct {
	EventID string
	Body    []byte
}

// deliveries returns every event of the plan as Stripe would send it, each 1–3 times,
// shuffled.
func deliveries(rng *rand.Rand, subaccountID string, plan []customerPlan) (out []delivery, events int) {
	emit := func(id string, body []byte) {
		events++
		for range 1 + rng.IntN(3) {
			out = append(out, delivery{EventID: id, Body: body})
		}
	}
	for _, c := range plan {
		for _, ch := range c.Charges {
			emit(ch.EventID, event(ch.EventID, "charge.succeeded", ch.Created, map[string]any{
				"id": ch.ID, "object": "charge", "created": ch.Created, "customer": c.StripeID, "paid": true, "status": "succeeded",
				"amount": 1500, "currency": "usd",
				"outcome": map[string]any{"risk_level": ch.Level, "risk_score": radarScore[ch.Level], "type": "authorized"},
			}))
		}
		for _, se := range c.Session {
			var lastError any
			if se.ErrorCode != "" {
				lastError = map[string]string{"code": se.ErrorCode}
			}
			emit(se.EventID, event(se.EventID, "identity.verification_session."+se.Status, se.Created, map[string]any{
				"id": c.SessionID, "object": "identity.verification_session", "status": se.Status, "type": "document",
				"livemode": false, "last_error": lastError,
				"metadata": map[string]string{"customer_id": c.ID, "subaccount_id": subaccountID},
			}))
		}
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out, events
}

func event(id, typ string, created int64, object map[string]any) []byte {
	b, err := json.Marshal(map[string]any{
		"id": id, "object": "event", "api_version": "2023-10-16", "created": created, "livemode": false,
		"pending_webhooks": 1, "request": map[string]any{"id": nil, "idempotency_key": nil}, "type": typ,
		"data": map[string]any{"object": object},
	})
	if err != nil {
		panic(err)
	}
	return b
}
