package server_test

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/idgate/idgate/internal/testenv"
	"github.com/idgate/idgate/server"
)

// post delivers one signed event to the platform endpoint of base and returns the status.
func post(base string, payload []byte) (int, error) {
	req, _ := http.NewRequest("POST", base+"/v1/webhooks/stripe", bytes.NewReader(payload))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Stripe-Signature", sign(payload, secret, time.Now()))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// postAll delivers every payload at once, each from its own sender, and returns the
// statuses in the same order.
func postAll(t *testing.T, base string, payloads [][]byte) []int {
	t.Helper()
	codes := make([]int, len(payloads))
	var wg sync.WaitGroup
	for i, p := range payloads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, err := post(base, p)
			if err != nil {
				t.Errorf("deliver %d: %v", i, err)
			}
			codes[i] = code
		}()
	}
	wg.Wait()
	return codes
}

// jobsOf counts the processing jobs queued for each event (a batch's job counts for each
// of its events).
func jobsOf(t testing.TB, raw *sql.DB) map[string]int {
	t.Helper()
	rows, err := raw.Query("SELECT args FROM river_job WHERE kind = 'stripe_event'")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var raw []byte
		var args struct {
			EventID  string   `json:"event_id"`
			EventIDs []string `json:"event_ids"` // a batch's events
		}
		if err := rows.Scan(&raw); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &args); err != nil {
			t.Fatal(err)
		}
		for _, id := range append(args.EventIDs, args.EventID) {
			if id != "" {
				out[id]++
			}
		}
	}
	return out
}

// Deliveries arriving together share a transaction (a long window makes sure they do),
// however many of them deliver the same event, or one stored before: each is answered
// 200, each event is stored once and processed once.
func TestGroupCommitStoresEachEventOnce(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e := start(t, testConfig(t, db.URL, map[string]string{"IDGATE_WEBHOOK_BATCH_WINDOW": "200ms"}))
			earlier := stripeEvent("evt_gc_earlier", "customer.created", "2023-10-16", `{"id":"cus_1"}`)
			if code, err := post(e.base, earlier); code != 200 {
				t.Fatalf("first delivery: %d %v", code, err)
			}
			var payloads [][]byte
			for i := range 20 {
				ev := stripeEvent(fmt.Sprintf("evt_gc_%d", i), "customer.created", "2023-10-16", `{"id":"cus_1"}`)
				payloads = append(payloads, ev, ev, ev) // Stripe retried twice before the first was answered
			}
			payloads = append(payloads, earlier, earlier)
			for i, code := range postAll(t, e.base, payloads) {
				if code != 200 {
					t.Errorf("delivery %d answered %d, want 200", i, code)
				}
			}
			raw := benchDB(t, db)
			jobs := jobsOf(t, raw)
			for i := range 21 {
				id := fmt.Sprintf("evt_gc_%d", i)
				if i == 20 {
					id = "evt_gc_earlier"
				}
				if st := e.waitState(id); st != "ignored" {
					t.Errorf("event %s ended %q, want ignored", id, st)
				}
				if n := jobs[id]; n != 1 {
					t.Errorf("event %s has %d processing jobs, want 1", id, n)
				}
			}
			if n := len(e.events()); n != 21 {
				t.Errorf("%d events stored, want 21", n)
			}
		})
	}
}

// One event the database refuses (here a trigger, standing in for any bad row) fails
// only its own delivery: the others of its batch are stored and answered 200, it is
// answered 500 and not stored, and Stripe's next delivery of it can succeed.
func TestGroupCommitFailingRowFailsOnlyItsDelivery(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e := start(t, testConfig(t, db.URL, map[string]string{"IDGATE_WEBHOOK_BATCH_WINDOW": "200ms"}))
			raw := benchDB(t, db)
			poison := []string{
				`CREATE TRIGGER poison BEFORE INSERT ON stripe_events WHEN NEW.id = 'evt_poison' BEGIN SELECT RAISE(ABORT, 'poisoned row'); END`,
			}
			if db.Dialect == "postgres" {
				poison = []string{
					`CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.id = 'evt_poison' THEN RAISE EXCEPTION 'poisoned row'; END IF; RETURN NEW; END $$`,
					`CREATE TRIGGER poison BEFORE INSERT ON stripe_events FOR EACH ROW EXECUTE FUNCTION poison()`,
				}
			}
			for _, q := range poison {
				if _, err := raw.Exec(q); err != nil {
					t.Fatal(err)
				}
			}
			bad := stripeEvent("evt_poison", "customer.created", "2023-10-16", `{"id":"cus_1"}`)
			payloads := [][]byte{bad}
			for i := range 10 {
				payloads = append(payloads, stripeEvent(fmt.Sprintf("evt_good_%d", i), "customer.created", "2023-10-16", `{"id":"cus_1"}`))
			}
			codes := postAll(t, e.base, payloads)
			if codes[0] != 500 {
				t.Errorf("the refused event was answered %d, want 500", codes[0])
			}
			for i, code := range codes[1:] {
				if code != 200 {
					t.Errorf("evt_good_%d answered %d, want 200", i, code)
				}
			}
			stored := e.events()
			if _, ok := stored["evt_poison"]; ok {
				t.Error("the refused event is stored")
			}
			for i := range 10 {
				if st := e.waitState(fmt.Sprintf("evt_good_%d", i)); st != "ignored" {
					t.Errorf("evt_good_%d ended %q, want ignored", i, st)
				}
			}
			drop := "DROP TRIGGER poison"
			if db.Dialect == "postgres" {
				drop += " ON stripe_events"
			}
			if _, err := raw.Exec(drop); err != nil {
				t.Fatal(err)
			}
			if code, err := post(e.base, bad); code != 200 {
				t.Fatalf("redelivery once the database accepts it: %d %v", code, err)
			}
			if st := e.waitState("evt_poison"); st != "ignored" {
				t.Errorf("redelivered event ended %q, want ignored", st)
			}
		})
	}
}

// TestIntakeChild is the idgate TestCrashDuringIntake kills: it runs only as that test's
// child process, serving the database IDGATE_TEST_CHILD_DATABASE_URL until killed.
func TestIntakeChild(t *testing.T) {
	url := os.Getenv("IDGATE_TEST_CHILD_DATABASE_URL")
	if url == "" {
		t.Skip("run by TestCrashDuringIntake")
	}
	noJobs := false
	srv, err := server.New(context.Background(), testConfig(t, url, map[string]string{"IDGATE_LOG_LEVEL": "error"}), slog.New(slog.NewTextHandler(io.Discard, nil)), server.Options{RunJobs: &noJobs})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("http=%s\n", srv.HTTPAddr())
	_ = srv.Run(context.Background()) // until killed
}

// A replica killed while deliveries are in flight, some waiting for their batch, some
// being committed, some being answered, has acknowledged only events that are stored: a
// replica started after it processes every one.
func TestCrashDuringIntake(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			child := exec.Command(os.Args[0], "-test.run=^TestIntakeChild$", "-test.count=1")
			child.Env = append(os.Environ(), "IDGATE_TEST_CHILD_DATABASE_URL="+db.URL)
			child.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
			out, err := child.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			child.Stderr = testWriter{t}
			if err := child.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = child.Process.Kill(); _ = child.Wait() })
			lines := bufio.NewScanner(out)
			var base string
			for base == "" && lines.Scan() {
				if addr, ok := strings.CutPrefix(lines.Text(), "http="); ok {
					base = "http://" + addr
				}
			}
			if base == "" {
				t.Fatal("the child idgate did not start")
			}
			go func() { _, _ = io.Copy(io.Discard, out) }()

			// 32 senders deliver distinct events until the replica dies; it is killed
			// after 300 acknowledgements, with deliveries in every stage.
			var mu sync.Mutex
			var acked []string
			killed := make(chan struct{})
			var once sync.Once
			var wg sync.WaitGroup
			for s := range 32 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; ; i++ {
						id := fmt.Sprintf("evt_crash_%d_%d", s, i)
						code, err := post(base, stripeEvent(id, "customer.created", "2023-10-16", `{"id":"cus_1"}`))
						if err != nil {
							return // the replica is gone
						}
						mu.Lock()
						if code == 200 {
							acked = append(acked, id)
						}
						n := len(acked)
						mu.Unlock()
						if n >= 300 {
							once.Do(func() { _ = child.Process.Signal(syscall.SIGKILL); close(killed) })
						}
					}
				}()
			}
			<-killed
			wg.Wait()

			e := start(t, testConfig(t, db.URL, nil))
			mu.Lock()
			defer mu.Unlock()
			stored := e.events()
			for _, id := range acked {
				if _, ok := stored[id]; !ok {
					t.Errorf("event %s was acknowledged but not stored", id)
				}
			}
			testenv.Eventually(t, "every acknowledged event to be processed", func() bool {
				evs := e.events()
				for _, id := range acked {
					if evs[id].GetState() != "ignored" {
						return false
					}
				}
				return true
			})
		})
	}
}

// Deliveries stored together are processed by one job, each event still an attempt of its
// own: when one event's handler fails (Stripe down through its first attempt), the job's
// retry runs that event again and not the others, and each event's attempts say so.
func TestBatchRetriesOnlyItsFailingEvents(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			proxy := testenv.NewStripe(t)
			e := start(t, testConfig(t, db.URL, map[string]string{"STRIPE_API_BASE": proxy.URL,
				"IDGATE_WEBHOOK_BATCH_WINDOW": "200ms", "IDGATE_WEBHOOK_MAX_ATTEMPTS": "3"}))
			_, cust, _ := e.newCustomer("all_users", 50, 5)
			vs := e.session(cust)
			// The handler reads the verified session back from Stripe: three 500s outlast the
			// client's two retries of the first attempt; the second attempt succeeds.
			proxy.Fail("/v1/identity/verification_sessions/"+vs, 3)
			failing := stripeEvent("evt_batch_verified", "identity.verification_session.verified", "2023-10-16",
				fmt.Sprintf(`{"id":%q,"object":"identity.verification_session","status":"verified","metadata":{"customer_id":%q}}`, vs, cust))
			payloads := [][]byte{failing}
			for i := range 10 {
				payloads = append(payloads, stripeEvent(fmt.Sprintf("evt_batch_%d", i), "customer.created", "2023-10-16", `{"id":"cus_1"}`))
			}
			for i, code := range postAll(t, e.base, payloads) {
				if code != 200 {
					t.Fatalf("delivery %d answered %d, want 200", i, code)
				}
			}
			var jobs int
			if err := benchDB(t, db).QueryRow("SELECT count(*) FROM river_job WHERE kind = 'stripe_event' AND CAST(args AS TEXT) LIKE '%evt_batch_%'").Scan(&jobs); err != nil {
				t.Fatal(err)
			}
			if jobs != 1 {
				t.Errorf("the batch's events are in %d jobs, want 1", jobs)
			}
			if st := e.waitState("evt_batch_verified"); st != "processed" {
				t.Fatalf("the failing event ended %q, want processed on its second attempt", st)
			}
			events := e.events()
			if ev := events["evt_batch_verified"]; ev.Attempts != 2 || ev.LastError != "" {
				t.Errorf("the failing event: %d attempts, last error %q; want 2 and none", ev.Attempts, ev.LastError)
			}
			for i := range 10 {
				if ev := events[fmt.Sprintf("evt_batch_%d", i)]; ev.State != "ignored" || ev.Attempts != 1 {
					t.Errorf("evt_batch_%d: %s after %d attempts, want ignored after 1 (not run again)", i, ev.State, ev.Attempts)
				}
			}
			if c := e.customer(cust); c.IdentityStatus == nil || *c.IdentityStatus != "verified" {
				t.Errorf("the customer is %v, want verified", c.IdentityStatus)
			}
		})
	}
}
