package server_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/encoding/protojson"

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

// benchSizes is the gate benchmarks' table sizes: IDGATE_BENCH_CUSTOMERS, a comma-separated
// list, or 10,000 and 1,000,000 side by side.
func benchSizes(b *testing.B) []int {
	v := os.Getenv("IDGATE_BENCH_CUSTOMERS")
	if v == "" {
		return []int{10_000, 1_000_000}
	}
	var sizes []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			b.Fatalf("IDGATE_BENCH_CUSTOMERS=%q: want customer counts such as 10000,1000000", v)
		}
		sizes = append(sizes, n)
	}
	return sizes
}

// gateBench is one database seeded with customers of one subaccount and the replicas the
// gate benchmarks call.
type gateBench struct {
	ids    []string
	svcKey string // a service key scoped to the customers' subaccount
	open   *env   // built with server.Options{NoAuth: true}
	authed *env
}

// seedGate seeds n customers of a new subaccount into db, with a service key scoped to it.
func seedGate(b *testing.B, db testenv.DB, n int) (ids []string, svcKey string) {
	b.Helper()
	e := start(b, testConfig(b, db.URL, map[string]string{"IDGATE_LOG_LEVEL": "error"}))
	ctx := context.Background()
	sa, err := e.risk.CreateSubaccount(ctx, &idgatev1.CreateSubaccountRequest{Name: "bench", IdentityVerificationMode: "risk_based"})
	if err != nil {
		b.Fatal(err)
	}
	key, err := idgatev1.NewAdminServiceClient(e.conn).CreateApiKey(ctx, &idgatev1.CreateApiKeyRequest{Name: "bench", Role: "service", SubaccountIds: []string{sa.Id}})
	if err != nil {
		b.Fatal(err)
	}
	e.stop()
	postgres := db.Dialect == "postgres"
	var raw *sql.DB
	if postgres {
		raw, err = sql.Open("pgx", db.URL)
	} else {
		raw, err = sql.Open("sqlite", strings.TrimPrefix(db.URL, "sqlite:")+"?_pragma=busy_timeout(10000)")
	}
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	seeded := time.Now()
	ids = seedCustomers(b, raw, postgres, sa.Id, n)
	// Fold the bulk load into the database file, as SQLite's automatic checkpoints would
	// have over time, so readers are not measured against a 1M-row write-ahead log; give
	// PostgreSQL's planner the table's statistics, as autovacuum would.
	fold := "ANALYZE customers"
	if !postgres {
		fold = "PRAGMA wal_checkpoint(TRUNCATE)"
	}
	if _, err := raw.Exec(fold); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d customers in %s", n, time.Since(seeded).Round(time.Millisecond))
	return ids, key.Secret
}

// newGateBench seeds n customers into db and starts two replicas over it, alike but for
// authentication; neither works jobs, so background work does not tilt the comparison.
// It returns once both hold every customer's gate state (IDGATE_GATE_CACHE_SIZE=0: at once).
func newGateBench(b *testing.B, db testenv.DB, n int) *gateBench {
	b.Helper()
	gb := &gateBench{}
	gb.ids, gb.svcKey = seedGate(b, db, n)
	noJobs := false
	// IDGATE_GATE_CACHE_SIZE sizes the replicas' gate state (0: none, for comparison).
	quiet := testConfig(b, db.URL, map[string]string{"IDGATE_LOG_LEVEL": "error", "IDGATE_GATE_CACHE_SIZE": os.Getenv("IDGATE_GATE_CACHE_SIZE")})
	loading := time.Now()
	gb.open = start(b, quiet, server.Options{NoAuth: true, RunJobs: &noJobs})
	gb.authed = start(b, quiet, server.Options{RunJobs: &noJobs})
	if quiet.GateCacheSize > 0 {
		for _, r := range []*env{gb.open, gb.authed} {
			testenv.Eventually(b, "the replica to load every customer's gate state", func() bool { return r.gateEntries(b) >= min(n, quiet.GateCacheSize) })
		}
		b.Logf("both replicas held %d customers' gate state %s after start", n, time.Since(loading).Round(time.Millisecond))
	}
	return gb
}

// BenchmarkCheckAccess is issue 13's gate benchmark: CheckAccess over gRPC at 64 concurrent
// callers with a service key, random customers out of 10,000 and out of 1,000,000 on each
// database, beside the bare grpc-go floor in the same run. IDGATE_BENCH_CUSTOMERS overrides
// the sizes.
func BenchmarkCheckAccess(b *testing.B) {
	floor, floorConn := bareServer(b)
	floorJSON := bareGateway(b, floorConn)
	ctx := context.Background()
	eachGateTable(b, func(b *testing.B, db testenv.DB, n int) {
		gb := newGateBench(b, db, n)
		check := func(c idgatev1.IdentityServiceClient) func(int) error {
			return func(int) error {
				_, err := c.CheckAccess(ctx, &idgatev1.CheckAccessRequest{CustomerId: gb.ids[rand.IntN(len(gb.ids))], Action: "ride_start"})
				return err
			}
		}
		authed := idgatev1.NewIdentityServiceClient(dial(b, gb.authed.grpcAddr, gb.svcKey))
		// Rounds alternate between the floor and idgate, so that the machine's
		// drift (it is shared) falls on both alike.
		b.Run("grpc", func(b *testing.B) { vsFloor(b, check(floor), check(authed)) })
		// The JSON path: GET /v1/customers/{id}/access through idgate's gateway,
		// beside a bare grpc-gateway (same marshaler) over the bare server, with
		// one HTTP client alike for both.
		get := func(base, key string) func(int) error {
			return func(int) error {
				return getJSON(base+"/v1/customers/"+gb.ids[rand.IntN(len(gb.ids))]+"/access?action=ride_start", key)
			}
		}
		b.Run("json", func(b *testing.B) { vsFloor(b, get(floorJSON, ""), get(gb.authed.base, gb.svcKey)) })
		// Authentication's price: rounds alternate between the two replicas so
		// that the machine's drift falls on both alike.
		b.Run("auth-cost", func(b *testing.B) {
			clients := []func(int) error{check(idgatev1.NewIdentityServiceClient(dial(b, gb.open.grpcAddr, ""))), check(authed)}
			const rounds = 10
			var spent [2]time.Duration
			per := max(b.N/rounds, 5000)
			for r := range 2 * rounds {
				d, _, err := timedLatencies(64, per, clients[r%2])
				if err != nil {
					b.Fatal(err)
				}
				spent[r%2] += d
			}
			without, with := float64(per*rounds)/spent[0].Seconds(), float64(per*rounds)/spent[1].Seconds()
			b.ReportMetric(without, "noauth_req/s")
			b.ReportMetric(with, "auth_req/s")
			b.ReportMetric(100*(1-with/without), "auth_cost_%")
		})
	})
}

// eachGateTable runs f for each dialect and each table size of benchSizes, on a fresh
// database per size.
func eachGateTable(b *testing.B, f func(b *testing.B, db testenv.DB, n int)) {
	for _, db := range testenv.Databases(b) {
		b.Run(db.Dialect, func(b *testing.B) {
			for _, n := range benchSizes(b) {
				b.Run(fmt.Sprintf("customers=%d", n), func(b *testing.B) {
					sized := db
					if n != benchSizes(b)[0] {
						sized = databaseLike(b, db)
					}
					f(b, sized, n)
				})
			}
		})
	}
}

// BenchmarkGateMemory is issue 13's memory per replica: bin/idgate, built from this tree,
// runs alone in a child process over a database of 10,000 and of 1,000,000 customers (each
// dialect), answers b.N CheckAccess calls at 64 callers once it holds every customer's gate
// state, then b.N GetCustomer calls of random customers (database reads over the whole read
// pool), and reports its peak and final resident set, the part of it that is mapped files,
// its Go heap in use, and the SQLite file's size.
func BenchmarkGateMemory(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "idgate")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/idgate").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	ctx := context.Background()
	eachGateTable(b, func(b *testing.B, db testenv.DB, n int) {
		ids, key := seedGate(b, db, n)
		p := startProcess(b, bin, db.URL)
		r := &env{t: b, base: "http://" + p.httpAddr}
		testenv.Eventually(b, "the replica to load every customer's gate state", func() bool { return r.gateEntries(b) >= n })
		c := idgatev1.NewIdentityServiceClient(dial(b, p.grpcAddr, key))
		// A parent benchmark runs once; this one runs again for each b.N.
		b.Run("replica", func(b *testing.B) {
			load(b, 64, func(int) error {
				_, err := c.CheckAccess(ctx, &idgatev1.CheckAccessRequest{CustomerId: ids[rand.IntN(len(ids))], Action: "ride_start"})
				return err
			})
			// Then reads that go to the database, as an operator's console does.
			if _, _, err := timedLatencies(64, b.N, func(int) error {
				_, err := c.GetCustomer(ctx, &idgatev1.GetCustomerRequest{Id: ids[rand.IntN(len(ids))]})
				return err
			}); err != nil {
				b.Fatal(err)
			}
			m := p.memory(b)
			b.ReportMetric(float64(m.peak)/(1<<20), "peak_rss_MiB")
			b.ReportMetric(float64(m.now)/(1<<20), "rss_MiB")
			b.ReportMetric(float64(m.files)/(1<<20), "rss_file_MiB")
			b.ReportMetric(float64(r.metric(b, "go_memstats_heap_inuse_bytes"))/(1<<20), "heap_inuse_MiB")
			if db.Dialect == "sqlite" {
				fi, err := os.Stat(strings.TrimPrefix(db.URL, "sqlite:"))
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(fi.Size())/(1<<20), "db_file_MiB")
			}
		})
	})
}

// databaseLike is a fresh database of db's dialect.
func databaseLike(b *testing.B, db testenv.DB) testenv.DB {
	for _, d := range testenv.Databases(b) {
		if d.Dialect == db.Dialect {
			return d
		}
	}
	b.Fatalf("no %s database", db.Dialect)
	return db
}

// vsFloor runs b.N calls of idgate and b.N of floor at 64 callers, in ten alternating rounds
// each, and reports each one's throughput and 99th-percentile latency (req/s, p99_ms;
// floor_req/s, floor_p99_ms). bench.sh prints the ratios.
func vsFloor(b *testing.B, floor, idgate func(int) error) {
	const rounds = 10
	per := max(b.N/rounds, 1000)
	var spent [2]time.Duration
	var lat [2][]time.Duration
	b.ResetTimer()
	for r := range 2 * rounds {
		op := []func(int) error{floor, idgate}[r%2]
		d, l, err := timedLatencies(64, per, op)
		if err != nil {
			b.Fatal(err)
		}
		spent[r%2] += d
		lat[r%2] = append(lat[r%2], l...)
	}
	b.StopTimer()
	for i, unit := range []string{"floor_", ""} {
		slices.Sort(lat[i])
		b.ReportMetric(float64(per*rounds)/spent[i].Seconds(), unit+"req/s")
		b.ReportMetric(float64(lat[i][len(lat[i])*99/100].Microseconds())/1000, unit+"p99_ms")
	}
}

// timedLatencies runs n calls of op over concurrency goroutines and returns the wall time
// and each call's latency.
func timedLatencies(concurrency, n int, op func(int) error) (time.Duration, []time.Duration, error) {
	var (
		wg     sync.WaitGroup
		next   atomic.Int64
		failed atomic.Value
	)
	lat := make([][]time.Duration, concurrency)
	start := time.Now()
	for w := range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)); i <= n; i = int(next.Add(1)) {
				t0 := time.Now()
				if err := op(i); err != nil {
					failed.Store(err)
					return
				}
				lat[w] = append(lat[w], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	err, _ := failed.Load().(error)
	return time.Since(start), slices.Concat(lat...), err
}

// jsonClient is the HTTP client of the JSON benchmarks: one keep-alive connection per caller.
var jsonClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}

// getJSON GETs url with the API key, and fails unless the answer is 200.
func getJSON(url, key string) error {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := jsonClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: HTTP %d", url, resp.StatusCode)
	}
	return nil
}

// bareGateway serves a bare grpc-gateway over conn, with idgate's JSON marshaler options and
// nothing else, on loopback: the JSON floor. It returns the base URL.
func bareGateway(b *testing.B, conn *grpc.ClientConn) string {
	b.Helper()
	mux := runtime.NewServeMux(runtime.WithMarshalerOption(runtime.MIMEWildcard, &runtime.JSONPb{
		MarshalOptions: protojson.MarshalOptions{UseProtoNames: true, EmitUnpopulated: true},
	}))
	if err := idgatev1.RegisterIdentityServiceHandler(context.Background(), mux, conn); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(mux)
	b.Cleanup(srv.Close)
	return srv.URL
}

// bareServer starts grpc-go with a CheckAccess that answers a fixed decision: the floor.
func bareServer(b *testing.B) (idgatev1.IdentityServiceClient, *grpc.ClientConn) {
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
	return idgatev1.NewIdentityServiceClient(conn), conn
}

type bareGate struct {
	idgatev1.UnimplementedIdentityServiceServer
}

func (bareGate) CheckAccess(context.Context, *idgatev1.CheckAccessRequest) (*idgatev1.CheckAccessResponse, error) {
	st := "pending"
	return &idgatev1.CheckAccessResponse{Allowed: false, Reason: "identity_verification_pending", RequiredAction: "wait_for_verification", IdentityStatus: &st, Message: "Your identity verification is being processed. Please try again shortly."}, nil
}
