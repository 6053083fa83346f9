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
	"strings"
	"sync/atomic"
	"testing"
)

// Stripe returns the URL of stripe-mock behind a thin proxy that gives each created
// Identity VerificationSession and Connect account its own id. stripe-mock validates every request against
// Stripe's OpenAPI spec but answers creates with one canned object, so without the proxy
// every customer would get the same session id.
func Stripe(t testing.TB) string {
	t.Helper()
	mock := StripeMock(t)
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := http.NewRequestWithContext(r.Context(), r.Method, mock+r.URL.RequestURI(), r.Body)
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
			body = withID(body, uniqueID(r, &n))
		}
		for k, v := range resp.Header {
			if k != "Content-Length" {
				w.Header()[k] = v
			}
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// creates are the collections whose created objects get an id of their own, by prefix.
var creates = map[string]string{"/v1/identity/verification_sessions": "vs_test", "/v1/accounts": "acct_test"}

// uniqueID is the id the proxy gives the answer: a new one for a create, the path's for an
// operation on one session; empty to leave the answer alone.
func uniqueID(r *http.Request, n *atomic.Int64) string {
	if prefix, ok := creates[r.URL.Path]; ok && r.Method == http.MethodPost {
		return fmt.Sprintf("%s%d%s", prefix, n.Add(1), randomHex(6))
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
