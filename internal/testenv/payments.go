package testenv

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// paymentIntents remembers what was set on PaymentIntents created through the proxy
// (amount, currency, customer, on_behalf_of, metadata) and what later calls changed
// (metadata, capture, cancel). stripe-mock validates those calls but answers each with one
// fixture, which would lose the customer and metadata step-up decisions depend on.
type paymentIntents struct {
	mu   sync.Mutex
	byID map[string]map[string]any
}

const paymentIntentsPath = "/v1/payment_intents"

// apply records a PaymentIntent call's effect and returns the answer with the state laid
// over stripe-mock's fixture.
func (ps *paymentIntents) apply(r *http.Request, in, body []byte) []byte {
	rest, ok := strings.CutPrefix(r.URL.Path, paymentIntentsPath+"/")
	if r.URL.Path != paymentIntentsPath && !ok {
		return body
	}
	var obj map[string]any
	if json.Unmarshal(body, &obj) != nil {
		return body
	}
	form, _ := url.ParseQuery(string(in))
	var id, op string
	if ok {
		id, op, _ = strings.Cut(rest, "/")
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.byID == nil {
		ps.byID = map[string]map[string]any{}
	}
	if r.URL.Path == paymentIntentsPath && r.Method == http.MethodPost {
		id, _ = obj["id"].(string)
		ps.byID[id] = map[string]any{"metadata": map[string]any{}, "customer": nil, "on_behalf_of": nil}
	}
	state, known := ps.byID[id]
	if !known {
		return body
	}
	if r.Method == http.MethodPost && op == "" { // a create or an update
		for _, k := range []string{"currency", "customer", "on_behalf_of", "capture_method"} {
			if v := form.Get(k); v != "" {
				state[k] = v
			}
		}
		if a := form.Get("amount"); a != "" {
			state["amount"] = json.Number(a)
		}
	}
	md := state["metadata"].(map[string]any)
	for k, v := range form {
		if name, ok := strings.CutPrefix(k, "metadata["); ok && r.Method == http.MethodPost {
			md[strings.TrimSuffix(name, "]")] = v[0]
		}
	}
	switch op {
	case "capture":
		state["status"] = "succeeded"
	case "cancel":
		state["status"] = "canceled"
	}
	for k, v := range state {
		obj[k] = v
	}
	obj["id"] = id
	var buf bytes.Buffer
	_ = json.NewEncoder(&buf).Encode(obj)
	return buf.Bytes()
}
