package kyc_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/kyc"
)

// fakeTrulioo answers as Trulioo's verify API documents: it checks the key and the terms
// flag, and answers a normalized record. script decides the status of each call in turn.
type fakeTrulioo struct {
	mu     sync.Mutex
	refs   []string
	bodies []map[string]any
	script []int // HTTP status per call; 0 = answer normally; -1 = hang until the client gives up
}

func (f *fakeTrulioo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	_ = json.NewDecoder(r.Body).Decode(&body)
	f.mu.Lock()
	n := len(f.refs)
	ref, _ := body["CustomerReferenceID"].(string)
	f.refs = append(f.refs, ref)
	f.bodies = append(f.bodies, body)
	step := 0
	if n < len(f.script) {
		step = f.script[n]
	}
	f.mu.Unlock()
	switch {
	case r.URL.Path != "/v3/verifications/verify" || r.Header.Get("x-trulioo-api-key") != "key":
		http.Error(w, `{"Message":"Unauthorized"}`, http.StatusUnauthorized)
	case body["AcceptTruliooTermsAndConditions"] != true:
		http.Error(w, `{"Message":"AcceptTruliooTermsAndConditions must be true"}`, http.StatusBadRequest)
	case step == -1:
		<-r.Context().Done() // the client timed out and closed the connection
	case step != 0:
		http.Error(w, `{"Message":"Service unavailable"}`, step)
	default:
		status := "match"
		if strings.Contains(r.URL.RawQuery, "nomatch") || fieldOf(body, "FirstSurName") == "Nomatch" {
			status = "nomatch"
		}
		fields := []any{map[string]any{"FieldName": "SocialService", "Status": "match"}}
		if df, _ := body["DataFields"].(map[string]any); df["Business"] != nil {
			// KYB: the business registry answers for the business fields.
			b, _ := df["Business"].(map[string]any)
			bstatus := "match"
			if b["BusinessName"] == "Nomatch LLC" {
				status, bstatus = "nomatch", "nomatch"
			}
			fields = append(fields, map[string]any{"FieldName": "BusinessName", "Status": bstatus},
				map[string]any{"FieldName": "BusinessRegistrationNumber", "Status": bstatus})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{
			"TransactionID": "tx-" + ref,
			"Record": map[string]any{
				"RecordStatus": status,
				"DatasourceResults": []any{
					map[string]any{"DatasourceName": "Credit Agency", "DatasourceFields": []any{
						map[string]any{"FieldName": "FirstSurName", "Status": status},
						map[string]any{"FieldName": "SocialService", "Status": "missing"},
					}},
					map[string]any{"DatasourceName": "Government", "DatasourceFields": fields},
				},
			},
		})
	}
}

func fieldOf(body map[string]any, name string) string {
	df, _ := body["DataFields"].(map[string]any)
	pi, _ := df["PersonInfo"].(map[string]any)
	v, _ := pi[name].(string)
	return v
}

func (f *fakeTrulioo) calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.refs...)
}

var person = kyc.Request{
	Reference: "chk_1", Country: "US", FirstName: "Jenny", LastName: "Rosen",
	DOB: kyc.Date{Year: 1901, Month: 1, Day: 1}, NationalID: "0000",
	Address: kyc.Address{Line1: "address_full_match", City: "San Francisco", State: "CA", PostalCode: "94111"},
}

func newClient(t *testing.T, f *fakeTrulioo, key string) kyc.Provider {
	return newClientWithin(t, f, key, time.Second)
}

func newClientWithin(t *testing.T, f *fakeTrulioo, key string, timeout time.Duration) kyc.Provider {
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return kyc.NewTrulioo(kyc.TruliooConfig{BaseURL: srv.URL, APIKey: key, Timeout: timeout, MaxRetries: 3})
}

func TestTruliooMatch(t *testing.T) {
	f := &fakeTrulioo{}
	res, err := newClient(t, f, "key").Verify(context.Background(), person)
	if err != nil || res.Outcome != kyc.Match || res.TransactionID != "tx-chk_1" || res.Fields["SocialService"] != "match" {
		t.Fatalf("got %+v %v", res, err)
	}
	nomatch := person
	nomatch.LastName = "Nomatch"
	if res, err := newClient(t, f, "key").Verify(context.Background(), nomatch); err != nil || res.Outcome != kyc.NoMatch {
		t.Fatalf("no match: %+v %v", res, err)
	}
}

// TestTruliooBusiness: a company's legal name and EIN go in the Business group of the same
// normalized request (EIN as the registration number, the state as the jurisdiction), and
// the record matches only if the business does.
func TestTruliooBusiness(t *testing.T) {
	f := &fakeTrulioo{}
	c := newClient(t, f, "key")
	company := person
	company.Business = &kyc.Business{LegalName: "Rosen Goods LLC", TaxID: "000000000"}
	res, err := c.Verify(context.Background(), company)
	if err != nil || res.Outcome != kyc.Match || res.Fields["BusinessName"] != "match" || res.Fields["BusinessRegistrationNumber"] != "match" {
		t.Fatalf("company: %+v %v", res, err)
	}
	company.Business = &kyc.Business{LegalName: "Nomatch LLC", TaxID: "000000000"}
	if res, err = c.Verify(context.Background(), company); err != nil || res.Outcome != kyc.NoMatch || res.Fields["BusinessName"] != "nomatch" {
		t.Fatalf("unknown company: %+v %v", res, err)
	}
	if _, err := c.Verify(context.Background(), person); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	biz := f.bodies[0]["DataFields"].(map[string]any)["Business"].(map[string]any)
	if biz["BusinessName"] != "Rosen Goods LLC" || biz["BusinessRegistrationNumber"] != "000000000" || biz["JurisdictionOfIncorporation"] != nil {
		t.Fatalf("business fields sent: %v", biz)
	}
	if _, sent := f.bodies[2]["DataFields"].(map[string]any)["Business"]; sent {
		t.Fatal("an individual's check carried a Business group")
	}
}

// TestTruliooRetriesUnbilledFailures: 5xx and 429 answers are retried with the same
// reference, so the one check Trulioo completes is the one it bills.
func TestTruliooRetriesUnbilledFailures(t *testing.T) {
	f := &fakeTrulioo{script: []int{503, 429, 500}}
	res, err := newClient(t, f, "key").Verify(context.Background(), person)
	if err != nil || res.Outcome != kyc.Match {
		t.Fatalf("after three failures: %+v %v", res, err)
	}
	calls := f.calls()
	if len(calls) != 4 {
		t.Fatalf("%d calls, want 4", len(calls))
	}
	for _, ref := range calls {
		if ref != "chk_1" {
			t.Fatalf("a retry changed the reference: %v", calls)
		}
	}
}

// TestTruliooTimeoutIsNotRetried: a request that timed out may have been completed and
// billed; it is reported, not sent again.
func TestTruliooTimeoutIsNotRetried(t *testing.T) {
	f := &fakeTrulioo{script: []int{-1}}
	_, err := newClientWithin(t, f, "key", 100*time.Millisecond).Verify(context.Background(), person)
	var u *kyc.Unbilled
	if apperr.KindOf(err) != apperr.KindUnavailable || !strings.Contains(err.Error(), "chk_1") || errors.As(err, &u) {
		t.Fatalf("timeout: %v, want Unavailable naming the reference, possibly billed", err)
	}
	// A retry would have been sent before Verify returned.
	if n := len(f.calls()); n != 1 {
		t.Fatalf("%d calls after a timeout, want 1", n)
	}
}

// TestTruliooRefusals: what Trulioo refused or never completed is Unbilled, and says
// whether trying again helps: a refused key names the setting to fix, an outage says when.
func TestTruliooRefusals(t *testing.T) {
	unbilled := func(err error) *kyc.Unbilled {
		t.Helper()
		var u *kyc.Unbilled
		if !errors.As(err, &u) {
			t.Fatalf("%v is not Unbilled", err)
		}
		return u
	}
	_, err := newClient(t, &fakeTrulioo{}, "wrong").Verify(context.Background(), person)
	if u := unbilled(err); apperr.KindOf(err) != apperr.KindFailedPrecondition || u.Setting != "IDGATE_TRULIOO_API_KEY" || !strings.Contains(err.Error(), "IDGATE_TRULIOO_API_KEY") {
		t.Fatalf("bad key: %v (setting %q)", err, u.Setting)
	}
	f := &fakeTrulioo{script: []int{400}}
	if _, err := newClient(t, f, "key").Verify(context.Background(), person); apperr.KindOf(err) != apperr.KindFailedPrecondition || len(f.calls()) != 1 || unbilled(err).Setting != "" {
		t.Fatalf("a 400 is not retried and is the caller's problem: %v (%d calls)", err, len(f.calls()))
	}
	f = &fakeTrulioo{script: []int{503, 503, 503, 503, 503}}
	_, err = newClient(t, f, "key").Verify(context.Background(), person)
	var ae *apperr.Error
	if unbilled(err); !errors.As(err, &ae) || ae.Kind != apperr.KindUnavailable || ae.RetryAfter == 0 || len(f.calls()) != 4 {
		t.Fatalf("5xx throughout: %v (%d calls, want 1 + 3 retries)", err, len(f.calls()))
	}
}

func TestRegistry(t *testing.T) {
	r := kyc.NewRegistry(kyc.NewTrulioo(kyc.TruliooConfig{BaseURL: "http://127.0.0.1:1"}))
	if p, err := r.Get("trulioo"); err != nil || p.Name() != "trulioo" {
		t.Fatalf("get trulioo: %v", err)
	}
	if _, err := r.Get("acme"); err == nil || !strings.Contains(err.Error(), "trulioo") {
		t.Fatalf("unknown provider: %v", err)
	}
}
