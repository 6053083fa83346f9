//go:build storm

package storm

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	stripewebhook "github.com/stripe/stripe-go/v76/webhook"

	"github.com/idgate/idgate/internal/store"
	"github.com/idgate/idgate/internal/testenv"
)

const (
	adminKey      = "idg_test_storm_bootstrap_key_0123456789abcdef"
	webhookSecret = "whsec_storm_test"
	senders       = 16
	// jobTimeout is IDGATE_JOB_TIMEOUT: every job here is a loopback call, and a job a
	// killed replica held runs again within this + 66 s (README).
	jobTimeout = 10 * time.Second
	// deliveryTimeout: a sender gives up on an answer after this long and retries the
	// delivery elsewhere, as Stripe does.
	deliveryTimeout = 10 * time.Second
)

// TestStorm is issue 10's storm: thousands of signed Stripe deliveries, duplicated and
// shuffled, from 16 senders, while replicas are killed and the database restarts; then
// nothing acknowledged may be lost and every customer must end as their history says.
func TestStorm(t *testing.T) {
	bin := idgateBin(t)
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		pg := testenv.RestartablePostgres(t)
		s := newStorm(t, bin, pg.URL, 3, customers(t, "IDGATE_STORM_CUSTOMERS", 300))
		s.run([]fault{
			{at: 0.15, what: "SIGKILL replica1, restart", do: s.restart(0, syscall.SIGKILL)},
			{at: 0.40, what: "SIGTERM replica2, restart", do: s.restart(1, syscall.SIGTERM)},
			{at: 0.65, what: "PostgreSQL restart (pg_ctl stop -m fast, start)", do: func() window {
				w := window{replica: "database", what: "PostgreSQL restart", from: time.Now()}
				pg.Stop(t)
				pg.Start(t)
				w.to = time.Now()
				return w
			}},
		})
	})
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		s := newStorm(t, bin, "sqlite:"+filepath.Join(t.TempDir(), "idgate.db"), 1, customers(t, "IDGATE_STORM_SQLITE_CUSTOMERS", 200))
		s.run([]fault{{at: 0.30, what: "SIGKILL replica1, restart", do: s.restart(0, syscall.SIGKILL)}})
	})
}

// idgateBin is $IDGATE_BIN, else the module's bin/idgate that `make storm` builds.
func idgateBin(t *testing.T) string {
	bin := os.Getenv("IDGATE_BIN")
	if bin == "" {
		bin, _ = filepath.Abs("../../bin/idgate")
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("%s: %v (run `make storm`, which builds it first)", bin, err)
	}
	return bin
}

func customers(t *testing.T, env string, def int) int {
	if v := os.Getenv(env); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a number of customers", env, v)
		}
		return n
	}
	return def
}

// storm is one run: its replicas, the Stripe proxy and notification sink they use, the
// plan, and what the senders saw.
type storm struct {
	t        *testing.T
	started  time.Time
	dbURL    string
	replicas []*replica
	sink     *sink
	api      *http.Client
	seed     uint64
	rng      *mrand.Rand

	subaccountID string
	plan         []customerPlan
	store        *store.Store     // opened by db(), for the checks
	final        map[string]state // customer id → state the API answered after the storm

	mu        sync.Mutex
	acked     map[string]bool // event ids answered 2xx at least once
	errors5xx []response
	rejected  []response // 4xx: the storm or the product is wrong
	windows   []window
	faults    []string // what happened, for the figures
	requests  atomic.Int64
	connErrs  atomic.Int64
}

// response is one 4xx or 5xx answer a sender got.
type response struct {
	replica string
	status  int
	at      time.Time
	body    string
}

func newStorm(t *testing.T, bin, dbURL string, n, customers int) *storm {
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("IDGATE_STORM_SEED"); v != "" {
		seed, _ = strconv.ParseUint(v, 10, 64)
	}
	s := &storm{
		t: t, started: time.Now(), dbURL: dbURL, sink: newSink(t), seed: seed, rng: mrand.New(mrand.NewPCG(seed, 10)),
		api:   &http.Client{Timeout: deliveryTimeout, Transport: &http.Transport{MaxIdleConnsPerHost: senders}},
		acked: map[string]bool{}, final: map[string]state{},
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	settings := map[string]string{
		"DATABASE_URL":             dbURL,
		"STRIPE_API_BASE":          testenv.NewStripe(t).URL,
		"STRIPE_WEBHOOK_SECRET":    webhookSecret,
		"IDGATE_BOOTSTRAP_API_KEY": adminKey,
		"IDGATE_DATA_KEYS":         "storm:" + base64.StdEncoding.EncodeToString(key),
		"IDGATE_NOTIFY_URL":        s.sink.URL,
		"IDGATE_NOTIFY_SECRET":     notifySecret,
		"IDGATE_JOB_POLL_INTERVAL": "50ms",
		"IDGATE_JOB_RETRY_BASE":    "100ms",
		"IDGATE_JOB_TIMEOUT":       jobTimeout.String(),
		"IDGATE_SHUTDOWN_TIMEOUT":  "5s",
		"IDGATE_LOG_FORMAT":        "json",
	}
	for i := range n {
		s.replicas = append(s.replicas, newReplica(t, fmt.Sprintf("replica%d", i+1), bin, settings))
	}
	// All replicas start together on the empty database, as a deployment's would: they
	// race for the migrations and the bootstrap key.
	for _, r := range s.replicas {
		r.start(t)
	}
	for _, r := range s.replicas {
		r.waitReady(t)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for _, r := range s.replicas {
				t.Logf("--- last lines of %s's log (%s):\n%s", r.name, r.logPath, r.tail(25))
			}
		}
	})
	s.setup(customers)
	return s
}

// call makes one JSON API call as the admin and decodes the answer into out.
func (s *storm) call(r *replica, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, r.HTTP+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+adminKey)
	resp, err := s.api.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: HTTP %d %s", method, path, resp.StatusCode, b)
	}
	return json.Unmarshal(b, out)
}

// setup creates the risk_based subaccount, the customers, and a verification session for
// about 40% of them, spread over the replicas; then it writes each customer's history.
func (s *storm) setup(n int) {
	t := s.t
	var sub struct{ ID string }
	if err := s.call(s.replicas[0], "POST", "/v1/subaccounts", map[string]any{"name": "Storm Rides",
		"identity_verification_mode": "risk_based", "identity_verification_risk_threshold": threshold}, &sub); err != nil {
		t.Fatal(err)
	}
	s.subaccountID = sub.ID
	s.plan = make([]customerPlan, n)
	withSession := make([]bool, n)
	for i := range s.plan {
		s.plan[i].StripeID = fmt.Sprintf("cus_Storm%dx%08x", i, s.rng.Uint32())
		withSession[i] = s.rng.IntN(100) < 40
	}
	errs := make(chan error, n)
	var wg sync.WaitGroup
	work := make(chan int)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				errs <- s.createCustomer(&s.plan[i], i, withSession[i])
			}
		}()
	}
	for i := range s.plan {
		work <- i
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	base := time.Now().Unix() // after every session's creation
	for i := range s.plan {
		s.plan[i].history(s.rng, base, withSession[i])
	}
}

func (s *storm) createCustomer(c *customerPlan, i int, withSession bool) error {
	r := s.replicas[i%len(s.replicas)]
	var out struct{ ID string }
	err := s.call(r, "POST", "/v1/customers", map[string]any{"subaccount_id": s.subaccountID,
		"external_id": fmt.Sprintf("rider-%d", i), "stripe_customer_id": c.StripeID, "email": fmt.Sprintf("rider%d@example.com", i)}, &out)
	if err != nil {
		return err
	}
	c.ID = out.ID
	if !withSession {
		return nil
	}
	var vs struct {
		SessionID string `json:"session_id"`
	}
	if err := s.call(r, "POST", "/api/customers/"+c.ID+"/identity-session", map[string]any{}, &vs); err != nil {
		return err
	}
	c.SessionID = vs.SessionID
	return nil
}

// fault is something done to the system once a fraction of the deliveries is
// acknowledged; it returns the window during which its replica (or the database) was down.
type fault struct {
	at   float64
	what string
	do   func() window
}

func (s *storm) restart(i int, sig syscall.Signal) func() window {
	return func() window { return s.replicas[i].restart(s.t, sig) }
}

// run sends the storm with the faults, waits for quiescence and checks the outcome.
func (s *storm) run(faults []fault) {
	t := s.t
	list, events := deliveries(s.rng, s.subaccountID, s.plan)
	t.Logf("storm (seed %d): %d customers, %d events, %d deliveries, %d senders, %d replica(s)",
		s.seed, len(s.plan), events, len(list), senders, len(s.replicas))

	began := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	prog := newProgress(len(list))
	work := make(chan int)
	var wg sync.WaitGroup
	for range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if s.send(ctx, list[i], i) {
					prog.add()
				}
			}
		}()
	}
	go func() {
		for i := range list {
			work <- i
		}
		close(work)
		wg.Wait()
		prog.finish()
	}()
	s.inject(prog, faults) // on the test goroutine: a fault that fails ends the test
	prog.wait(1)
	stormEnd := time.Now()

	within := s.quiesceBound()
	quiet := poll(within, s.quiescent)
	quiescedAfter := time.Since(stormEnd)
	s.check(list, events, began, stormEnd, quiet, quiescedAfter)
}

// inject applies the faults as the storm passes their marks, one after the other.
func (s *storm) inject(prog *progress, faults []fault) {
	for _, f := range faults {
		if !prog.wait(f.at) {
			s.note("skipped (storm ended first): " + f.what)
			continue
		}
		if prog.ended() {
			f.what += " (after the last delivery)"
		}
		w := f.do()
		s.mu.Lock()
		s.windows = append(s.windows, w)
		s.mu.Unlock()
		s.note(fmt.Sprintf("%s at %.0f%% acknowledged (down %s)", f.what, 100*f.at, w.to.Sub(w.from).Round(time.Millisecond)))
	}
}

func (s *storm) note(what string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, what)
}

// send delivers d as Stripe does: a delivery that fails (no connection, timeout, 5xx) is
// retried against another replica, with a growing pause once every replica failed. It
// reports whether the delivery was acknowledged (2xx).
func (s *storm) send(ctx context.Context, d delivery, first int) bool {
	for round := 0; ; round++ {
		for i := range s.replicas {
			r := s.replicas[(first+i)%len(s.replicas)]
			status, body, err := s.post(ctx, r, d)
			switch {
			case err != nil:
				if ctx.Err() != nil {
					return false
				}
				s.connErrs.Add(1)
			case status/100 == 2:
				s.mu.Lock()
				s.acked[d.EventID] = true
				s.mu.Unlock()
				return true
			case status >= 500:
				s.record(&s.errors5xx, response{replica: r.HTTP, status: status, at: time.Now(), body: body})
			default:
				s.record(&s.rejected, response{replica: r.HTTP, status: status, at: time.Now(), body: body})
				return false
			}
		}
		// Stripe's retry backoff (not a wait for a condition): between rounds over all replicas.
		select {
		case <-time.After(min(50*time.Millisecond<<round, time.Second)):
		case <-ctx.Done():
			return false
		}
	}
}

func (s *storm) record(list *[]response, r response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	*list = append(*list, r)
}

func (s *storm) post(ctx context.Context, r *replica, d delivery) (int, string, error) {
	s.requests.Add(1)
	sig := stripewebhook.GenerateTestSignedPayload(&stripewebhook.UnsignedPayload{Payload: d.Body, Secret: webhookSecret, Timestamp: time.Now()})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.HTTP+"/v1/webhooks/stripe", bytes.NewReader(d.Body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Stripe-Signature", sig.Header)
	resp, err := s.api.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	return resp.StatusCode, string(b), nil
}

// progress counts acknowledged deliveries and wakes whoever waits for a fraction of them.
type progress struct {
	mu    sync.Mutex
	total int
	n     int
	done  bool
	wake  chan struct{} // closed and replaced at every change
}

func newProgress(total int) *progress { return &progress{total: total, wake: make(chan struct{})} }

func (p *progress) add() { p.change(func() { p.n++ }) }

// finish ends the storm: waiters whose fraction was not reached give up.
func (p *progress) finish() { p.change(func() { p.done = true }) }

func (p *progress) ended() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.done
}

func (p *progress) change(f func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f()
	close(p.wake)
	p.wake = make(chan struct{})
}

// wait blocks until the fraction of deliveries is acknowledged (true) or the storm ended
// before (false).
func (p *progress) wait(fraction float64) bool {
	for {
		p.mu.Lock()
		reached, done, wake := float64(p.n) >= fraction*float64(p.total), p.done, p.wake
		p.mu.Unlock()
		if reached || done {
			return reached
		}
		<-wake
	}
}
