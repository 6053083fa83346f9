package testenv

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// Stripe returns the URL of stripe-mock behind a thin proxy that gives each created
// Identity VerificationSession, Connect account and person its own id. stripe-mock
// validates every request against Stripe's OpenAPI spec but answers creates with one
// canned object, so without the proxy every customer would get the same session id.
func Stripe(t testing.TB) string { return NewStripe(t).URL }

// StripeProxy is the proxy of Stripe: it also records the requests it forwards, for tests
// to assert what reached Stripe, and can answer some with a 500 as an outage would.
type StripeProxy struct {
	URL string

	mu       sync.Mutex
	requests []StripeRequest
	failures map[string]int // path suffix → how many more requests to fail
	payments paymentIntents
	files    stripeFiles
}

// StripeRequest is a request the proxy saw; Form holds a form-encoded body's parameters,
// or a multipart upload's fields with its file in Upload.
type StripeRequest struct {
	Method, Path, IdempotencyKey, Account string
	Form                                  url.Values
	Upload                                []byte
	UploadName                            string
	Status                                int
	ID                                    string // the id of the object answered, if any
}

// Requests returns the requests with the method whose path ends with suffix, oldest first.
func (p *StripeProxy) Requests(method, suffix string) []StripeRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []StripeRequest
	for _, r := range p.requests {
		if r.Method == method && strings.HasSuffix(r.Path, suffix) {
			out = append(out, r)
		}
	}
	return out
}

// Fail answers the next n requests whose path ends with suffix with a 500, without
// forwarding them.
func (p *StripeProxy) Fail(suffix string, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.failures[suffix] += n
}

func (p *StripeProxy) failing(path string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for suffix, n := range p.failures {
		if n > 0 && strings.HasSuffix(path, suffix) {
			p.failures[suffix] = n - 1
			return true
		}
	}
	return false
}

func (p *StripeProxy) record(r *http.Request, body []byte, status int, answer []byte) {
	rec := StripeRequest{Method: r.Method, Path: r.URL.Path, IdempotencyKey: r.Header.Get("Idempotency-Key"),
		Account: r.Header.Get("Stripe-Account"), Status: status}
	var obj struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(answer, &obj) == nil {
		rec.ID = obj.ID
	}
	switch ct := r.Header.Get("Content-Type"); {
	case strings.HasPrefix(ct, "application/x-www-form-urlencoded"):
		rec.Form, _ = url.ParseQuery(string(body))
	case strings.HasPrefix(ct, "multipart/form-data"):
		parseMultipart(&rec, ct, body)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests = append(p.requests, rec)
}

// NewStripe starts the proxy in front of stripe-mock.
func NewStripe(t testing.TB) *StripeProxy {
	t.Helper()
	mock := StripeMock(t)
	p := &StripeProxy{failures: map[string]int{}}
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, _ := io.ReadAll(r.Body)
		if p.failing(r.URL.Path) {
			p.record(r, in, http.StatusInternalServerError, nil)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, `{"error":{"type":"api_error","message":"injected outage"}}`)
			return
		}
		if status, ok := p.files.serveContents(w, r); ok {
			p.record(r, in, status, nil)
			return
		}
		req, err := http.NewRequestWithContext(r.Context(), r.Method, mock+r.URL.RequestURI(), bytes.NewReader(in))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		req.Header = r.Header.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode == http.StatusOK {
			body = p.payments.apply(r, in, withID(body, uniqueID(r, &n)))
			body = p.files.applyReport(r, body)
		}
		p.record(r, in, resp.StatusCode, body)
		for k, v := range resp.Header {
			if k != "Content-Length" {
				w.Header()[k] = v
			}
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// creates are the collections whose created objects get an id of their own, by prefix.
var creates = map[string]string{"/v1/identity/verification_sessions": "vs_test", "/v1/accounts": "acct_test", "/v1/payment_intents": "pi_test", "/v1/files": "file_test"}

// uniqueID is the id the proxy gives the answer: a new one for a create, the path's for an
// operation on one session; empty to leave the answer alone.
func uniqueID(r *http.Request, n *atomic.Int64) string {
	if prefix, ok := creates[r.URL.Path]; ok && r.Method == http.MethodPost {
		return fmt.Sprintf("%s%d%s", prefix, n.Add(1), randomHex(6))
	}
	if strings.HasPrefix(r.URL.Path, "/v1/accounts/") && strings.HasSuffix(r.URL.Path, "/persons") && r.Method == http.MethodPost {
		return fmt.Sprintf("person_test%d%s", n.Add(1), randomHex(6))
	}
	const sessions = "/v1/identity/verification_sessions/"
	if rest, ok := strings.CutPrefix(r.URL.Path, sessions); ok {
		return strings.Split(rest, "/")[0] // retrieve, redact, cancel: the path's session
	}
	return ""
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func withID(body []byte, id string) []byte {
	if id == "" {
		return body
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil {
		return body
	}
	obj["id"], _ = json.Marshal(id)
	if strings.HasPrefix(id, "vs_") {
		obj["client_secret"], _ = json.Marshal(id + "_secret_test")
	}
	var buf bytes.Buffer
	_ = json.NewEncoder(&buf).Encode(obj)
	return buf.Bytes()
}
