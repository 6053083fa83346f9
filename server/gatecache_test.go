package server_test

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
	"github.com/idgate/idgate/internal/clock"
	"github.com/idgate/idgate/internal/identity"
	"github.com/idgate/idgate/internal/testenv"
	"github.com/idgate/idgate/server"
)

// gateHits is how many gate checks e answered from its in-process state, from /metrics.
func (e *env) gateHits(t testing.TB) int { return e.metric(t, "idgate_gate_cache_hits_total") }

// gateEntries is how many customers' gate state e holds, from /metrics.
func (e *env) gateEntries(t testing.TB) int { return e.metric(t, "idgate_gate_cache_entries") }

// metric is the value of an unlabelled counter or gauge on e's /metrics.
func (e *env) metric(t testing.TB, name string) int {
	t.Helper()
	resp, err := http.Get(e.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`(?m)^` + name + ` ([0-9.e+]+)`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("/metrics has no %s", name)
	}
	n, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		t.Fatalf("/metrics %s: %v", name, err)
	}
	return int(n)
}

// allowed asks e's gate about the customer and fails the test on an error.
func (e *env) allowed(t *testing.T, id string) bool {
	t.Helper()
	d, err := e.identity.CheckAccess(context.Background(), &idgatev1.CheckAccessRequest{CustomerId: id, Action: "ride_start"})
	if err != nil {
		t.Fatalf("CheckAccess %s: %v", id, err)
	}
	return d.GetAllowed()
}

// servedFromCache waits until e answers the customer's gate check from its cache, so that
// what follows tests the cache and not the database.
func (e *env) servedFromCache(t *testing.T, id string, want bool) {
	t.Helper()
	testenv.Eventually(t, "the gate to answer from its in-process state", func() bool {
		before := e.gateHits(t)
		if got := e.allowed(t, id); got != want {
			t.Fatalf("CheckAccess allowed=%v, want %v", got, want)
		}
		return e.gateHits(t) > before
	})
}

// gateReplicas starts two replicas over one database; b works no jobs.
func gateReplicas(t *testing.T, dbURL string, clk clock.Clock) (a, b *env) {
	noJobs := false
	a = start(t, testConfig(t, dbURL, nil), server.Options{Clock: clk})
	b = start(t, testConfig(t, dbURL, nil), server.Options{Clock: clk, RunJobs: &noJobs})
	return a, b
}

// newRider creates a customer of a subaccount that requires no verification: allowed.
func newRider(t *testing.T, e *env, ext string) string {
	t.Helper()
	ctx := context.Background()
	sa, err := e.risk.CreateSubaccount(ctx, &idgatev1.CreateSubaccountRequest{Name: "Rides " + ext, IdentityVerificationMode: "disabled"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.identity.CreateCustomer(ctx, &idgatev1.CreateCustomerRequest{SubaccountId: sa.GetId(), ExternalId: ext})
	if err != nil {
		t.Fatal(err)
	}
	return c.GetId()
}

// TestGateCacheAcrossReplicas: a customer allowed, and cached, on both replicas; an
// operator on A requires verification. A denies at once (its own commit evicted the
// entry); B denies once it has read the change feed, which the gate bound guarantees
// within identity.GateBound.
func TestGateCacheAcrossReplicas(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			a, b := gateReplicas(t, db.URL, &clock.Fake{})
			id := newRider(t, a, "rider")
			a.servedFromCache(t, id, true)
			b.servedFromCache(t, id, true)

			if _, err := a.identity.RequireVerification(context.Background(), &idgatev1.RequireVerificationRequest{Id: id, Reason: "chargeback"}); err != nil {
				t.Fatal(err)
			}
			if a.allowed(t, id) {
				t.Fatal("replica A allows right after its own operator required verification")
			}
			testenv.Eventually(t, "replica B to deny after A's change", func() bool { return !b.allowed(t, id) })
			// And the denial is what B now caches.
			b.servedFromCache(t, id, false)
		})
	}
}

// TestGateBypassWhenFeedUnreadable: while a replica cannot read the change feed, its
// cached answers serve for at most identity.GateBound; after that the gate goes to the
// database, so an outage answers Unavailable rather than a possibly stale allow.
// PostgreSQL only: it is the database a replica can lose (see TestDatabaseOutage).
func TestGateBypassWhenFeedUnreadable(t *testing.T) {
	pg := testenv.RestartablePostgres(t)
	db := pg.NewDB(t)
	clk := &clock.Fake{}
	a, b := gateReplicas(t, db.URL, clk)
	id := newRider(t, a, "rider")
	b.servedFromCache(t, id, true)

	pg.Stop(t)
	clk.Advance(2 * identity.GateBound)
	_, err := b.identity.CheckAccess(context.Background(), &idgatev1.CheckAccessRequest{CustomerId: id, Action: "ride_start"})
	if status.Code(err) != codes.Unavailable {
		t.Fatalf("CheckAccess on B past the bound with the feed unreadable: %v, want Unavailable (read from the database)", err)
	}

	pg.Start(t)
	testenv.Eventually(t, "B to answer again after PostgreSQL's restart", func() bool {
		_, err := b.identity.CheckAccess(context.Background(), &idgatev1.CheckAccessRequest{CustomerId: id, Action: "ride_start"})
		return err == nil
	})
	b.servedFromCache(t, id, true)
}

// TestGateBulkLoadAcrossReplicas: a replica that starts after a customer exists holds the
// customer from its bulk load (answered from memory before any check read the database),
// and still denies once another replica's operator required verification.
func TestGateBulkLoadAcrossReplicas(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			clk := &clock.Fake{}
			a := start(t, testConfig(t, db.URL, nil), server.Options{Clock: clk})
			id := newRider(t, a, "rider")
			noJobs := false
			b := start(t, testConfig(t, db.URL, nil), server.Options{Clock: clk, RunJobs: &noJobs})
			testenv.Eventually(t, "replica B to load the customer in bulk", func() bool { return b.gateEntries(t) >= 1 })
			if b.gateHits(t) != 0 || !b.allowed(t, id) || b.gateHits(t) != 1 {
				t.Fatal("replica B's first check of a customer it loaded in bulk was not answered from memory")
			}

			if _, err := a.identity.RequireVerification(context.Background(), &idgatev1.RequireVerificationRequest{Id: id, Reason: "chargeback"}); err != nil {
				t.Fatal(err)
			}
			testenv.Eventually(t, "replica B to deny after A's change", func() bool { return !b.allowed(t, id) })
		})
	}
}
