package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/idgate/idgate/internal/testenv"
)

// FuzzGatewayDecoding sends arbitrary bodies to the JSON routes that take one. Whatever the
// bytes, the answer is a JSON status below 500: bad input is the caller's error, never a
// crash or an internal error.
func FuzzGatewayDecoding(f *testing.F) {
	routes := []struct{ method, path string }{
		{"POST", "/v1/subaccounts"},
		{"PATCH", "/v1/subaccounts/sub_fuzz"},
		{"POST", "/v1/customers"},
		{"POST", "/api/customers/cust_fuzz/identity-manual-verify"},
		{"POST", "/v1/customers/cust_fuzz/payment-risk"},
		{"POST", "/v1/customers/cust_fuzz:requireVerification"},
		{"POST", "/v1/api-keys"},
	}
	for _, seed := range []string{
		`{"name":"x","identity_verification_mode":"risk_based"}`, `{"identity_verification_risk_threshold":"50"}`,
		`{"subaccount_id":1}`, `{"notes":null}`, `{"risk_level":"highest","risk_score":1e309}`, `[]`, `{"a":`,
		"\xff\xfe", `{"name":"` + string(bytes.Repeat([]byte("é"), 300)) + `"}`, `{"subaccount_ids":[1,2]}`,
	} {
		for i := range routes {
			f.Add([]byte(seed), uint8(i))
		}
	}
	db := testenv.Databases(f)[0]
	e := start(f, testConfig(f, db.URL, map[string]string{"IDGATE_LOG_LEVEL": "error"}))
	f.Fuzz(func(t *testing.T, body []byte, route uint8) {
		r := routes[int(route)%len(routes)]
		req, _ := http.NewRequest(r.method, e.base+r.path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+adminKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 500 {
			t.Fatalf("%s %s with %q: HTTP %d %s", r.method, r.path, body, resp.StatusCode, out)
		}
		if !json.Valid(out) {
			t.Fatalf("%s %s answered non-JSON: %q", r.method, r.path, out)
		}
	})
}
