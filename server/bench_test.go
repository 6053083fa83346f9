package server_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	stripewebhook "github.com/stripe/stripe-go/v76/webhook"
	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/timestamppb"

	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
	"github.com/idgate/idgate/internal/config"
	"github.com/idgate/idgate/internal/testenv"
	"github.com/idgate/idgate/server"
)

// load runs b.N calls of op spread over `concurrency` goroutines and reports throughput
// (req/s) and the 99th-percentile latency (p99_ms).
func load(b *testing.B, concurrency int, op func(i int) error) {
	b.Helper()
	var next atomic.Int64
	lat := make([][]time.Duration, concurrency)
	var wg sync.WaitGroup
	var failed atomic.Value
	b.ResetTimer()
	start := time.Now()
	for w := range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
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
	elapsed := time.Since(start)
	b.StopTimer()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99_ms")
}

// BenchmarkWebhookIntake posts distinct signed events through the JSON gateway, as Stripe
// does, on each database. First at 64 senders into a replica that works no jobs while no
// replica does ("intake-only"): the intake path's own figure, in alternating rounds with
// the floor (intakeVsFloor). Then, with a replica that works jobs as in production (it
// drains the first round's backlog before), at 16 and 64 senders: intake's share of a
// database busy with processing too. Beside each, in the same run, the floor: a bare
// net/http handler that checks the signature and inserts the raw payload with one
// statement per event into a table of its own in the same database. bench.sh prints
// idgate ÷ floor.
func BenchmarkWebhookIntake(b *testing.B) {
	for _, db := range testenv.Databases(b) {
		noJobs := false
		intakeOnly := start(b, benchConfig(b, db), server.Options{RunJobs: &noJobs})
		raw := benchDB(b, db)
		floor := startIntakeFloor(b, db.Dialect, raw)
		b.Run(db.Dialect+"/intake-only/senders=64", func(b *testing.B) {
			intakeVsFloor(b, 64, floor, intakeOnly.base+"/v1/webhooks/stripe")
		})
		e := start(b, benchConfig(b, db))
		waitProcessed(b, raw)
		for _, senders := range []int{16, 64} {
			for _, target := range []struct{ name, url string }{{"floor", floor}, {"idgate", e.base + "/v1/webhooks/stripe"}} {
				b.Run(fmt.Sprintf("%s/senders=%d/%s", db.Dialect, senders, target.name), func(b *testing.B) {
					post := signedPosts(b, target.url, senders, b.N)
					cpu0 := cpuTime(b)
					load(b, senders, post)
					// The senders' own CPU is in it too, alike for idgate and the floor.
					b.ReportMetric(float64((cpuTime(b)-cpu0).Microseconds())/float64(b.N), "cpu_us/event")
				})
				waitProcessed(b, raw) // the next round starts with no backlog of this one's jobs
			}
		}
	}
}

// intakeVsFloor posts b.N distinct events (at least 2,000 a round) to the floor and as
// many to idgate from `senders` senders, in five alternating rounds each (the machine's drift falls on both), and
// reports both as vsFloor does, with the CPU per event (the senders' included, alike for
// both) and the lowest and highest idgate ÷ floor of a round.
func intakeVsFloor(b *testing.B, senders int, floorURL, idgateURL string) {
	const rounds = 5
	per := max(b.N/rounds, 2000)
	var spent, cpu [2]time.Duration
	var lat [2][]time.Duration
	lo, hi := math.Inf(1), 0.0
	b.ResetTimer()
	for range rounds {
		var rate [2]float64
		for i, url := range []string{floorURL, idgateURL} {
			b.StopTimer()
			post := signedPosts(b, url, senders, per)
			b.StartTimer()
			cpu0 := cpuTime(b)
			d, l, err := timedLatencies(senders, per, func(n int) error { return post(n - 1) })
			if err != nil {
				b.Fatal(err)
			}
			cpu[i] += cpuTime(b) - cpu0
			spent[i] += d
			lat[i] = append(lat[i], l...)
			rate[i] = float64(per) / d.Seconds()
		}
		lo, hi = min(lo, rate[1]/rate[0]), max(hi, rate[1]/rate[0])
	}
	b.StopTimer()
	for i, unit := range []string{"floor_", ""} {
		slices.Sort(lat[i])
		b.ReportMetric(float64(per*rounds)/spent[i].Seconds(), unit+"req/s")
		b.ReportMetric(float64(lat[i][len(lat[i])*99/100].Microseconds())/1000, unit+"p99_ms")
		b.ReportMetric(float64(cpu[i].Microseconds())/float64(per*rounds), unit+"cpu_us/event")
	}
	b.ReportMetric(lo, "round_ratio_min")
	b.ReportMetric(hi, "round_ratio_max")
}

// benchConfig is the test configuration with production's job settings, except those of
// the job workers and webhook batches that the environment sets, for measuring them.
func benchConfig(b *testing.B, db testenv.DB) config.Config {
	vars := map[string]string{"IDGATE_LOG_LEVEL": "error", "IDGATE_JOB_POLL_INTERVAL": "", "IDGATE_JOB_RETRY_BASE": ""}
	for _, k := range []string{"IDGATE_JOB_WORKERS", "IDGATE_WEBHOOK_BATCH_WINDOW", "IDGATE_WEBHOOK_BATCH_MAX", "IDGATE_WEBHOOK_BATCH_WRITERS"} {
		vars[k] = os.Getenv(k)
	}
	return testConfig(b, db.URL, vars)
}

// signedPosts prepares n distinct signed charge.succeeded events and returns the function
// that POSTs the i-th to url.
func signedPosts(b *testing.B, url string, senders, n int) func(i int) error {
	b.Helper()
	bodies := make([][]byte, n)
	sigs := make([]string, n)
	run := time.Now().UnixNano()
	for i := range n {
		bodies[i] = stripeEvent(fmt.Sprintf("evt_bench_%d_%d", run, i), "charge.succeeded", "2023-10-16",
			fmt.Sprintf(`{"id":"ch_%d","object":"charge","customer":"cus_bench_%d","outcome":{"risk_level":"normal","risk_score":12}}`, i, i%benchCustomers))
		sigs[i] = sign(bodies[i], secret, time.Now())
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: senders}}
	return func(i int) error {
		req, _ := http.NewRequest("POST", url, bytes.NewReader(bodies[i]))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Stripe-Signature", sigs[i])
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("HTTP %d", resp.StatusCode)
		}
		return nil
	}
}

// benchCustomers is how many Stripe customers the benchmark events name (cus_bench_0 ...).
const benchCustomers = 100

// benchDB opens db beside idgate: on SQLite a connection of its own to the same file, with
// idgate's pragmas (one writer, WAL); on PostgreSQL a pool as large as idgate's.
func benchDB(b testing.TB, db testenv.DB) *sql.DB {
	b.Helper()
	_, target, err := config.ParseDatabaseURL(db.URL)
	if err != nil {
		b.Fatal(err)
	}
	var raw *sql.DB
	if db.Dialect == "sqlite" {
		raw, err = sql.Open("sqlite", "file:"+target+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_txlock=immediate")
		raw.SetMaxOpenConns(1)
	} else {
		raw, err = sql.Open("pgx", target)
		raw.SetMaxOpenConns(20)
		raw.SetMaxIdleConns(20)
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { raw.Close() })
	return raw
}

// startIntakeFloor serves the intake floor on loopback and returns its URL: verify the
// Stripe-Signature HMAC over the raw body, read the event id, insert id and raw payload
// with one statement, 200.
func startIntakeFloor(b *testing.B, dialect string, raw *sql.DB) string {
	b.Helper()
	if _, err := raw.Exec("CREATE TABLE floor_events (id TEXT PRIMARY KEY, payload TEXT NOT NULL)"); err != nil {
		b.Fatal(err)
	}
	insert := "INSERT INTO floor_events (id, payload) VALUES (?, ?) ON CONFLICT DO NOTHING"
	if dialect == "postgres" {
		insert = "INSERT INTO floor_events (id, payload) VALUES ($1, $2) ON CONFLICT DO NOTHING"
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		// stripe-go's check, as idgate's intake makes it.
		if err != nil || stripewebhook.ValidatePayloadWithTolerance(body, r.Header.Get("Stripe-Signature"), secret, 5*time.Minute) != nil {
			http.Error(w, "bad signature", http.StatusBadRequest)
			return
		}
		var ev struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(body, &ev) != nil || ev.ID == "" {
			http.Error(w, "no event id", http.StatusBadRequest)
			return
		}
		if _, err := raw.ExecContext(r.Context(), insert, ev.ID, body); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	b.Cleanup(srv.Close)
	return srv.URL
}

// waitProcessed returns when no stored event awaits processing, looking every 10 ms (the
// drain measurement's resolution) with a query that reads one index entry, not the
// backlog (a count every 10 ms took a tenth of the CPU the drain it measured had); a
// backlog is given ten minutes.
func waitProcessed(b *testing.B, raw *sql.DB) {
	b.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.Now().Add(10 * time.Minute)
	for {
		var one int
		err := raw.QueryRow("SELECT 1 FROM stripe_events WHERE state = 'pending' LIMIT 1").Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return
		}
		if err != nil {
			b.Fatal(err)
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d stored events still pending after 10 minutes", pending(b, raw))
		}
		<-tick.C
	}
}

// pending counts the stored events that await processing.
func pending(b *testing.B, raw *sql.DB) int {
	var n int
	if err := raw.QueryRow("SELECT count(*) FROM stripe_events WHERE state = 'pending'").Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}

// BenchmarkWebhookDrain is how fast a backlog is worked off: 20,000 signed events
// (IDGATE_BENCH_EVENTS overrides) are stored through intake by a replica that works no
// jobs, then one or two replicas that do start on the same database with the default job
// settings, and events/s is the backlog over the time until no event is pending. Each
// event records a Radar score on one of 100 customers. Each configuration drains once,
// however many iterations the benchmark is asked for.
func BenchmarkWebhookDrain(b *testing.B) {
	n := benchEnv("IDGATE_BENCH_EVENTS", 20_000)
	rates, cpus := map[string]float64{}, map[string]float64{}
	for _, db := range testenv.Databases(b) {
		replicas := []int{1}
		if db.Dialect == "postgres" {
			replicas = []int{1, 2}
		}
		noJobs := false
		cfg := benchConfig(b, db)
		intake := start(b, cfg, server.Options{RunJobs: &noJobs})
		seedBenchCustomers(b, intake)
		raw := benchDB(b, db)
		for _, r := range replicas {
			name := fmt.Sprintf("%s/replicas=%d", db.Dialect, r)
			b.Run(name, func(b *testing.B) {
				if _, done := rates[name]; !done {
					sendAll(b, 64, n, signedPosts(b, intake.base+"/v1/webhooks/stripe", 64, n))
					backlog := pending(b, raw)
					t0, cpu0 := time.Now(), cpuTime(b)
					for range r {
						start(b, cfg)
					}
					waitProcessed(b, raw)
					rates[name] = float64(backlog) / time.Since(t0).Seconds()
					cpus[name] = float64((cpuTime(b) - cpu0).Microseconds()) / float64(backlog)
				}
				b.ReportMetric(rates[name], "events/s")
				b.ReportMetric(cpus[name], "cpu_us/event")
			})
		}
	}
}

// BenchmarkWebhookSustained is intake at a steady rate while the same replica works the
// jobs, as in production: 64 senders post distinct signed events paced to
// IDGATE_BENCH_RATE events/s (default 1,000) for IDGATE_BENCH_SECONDS (default 60); then
// the backlog left when intake stops, and how long it takes to drain. A backlog that stays
// small and drains in seconds is processing keeping up; one that grows with the duration
// is not. Each database runs once, however many iterations the benchmark is asked for.
func BenchmarkWebhookSustained(b *testing.B) {
	rate, secs := benchEnv("IDGATE_BENCH_RATE", 1000), benchEnv("IDGATE_BENCH_SECONDS", 60)
	type result struct{ rate, backlog, drain, p99 float64 }
	results := map[string]result{}
	for _, db := range testenv.Databases(b) {
		b.Run(fmt.Sprintf("%s/rate=%d", db.Dialect, rate), func(b *testing.B) {
			r, done := results[db.Dialect]
			if !done {
				e := start(b, benchConfig(b, db))
				seedBenchCustomers(b, e)
				raw := benchDB(b, db)
				n := rate * secs
				post := signedPosts(b, e.base+"/v1/webhooks/stripe", 64, n)
				interval := time.Second / time.Duration(rate)
				lat := make([]time.Duration, n)
				t0 := time.Now()
				sendAll(b, 64, n, func(i int) error {
					due := t0.Add(time.Duration(i) * interval)
					time.Sleep(time.Until(due)) // the load generator's pace
					err := post(i)
					lat[i] = time.Since(due) // from when it was due: queueing counts
					return err
				})
				elapsed := time.Since(t0)
				backlog := pending(b, raw)
				t1 := time.Now()
				waitProcessed(b, raw)
				slices.Sort(lat)
				r = result{float64(n) / elapsed.Seconds(), float64(backlog), time.Since(t1).Seconds(), float64(lat[n*99/100].Microseconds()) / 1000}
				results[db.Dialect] = r
			}
			b.ReportMetric(r.rate, "req/s")
			b.ReportMetric(r.p99, "p99_ms")
			b.ReportMetric(r.backlog, "backlog_events")
			b.ReportMetric(r.drain, "drain_s")
		})
	}
}

// sendAll runs send(0) … send(n-1) over `senders` goroutines, each taking the next index,
// and fails b at the first error.
func sendAll(b *testing.B, senders, n int, send func(i int) error) {
	b.Helper()
	var next atomic.Int64
	var g errgroup.Group
	for range senders {
		g.Go(func() error {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				if err := send(i); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
}

// benchEnv is the positive integer in the environment variable name, or def.
func benchEnv(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// cpuTime is the CPU time this process has used (user and system), which on a shared
// machine says what a drain costs better than its rate does. PostgreSQL's share is not in it.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// seedBenchCustomers creates the customers that the benchmark events' charges name.
func seedBenchCustomers(b *testing.B, e *env) {
	b.Helper()
	ctx := context.Background()
	sa, err := e.risk.CreateSubaccount(ctx, &idgatev1.CreateSubaccountRequest{Name: "bench", IdentityVerificationMode: "risk_based"})
	if err != nil {
		b.Fatal(err)
	}
	for i := range benchCustomers {
		if _, err := e.identity.CreateCustomer(ctx, &idgatev1.CreateCustomerRequest{
			SubaccountId: sa.Id, ExternalId: fmt.Sprintf("rider-%d", i), StripeCustomerId: fmt.Sprintf("cus_bench_%d", i),
		}); err != nil {
			b.Fatal(err)
		}
	}
}

func netListen() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }

// bareIdentity is the floor: grpc-go answering GetCustomer with a fixed message, with no
// interceptors and no database.
type bareIdentity struct {
	idgatev1.UnimplementedIdentityServiceServer
	c *idgatev1.Customer
}

func (s bareIdentity) GetCustomer(context.Context, *idgatev1.GetCustomerRequest) (*idgatev1.Customer, error) {
	return s.c, nil
}

// BenchmarkGetCustomer compares idgate's GetCustomer over gRPC (interceptors, one read of
// the database) with the bare grpc-go floor, at 64 concurrent callers, in alternating
// rounds of the same run, on each database. bench.sh prints the ratio.
func BenchmarkGetCustomer(b *testing.B) {
	for _, db := range testenv.Databases(b) {
		e := start(b, testConfig(b, db.URL, map[string]string{"IDGATE_LOG_LEVEL": "error"}))
		ctx := context.Background()
		sa, err := e.risk.CreateSubaccount(ctx, &idgatev1.CreateSubaccountRequest{Name: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		c, err := e.identity.CreateCustomer(ctx, &idgatev1.CreateCustomerRequest{SubaccountId: sa.Id, ExternalId: "rider", StripeCustomerId: "cus_bench", Email: "rider@example.com", Phone: "+14155550123"})
		if err != nil {
			b.Fatal(err)
		}

		lis, err := netListen()
		if err != nil {
			b.Fatal(err)
		}
		bare := grpc.NewServer()
		idgatev1.RegisterIdentityServiceServer(bare, bareIdentity{c: &idgatev1.Customer{
			Id: c.Id, SubaccountId: c.SubaccountId, ExternalId: c.ExternalId, StripeCustomerId: c.StripeCustomerId,
			Email: c.Email, Phone: c.Phone, CreatedAt: timestamppb.Now(), UpdatedAt: timestamppb.Now(),
		}})
		go bare.Serve(lis) //nolint:errcheck // stopped below
		bareConn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			b.Fatal(err)
		}

		req := &idgatev1.GetCustomerRequest{Id: c.Id}
		get := func(client idgatev1.IdentityServiceClient) func(int) error {
			return func(int) error {
				_, err := client.GetCustomer(ctx, req)
				return err
			}
		}
		b.Run(db.Dialect+"/grpc", func(b *testing.B) { vsFloor(b, get(idgatev1.NewIdentityServiceClient(bareConn)), get(e.identity)) })
		bareConn.Close()
		bare.Stop()
	}
}
