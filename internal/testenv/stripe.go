package testenv

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/idgate/idgate/internal/sandbox"
)

// Stripe returns the URL of a sandbox (internal/sandbox, the stateful local Stripe of
// `make run`) in front of stripe-mock: stripe-mock validates every request against Stripe's
// OpenAPI spec, the sandbox keeps the objects (ids of their own, PaymentIntents, accounts,
// persons, verification sessions, files). It sends no events unless the test asks.
func Stripe(t testing.TB) string { return NewStripe(t).URL }

// StripeProxy is the sandbox for one test: it also records the requests it serves, for
// tests to assert what reached Stripe, and can answer some with a 500 as an outage would.
type StripeProxy struct {
	URL string
	*sandbox.Sandbox

	mu       sync.Mutex
	requests []StripeRequest
	failures map[string]int // path suffix → how many more requests to fail
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
	rec.Form, rec.Upload, rec.UploadName, _ = sandbox.ReadForm(r.Header.Get("Content-Type"), body)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests = append(p.requests, rec)
}

// NewStripe starts the sandbox in front of stripe-mock.
func NewStripe(t testing.TB) *StripeProxy {
	t.Helper()
	sb, err := sandbox.New(sandbox.Options{StripeMock: StripeMock(t), Adopt: true, VerifyAtOnce: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	p := &StripeProxy{Sandbox: sb, failures: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, _ := io.ReadAll(r.Body)
		if p.failing(r.URL.Path) {
			p.record(r, in, http.StatusInternalServerError, nil)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, `{"error":{"type":"api_error","message":"injected outage"}}`)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(in))
		rec := httptest.NewRecorder()
		sb.ServeHTTP(rec, r)
		p.record(r, in, rec.Code, rec.Body.Bytes())
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	}))
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// DocumentImage is what the sandbox answers for the contents of a verified session's
// document images and of files given no contents of their own.
var DocumentImage = sandbox.DocumentImage
