package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
	"github.com/idgate/idgate/internal/testenv"
)

// fakeTrulioo is Trulioo's verify endpoint: answer says what each request gets (a status,
// and a RecordStatus for 200); it records each request's CustomerReferenceID.
type fakeTrulioo struct {
	mu     sync.Mutex
	refs   []string
	answer func(n int) (int, string) // n: the request's number, from 1
}

func (f *fakeTrulioo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body struct{ CustomerReferenceID string }
	_ = json.NewDecoder(r.Body).Decode(&body)
	f.mu.Lock()
	f.refs = append(f.refs, body.CustomerReferenceID)
	n := len(f.refs)
	f.mu.Unlock()
	code, record := f.answer(n)
	w.WriteHeader(code)
	fmt.Fprintf(w, `{"TransactionID":"tx-%d","Record":{"RecordStatus":%q,"DatasourceResults":[]}}`, n, record)
}

func (f *fakeTrulioo) references() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.refs...)
}

// claimsEnv starts idgate with Trulioo at f and returns a new US merchant's id.
func claimsEnv(t *testing.T, db testenv.DB, f *fakeTrulioo) (*env, idgatev1.ConnectOnboardingServiceClient, string) {
	t.Helper()
	trulioo := httptest.NewServer(f)
	t.Cleanup(trulioo.Close)
	e := start(t, testConfig(t, db.URL, map[string]string{
		"STRIPE_API_BASE": testenv.Stripe(t), "IDGATE_TRULIOO_URL": trulioo.URL, "IDGATE_TRULIOO_API_KEY": "key",
	}))
	ctx := context.Background()
	sa, err := e.risk.CreateSubaccount(ctx, &idgatev1.CreateSubaccountRequest{Name: "US marketplace"})
	if err != nil {
		t.Fatal(err)
	}
	onb := idgatev1.NewConnectOnboardingServiceClient(e.conn)
	m, err := onb.CreateMerchant(ctx, &idgatev1.CreateMerchantRequest{SubaccountId: sa.Id, ExternalId: "us-1", Country: "US", BusinessType: "individual"})
	if err != nil || m.NextAction != "start_database_kyc" {
		t.Fatalf("new US merchant: %v %v", m, err)
	}
	return e, onb, m.Id
}

func tier1(merchantID string) *idgatev1.StartDatabaseKYCRequest {
	return &idgatev1.StartDatabaseKYCRequest{MerchantId: merchantID, FirstName: "Jenny", LastName: "Rosen", Dob: "1901-01-01", SsnLast4: "0000",
		Address: &idgatev1.PostalAddress{Line1: "address_full_match", City: "San Francisco", State: "CA", PostalCode: "94111"}}
}

// costs is the cost report of the last hour.
func costs(t *testing.T, onb idgatev1.ConnectOnboardingServiceClient) *idgatev1.VerificationCostReport {
	t.Helper()
	now := time.Now()
	r, err := onb.GetVerificationCostReport(context.Background(), &idgatev1.GetVerificationCostReportRequest{
		From: timestamppb.New(now.Add(-time.Hour)), Until: timestamppb.New(now.Add(time.Hour))})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestDatabaseKYCClaimsTheAttempt: while one StartDatabaseKYC waits for Trulioo, a second
// call for the same merchant is refused without reaching Trulioo; a retry after the first
// finished gets its result. One provider request, one check in the ledger, and its id is
// the reference Trulioo received.
func TestDatabaseKYCClaimsTheAttempt(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			arrived, release := make(chan struct{}), make(chan struct{})
			f := &fakeTrulioo{answer: func(n int) (int, string) {
				if n == 1 { // holds the first check until the second call has been answered
					close(arrived)
					<-release
				}
				return http.StatusOK, "nomatch"
			}}
			_, onb, id := claimsEnv(t, db, f)
			ctx := context.Background()
			type answer struct {
				m   *idgatev1.Merchant
				err error
			}
			first := make(chan answer, 1)
			go func() {
				m, err := onb.StartDatabaseKYC(ctx, tier1(id))
				first <- answer{m, err}
			}()
			<-arrived
			_, err := onb.StartDatabaseKYC(ctx, tier1(id))
			close(release)
			if status.Code(err) != codes.FailedPrecondition || !strings.Contains(err.Error(), "already running") {
				t.Fatalf("a second call while the first is at Trulioo: %v, want FailedPrecondition", err)
			}
			a := <-first
			if a.err != nil || a.m.NextAction != "collect_full_ssn" {
				t.Fatalf("the first call: %v %v", a.m, a.err)
			}
			// The client retries (say its answer was lost): the same attempt, its result.
			again, err := onb.StartDatabaseKYC(ctx, tier1(id))
			if err != nil || again.NextAction != "collect_full_ssn" {
				t.Fatalf("retry of the finished attempt: %v %v", again, err)
			}
			refs := f.references()
			if len(refs) != 1 {
				t.Fatalf("Trulioo got %d requests (%v), want 1", len(refs), refs)
			}
			if r := costs(t, onb); len(r.Tiers) != 1 || r.Tiers[0].Checks != 1 || r.TotalCents != 150 {
				t.Fatalf("ledger: %v, want one tier-1 check at $1.50", r)
			}
			if rows := rawRows(t, db, "kyc_checks", "merchant_id", id); strings.Count("\n"+rows, "\nid=") != 1 || !strings.Contains(rows, "id="+refs[0]+"\n") {
				t.Fatalf("check rows, want one whose id is the reference %s:\n%s", refs[0], rows)
			}
		})
	}
}

// TestDatabaseKYCProviderFailuresAreNotBilled: Trulioo down through every retry, then
// refusing the API key: neither is a check in the ledger or the cost report, the merchant
// stays at tier 1 (not rerouted to biometric consent and a document), and the answer says
// what to do: retry later (503 with Retry-After), or fix the setting. Then Trulioo is
// healthy and the same attempt, under the same reference, goes through.
func TestDatabaseKYCProviderFailuresAreNotBilled(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			var mu sync.Mutex
			code := http.StatusServiceUnavailable
			f := &fakeTrulioo{answer: func(int) (int, string) {
				mu.Lock()
				defer mu.Unlock()
				return code, "match"
			}}
			set := func(c int) { mu.Lock(); code = c; mu.Unlock() }
			e, onb, id := claimsEnv(t, db, f)
			ctx := context.Background()
			unchanged := func(when string) {
				t.Helper()
				if r := costs(t, onb); len(r.Tiers) != 0 || r.TotalCents != 0 || r.Merchants != 0 {
					t.Fatalf("%s: cost report %v, want nothing billed", when, r)
				}
				if m, err := onb.GetMerchant(ctx, &idgatev1.GetMerchantRequest{Id: id}); err != nil || m.NextAction != "start_database_kyc" || m.KycStatus != "" {
					t.Fatalf("%s: merchant %v %v, want it still at start_database_kyc", when, m, err)
				}
				if rows := rawRows(t, db, "kyc_checks", "merchant_id", id); strings.Contains(rows, "cost_cents=150") {
					t.Fatalf("%s: a priced check in the ledger:\n%s", when, rows)
				}
			}

			body, _ := json.Marshal(map[string]any{"first_name": "Jenny", "last_name": "Rosen", "dob": "1901-01-01", "ssn_last4": "0000",
				"address": map[string]string{"line1": "address_full_match", "city": "San Francisco", "state": "CA", "postal_code": "94111"}})
			var out struct{ Message string }
			status503, header := e.call("POST", "/v1/merchants/"+id+"/database-kyc", string(body), &out)
			if status503 != http.StatusServiceUnavailable || header.Get("Retry-After") == "" || !strings.Contains(out.Message, "try again") {
				t.Fatalf("Trulioo down: HTTP %d Retry-After %q %q, want 503 saying to retry", status503, header.Get("Retry-After"), out.Message)
			}
			if n := len(f.references()); n != 4 {
				t.Fatalf("Trulioo got %d requests, want 1 + 3 retries", n)
			}
			unchanged("after the outage")

			set(http.StatusUnauthorized)
			_, err := onb.StartDatabaseKYC(ctx, tier1(id))
			if status.Code(err) != codes.FailedPrecondition || !strings.Contains(err.Error(), "IDGATE_TRULIOO_API_KEY") {
				t.Fatalf("refused key: %v, want FailedPrecondition naming IDGATE_TRULIOO_API_KEY", err)
			}
			unchanged("after the refused key")

			set(http.StatusOK)
			m, err := onb.StartDatabaseKYC(ctx, tier1(id))
			if err != nil || m.KycStatus != "verified" {
				t.Fatalf("Trulioo healthy again: %v %v", m, err)
			}
			if r := costs(t, onb); len(r.Tiers) != 1 || r.Tiers[0].Checks != 1 || r.Tiers[0].Successes != 1 || r.TotalCents != 150 {
				t.Fatalf("ledger: %v, want the one check that Trulioo performed", r)
			}
			refs := f.references()
			for _, ref := range refs {
				if ref != refs[0] || !strings.HasPrefix(ref, "chk_") {
					t.Fatalf("references sent: %v, want the attempt's one reference throughout", refs)
				}
			}
		})
	}
}

// TestSimultaneousReviewResolutions: two operators resolve one task at the same moment;
// one resolution acts, the other is refused, and the merchant's resolver ran once (one
// manual check in the ledger).
func TestSimultaneousReviewResolutions(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e := start(t, testConfig(t, db.URL, map[string]string{"STRIPE_API_BASE": testenv.Stripe(t)}))
			ctx := context.Background()
			sa, err := e.risk.CreateSubaccount(ctx, &idgatev1.CreateSubaccountRequest{Name: "UK marketplace"})
			if err != nil {
				t.Fatal(err)
			}
			onb := idgatev1.NewConnectOnboardingServiceClient(e.conn)
			m, err := onb.CreateMerchant(ctx, &idgatev1.CreateMerchantRequest{SubaccountId: sa.Id, ExternalId: "gb-1", Country: "GB", BusinessType: "individual"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := onb.RecordBiometricConsent(ctx, &idgatev1.RecordBiometricConsentRequest{MerchantId: m.Id}); err != nil {
				t.Fatal(err)
			}
			operators := []idgatev1.AdminServiceClient{
				idgatev1.NewAdminServiceClient(dial(t, e.grpcAddr, e.newKey(t, "operator", sa.Id))),
				idgatev1.NewAdminServiceClient(dial(t, e.grpcAddr, e.newKey(t, "operator", sa.Id))),
			}
			list, err := operators[0].ListReviewTasks(ctx, &idgatev1.ListReviewTasksRequest{Status: "open"})
			if err != nil || len(list.Tasks) != 1 {
				t.Fatalf("open tasks: %v %v", list, err)
			}
			task := list.Tasks[0].Id
			// Both wait at the barrier, then resolve together.
			var ready, done sync.WaitGroup
			ready.Add(len(operators))
			gate := make(chan struct{})
			errs := make([]error, len(operators))
			for i, op := range operators {
				done.Add(1)
				go func() {
					defer done.Done()
					ready.Done()
					<-gate
					_, errs[i] = op.ResolveReviewTask(ctx, &idgatev1.ResolveReviewTaskRequest{Id: task, Decision: "approve", Notes: fmt.Sprintf("documents checked by operator %d", i)})
				}()
			}
			ready.Wait()
			close(gate)
			done.Wait()
			ok, refused := 0, 0
			for _, err := range errs {
				switch status.Code(err) {
				case codes.OK:
					ok++
				case codes.FailedPrecondition:
					refused++
				default:
					t.Fatalf("a resolution failed otherwise: %v", err)
				}
			}
			if ok != 1 || refused != 1 {
				t.Fatalf("%d resolutions succeeded and %d were refused (%v), want one each", ok, refused, errs)
			}
			if r := costs(t, onb); len(r.Tiers) != 1 || r.Tiers[0].Tier != 4 || r.Tiers[0].Checks != 1 {
				t.Fatalf("ledger: %v, want one manual check: the resolver ran once", r)
			}
		})
	}
}
