package server_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
	"github.com/idgate/idgate/internal/testenv"
	"github.com/idgate/idgate/server"
)

// seedCustomers inserts n customers of one subaccount straight into the table, a third of
// them flagged and some verified, in batches. It returns their ids.
func seedCustomers(b *testing.B, db *sql.DB, postgres bool, subID string, n int) []string {
	b.Helper()
	ids := make([]string, n)
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	const batch = 500
	now := time.Now().UTC()
	statuses := []string{"NULL", "'pending'", "'verified'", "'requires_input'"}
	for start := 0; start < n; start += batch {
		var sb strings.Builder
		sb.WriteString("INSERT INTO customers (id, created_at, updated_at, subaccount_id, external_id, identity_verification_required, identity_status) VALUES ")
		var args []any
		for i := start; i < min(start+batch, n); i++ {
			ids[i] = fmt.Sprintf("cust_bench%09d", i)
			if i > start {
				sb.WriteString(",")
			}
			p := len(args)
			if postgres {
				fmt.Fprintf(&sb, "($%d,$%d,$%d,$%d,$%d,%v,%s)", p+1, p+2, p+3, p+4, p+5, i%3 == 0, statuses[i%4])
			} else {
				fmt.Fprintf(&sb, "(?,?,?,?,?,%v,%s)", i%3 == 0, statuses[i%4])
			}
			args = append(args, ids[i], now, now, subID, "ext-"+strconv.Itoa(i))
		}
		if _, err := tx.Exec(sb.String(), args...); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return ids
}

// BenchmarkCheckAccess is issue 3's gate benchmark: CheckAccess over gRPC at 64 concurrent
// callers with 1,000,000 customers in the SQLite database, beside the bare grpc-go floor in
// the same run. IDGATE_BENCH_CUSTOMERS overrides the count.
func BenchmarkCheckAccess(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("IDGATE_BENCH_CUSTOMERS")); err == nil && v > 0 {
		n = v
	}
	db := testenv.Databases(b)[0]
	e := start(b, testConfig(b, db.URL, map[string]string{"IDGATE_LOG_LEVEL": "error"}))
	ctx := context.Background()
	sa, err := e.risk.CreateSubaccount(ctx, &idgatev1.CreateSubaccountRequest{Name: "bench", IdentityVerificationMode: "risk_based"})
	if err != nil {
		b.Fatal(err)
	}
	raw, err := sql.Open("sqlite", strings.TrimPrefix(db.URL, "sqlite:")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		b.Fatal(err)
	}
	seeded := time.Now()
	ids := seedCustomers(b, raw, false, sa.Id, n)
	// Fold the bulk load into the database file, as SQLite's automatic checkpoints would
	// have over time, so readers are not measured against a 1M-row write-ahead log.
	if _, err := raw.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		b.Fatal(err)
	}
	raw.Close()
	b.Logf("seeded %d customers in %s", n, time.Since(seeded).Round(time.Millisecond))

	floor := bareServer(b)
	// The platform's backend calls with a service key scoped to its subaccount. Two more
	// replicas over the same database, alike but for authentication, price it; neither works
	// jobs, so the background work of the first does not tilt the comparison.
	svcKey, err := idgatev1.NewAdminServiceClient(e.conn).CreateApiKey(ctx, &idgatev1.CreateApiKeyRequest{Name: "bench", Role: "service", SubaccountIds: []string{sa.Id}})
	if err != nil {
		b.Fatal(err)
	}
	noJobs := false
	// IDGATE_GATE_CACHE_SIZE sizes the replicas' gate state (0: none, for comparison).
	quiet := testConfig(b, db.URL, map[string]string{"IDGATE_LOG_LEVEL": "error", "IDGATE_GATE_CACHE_SIZE": os.Getenv("IDGATE_GATE_CACHE_SIZE")})
	open := start(b, quiet, server.Options{NoAuth: true, RunJobs: &noJobs})
	authed := start(b, quiet, server.Options{RunJobs: &noJobs})
	for _, target := range []struct {
		name   string
		client idgatev1.IdentityServiceClient
	}{
		{"floor", floor},
		{"idgate", idgatev1.NewIdentityServiceClient(dial(b, authed.grpcAddr, svcKey.Secret))},
	} {
		b.Run(target.name, func(b *testing.B) {
			load(b, 64, func(i int) error {
				_, err := target.client.CheckAccess(ctx, &idgatev1.CheckAccessRequest{CustomerId: ids[rand.IntN(len(ids))], Action: "ride_start"})
				return err
			})
		})
	}

	// Authentication's price: rounds alternate between the two replicas so that the
	// machine's drift falls on both alike.
	b.Run("auth-cost", func(b *testing.B) {
		clients := []idgatev1.IdentityServiceClient{
			idgatev1.NewIdentityServiceClient(dial(b, open.grpcAddr, "")),
			idgatev1.NewIdentityServiceClient(dial(b, authed.grpcAddr, svcKey.Secret)),
		}
		const rounds = 10
		var spent [2]time.Duration
		per := max(b.N/rounds, 5000)
		for r := range 2 * rounds {
			c := clients[r%2]
			spent[r%2] += timed(64, per, func() error {
				_, err := c.CheckAccess(ctx, &idgatev1.CheckAccessRequest{CustomerId: ids[rand.IntN(len(ids))], Action: "ride_start"})
				return err
			})
		}
		without, with := float64(per*rounds)/spent[0].Seconds(), float64(per*rounds)/spent[1].Seconds()
		b.ReportMetric(without, "noauth_req/s")
		b.ReportMetric(with, "auth_req/s")
		b.ReportMetric(100*(1-with/without), "auth_cost_%")
	})
}

// timed runs n calls of op over concurrency goroutines and returns the wall time.
func timed(concurrency, n int, op func() error) time.Duration {
	var wg sync.WaitGroup
	var next atomic.Int64
	start := time.Now()
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				_ = op()
			}
		}()
	}
	wg.Wait()
	return time.Since(start)
}

// bareServer starts grpc-go with a CheckAccess that answers a fixed decision: the floor.
func bareServer(b *testing.B) idgatev1.IdentityServiceClient {
	b.Helper()
	lis, err := netListen()
	if err != nil {
		b.Fatal(err)
	}
	srv := grpc.NewServer()
	idgatev1.RegisterIdentityServiceServer(srv, bareGate{})
	go srv.Serve(lis) //nolint:errcheck // stopped at cleanup
	b.Cleanup(srv.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close() })
	return idgatev1.NewIdentityServiceClient(conn)
}

type bareGate struct {
	idgatev1.UnimplementedIdentityServiceServer
}

func (bareGate) CheckAccess(context.Context, *idgatev1.CheckAccessRequest) (*idgatev1.CheckAccessResponse, error) {
	st := "pending"
	return &idgatev1.CheckAccessResponse{Allowed: false, Reason: "identity_verification_pending", RequiredAction: "wait_for_verification", IdentityStatus: &st, Message: "Your identity verification is being processed. Please try again shortly."}, nil
}
