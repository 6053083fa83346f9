package stripe_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/stripe"
	"github.com/idgate/idgate/internal/testenv"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestVerificationSessionAgainstStripeMock(t *testing.T) {
	c := stripe.New(stripe.Config{APIBase: testenv.StripeMock(t)}, discard)
	ctx := context.Background()
	vs, err := c.CreateVerificationSession(ctx, stripe.SessionParams{
		RequireMatchingSelfie: true, RequireLiveCapture: true, AllowedTypes: []string{"driving_license", "passport"},
		ReturnURL: "https://rides.example/verified", Metadata: map[string]string{"customer_id": "cust_1"},
	}, "cust_1:session:1")
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	// stripe-mock answers with its canned session (no client secret, status verified):
	// what this proves is that the request passed its OpenAPI validation.
	if !strings.HasPrefix(vs.ID, "vs_") {
		t.Fatalf("create returned %+v, want a vs_ id", vs)
	}
	got, err := c.GetVerificationSession(ctx, vs.ID)
	if err != nil || !strings.HasPrefix(got.ID, "vs_") || got.Status == "" {
		t.Fatalf("get: %+v %v", got, err)
	}
	if !c.TestMode() {
		t.Fatal("stripe-mock must count as test mode")
	}
}

// TestRetriesAndIdempotencyKey puts a server that fails twice with 503 in front of Stripe:
// the create succeeds on the third try, and every try carries the same idempotency key, so
// Stripe would create one session, not three.
func TestRetriesAndIdempotencyKey(t *testing.T) {
	mock := testenv.StripeMock(t)
	var calls atomic.Int32
	keys := make(chan string, 10)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		keys <- r.Header.Get("Idempotency-Key")
		if calls.Add(1) <= 2 {
			w.Header().Set("Stripe-Should-Retry", "true")
			http.Error(w, `{"error":{"type":"api_error","message":"overloaded"}}`, http.StatusServiceUnavailable)
			return
		}
		req, _ := http.NewRequest(r.Method, mock+r.URL.RequestURI(), r.Body)
		req.Header = r.Header.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	defer front.Close()

	c := stripe.New(stripe.Config{APIBase: front.URL, MaxRetries: 2}, discard)
	if _, err := c.CreateVerificationSession(context.Background(), stripe.SessionParams{}, "cust_9:session:1"); err != nil {
		t.Fatalf("create through two 503s: %v", err)
	}
	close(keys)
	n := 0
	for k := range keys {
		n++
		if k != "cust_9:session:1" {
			t.Fatalf("try %d sent Idempotency-Key %q", n, k)
		}
	}
	if n != 3 {
		t.Fatalf("%d tries, want 3", n)
	}
}

func TestErrors(t *testing.T) {
	var c *stripe.Client // not configured
	if _, err := c.GetVerificationSession(context.Background(), "vs_1"); apperr.KindOf(err) != apperr.KindUnavailable {
		t.Fatalf("unconfigured Stripe: %v, want Unavailable", err)
	}
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, `{"error":{"type":"api_error"}}`, http.StatusInternalServerError)
	}))
	defer down.Close()
	c = stripe.New(stripe.Config{APIBase: down.URL, MaxRetries: 1}, discard)
	if _, err := c.GetVerificationSession(context.Background(), "vs_1"); apperr.KindOf(err) != apperr.KindUnavailable {
		t.Fatalf("Stripe answering 500: %v, want Unavailable", err)
	}
	c = stripe.New(stripe.Config{APIBase: testenv.StripeMock(t)}, discard)
	if _, err := c.CreateVerificationSession(context.Background(), stripe.SessionParams{AllowedTypes: []string{"library_card"}}, "k"); apperr.KindOf(err) != apperr.KindFailedPrecondition {
		t.Fatalf("a parameter stripe-mock rejects: %v, want FailedPrecondition", err)
	}
}

// TestPersonAndFileAgainstStripeMock: stripe-mock validates the person's parameters (name,
// dob, address, id number, relationship, document) and accepts an identity-document upload.
func TestPersonAndFileAgainstStripeMock(t *testing.T) {
	c := stripe.New(stripe.Config{APIBase: testenv.StripeMock(t)}, discard)
	ctx := context.Background()
	acct, err := c.CreateConnectAccount(ctx, stripe.AccountParams{Country: "US", BusinessType: "individual"}, "acct:1")
	if err != nil {
		t.Fatal(err)
	}
	file, err := c.UploadFile(ctx, acct, "front.png", strings.NewReader("\x89PNG\r\n\x1a\n"), "file:1")
	if err != nil || !strings.HasPrefix(file, "file_") {
		t.Fatalf("upload: %q %v", file, err)
	}
	p := stripe.PersonParams{FirstName: "Jenny", LastName: "Rosen", DOB: "1901-01-01", SSNLast4: "0000", Representative: true, Owner: true,
		Address: &stripe.Address{Line1: "address_full_match", City: "San Francisco", State: "CA", PostalCode: "94111", Country: "US"}, DocumentFront: file}
	id, err := c.CreatePerson(ctx, acct, p, "person:1")
	if err != nil || !strings.HasPrefix(id, "person_") {
		t.Fatalf("create person: %q %v", id, err)
	}
	p.SSNLast4, p.IDNumber = "", "000000000"
	if err := c.UpdatePerson(ctx, acct, id, p, "person:2"); err != nil {
		t.Fatalf("update person: %v", err)
	}
}

// TestCopyDocumentFile: a verified session's report names its document images; each is
// read from the Files API with the platform's key and uploaded to the connected account.
// A file larger than MaxDocumentBytes, or one Stripe no longer has, is refused for good
// (FailedPrecondition, which ends the job) and nothing is uploaded; an outage is retried.
func TestCopyDocumentFile(t *testing.T) {
	proxy := testenv.NewStripe(t)
	c := stripe.New(stripe.Config{APIBase: proxy.URL, MaxRetries: 1}, discard)
	ctx := context.Background()
	proxy.SetReportFiles("vs_1", "file_front", "file_back")
	vs, err := c.GetVerifiedSession(ctx, "vs_1")
	if err != nil || len(vs.DocumentFiles) != 2 || vs.DocumentFiles[0] != "file_front" {
		t.Fatalf("verified session: %+v %v", vs, err)
	}
	id, err := c.CopyDocumentFile(ctx, "file_front", "acct_1", "doc:1")
	if err != nil || !strings.HasPrefix(id, "file_") || id == "file_front" {
		t.Fatalf("copy: %q %v", id, err)
	}
	up := proxy.Requests(http.MethodPost, "/v1/files")
	if len(up) != 1 || up[0].Account != "acct_1" || up[0].Form.Get("purpose") != "identity_document" || string(up[0].Upload) != string(testenv.DocumentImage) {
		t.Fatalf("upload: %+v", up)
	}

	proxy.SetFileContents("file_huge", make([]byte, stripe.MaxDocumentBytes+1))
	proxy.SetFileContents("file_max", make([]byte, stripe.MaxDocumentBytes))
	for _, tc := range []struct {
		file string
		kind apperr.Kind
	}{
		{"file_huge", apperr.KindFailedPrecondition},
		{"file_gone", apperr.KindFailedPrecondition},
	} {
		if _, err := c.CopyDocumentFile(ctx, tc.file, "acct_1", "doc:"+tc.file); apperr.KindOf(err) != tc.kind {
			t.Errorf("%s: %v, want kind %v", tc.file, err, tc.kind)
		}
	}
	proxy.Fail("/v1/files/file_max/contents", 2)
	if _, err := c.CopyDocumentFile(ctx, "file_max", "acct_1", "doc:max"); apperr.KindOf(err) != apperr.KindUnavailable {
		t.Errorf("outage: %v, want Unavailable", err)
	}
	if _, err := c.CopyDocumentFile(ctx, "file_max", "acct_1", "doc:max"); err != nil {
		t.Errorf("a file of exactly %d bytes: %v", stripe.MaxDocumentBytes, err)
	}
	if n := len(proxy.Requests(http.MethodPost, "/v1/files")); n != 2 {
		t.Errorf("%d uploads, want 2 (the first file and the one of the maximum size)", n)
	}
}

// TestDebugLogsHoldNoResponseBodies: even at debug level, what Stripe answered (verified
// names, dates of birth, addresses) does not reach the logs; the request lines do.
func TestDebugLogsHoldNoResponseBodies(t *testing.T) {
	var logs strings.Builder
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := stripe.New(stripe.Config{APIBase: testenv.StripeMock(t)}, log)
	if _, err := c.GetVerifiedSession(context.Background(), "vs_debug"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "/v1/identity/verification_sessions/vs_debug") {
		t.Fatalf("no request line at debug level:\n%s", logs.String())
	}
	for _, leak := range []string{"Response:", `"object"`, "verified_outputs", "client_secret"} {
		if strings.Contains(logs.String(), leak) {
			t.Fatalf("the logs hold %q:\n%s", leak, logs.String())
		}
	}
}
