//go:build storm

package storm

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/idgate/idgate/ent/stripeevent"
	"github.com/idgate/idgate/internal/auth"
	"github.com/idgate/idgate/internal/config"
	"github.com/idgate/idgate/internal/store"
)

// examples is how many cases of each kind of failure are printed.
const examples = 3

// db opens the replicas' database for the checks (read only by use), once.
func (s *storm) db() (*store.Store, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.store != nil {
		return s.store, nil
	}
	ctx, cancel := context.WithTimeout(auth.WithActor(context.Background(), auth.System), 10*time.Second)
	defer cancel()
	st, err := store.Open(ctx, s.dbURL, 2)
	if err != nil {
		return nil, err
	}
	s.t.Cleanup(func() { st.Close() })
	s.store = st
	return st, nil
}

// quiesceBound is how long to wait for quiescence after the storm: $IDGATE_STORM_QUIESCE,
// else a minute, or longer after a SIGKILL: a job the killed replica held runs again
// within the job timeout + 66 s of its start (README), plus 30 s for its work.
func (s *storm) quiesceBound() time.Duration {
	if v := os.Getenv("IDGATE_STORM_QUIESCE"); v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			return d
		}
		s.t.Fatalf("IDGATE_STORM_QUIESCE=%q: want a duration", v)
	}
	bound := time.Minute
	for _, w := range s.windows {
		if w.sig == syscall.SIGKILL {
			bound = max(bound, time.Until(w.from.Add(jobTimeout+66*time.Second+30*time.Second)))
		}
	}
	return bound
}

// quiescent reports whether no event waits to be processed and no job that processes an
// event or delivers a notification waits to run or is running.
func (s *storm) quiescent() bool {
	st, err := s.db()
	if err != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(auth.WithActor(context.Background(), auth.System), 5*time.Second)
	defer cancel()
	pending, err := st.Reader.StripeEvent.Query().Where(stripeevent.StateEQ(stripeevent.StatePending)).Count(ctx)
	if err != nil || pending > 0 {
		return false
	}
	var active int
	err = st.DB().QueryRowContext(ctx, `SELECT count(*) FROM river_job WHERE kind IN ('stripe_event', 'notification')
		AND state NOT IN ('completed', 'cancelled', 'discarded')`).Scan(&active)
	return err == nil && active == 0
}

// customerJSON is what GET /api/customers/{id} says of the fields the storm checks.
type customerJSON struct {
	IdentityStatus               *string `json:"identity_status"`
	IdentityVerificationRequired bool    `json:"identity_verification_required"`
	StripeRiskScore              *int    `json:"stripe_risk_score"`
	StripeRiskLevel              *string `json:"stripe_risk_level"`
}

func (c customerJSON) state() state {
	var s state
	if c.IdentityStatus != nil {
		s.Status = *c.IdentityStatus
	}
	if c.StripeRiskScore != nil {
		s.Score = *c.StripeRiskScore
	}
	if c.StripeRiskLevel != nil {
		s.Level = *c.StripeRiskLevel
	}
	s.Required = c.IdentityVerificationRequired
	return s
}

// check asserts the outcome and prints the storm's figures.
func (s *storm) check(list []delivery, events int, began, stormEnd time.Time, quiet bool, quiescedAfter time.Duration) {
	t := s.t
	st, err := s.db()
	if err != nil {
		t.Fatalf("open the database for the checks: %v", err)
	}
	ctx, cancel := context.WithTimeout(auth.WithActor(context.Background(), auth.System), time.Minute)
	defer cancel()
	figures := []string{
		fmt.Sprintf("deliveries %d (%d requests, %d connection errors), events %d, acknowledged %d",
			len(list), s.requests.Load(), s.connErrs.Load(), events, len(s.acked)),
		fmt.Sprintf("storm %s; faults: %s", stormEnd.Sub(began).Round(time.Millisecond), strings.Join(s.faults, "; ")),
	}
	if quiet {
		figures = append(figures, fmt.Sprintf("quiescent %s after the storm", quiescedAfter.Round(time.Millisecond)))
	} else {
		t.Errorf("not quiescent %s after the storm: events still pending, or event or notification jobs left to run", quiescedAfter.Round(time.Second))
		figures = append(figures, fmt.Sprintf("NOT quiescent after %s", quiescedAfter.Round(time.Second)))
	}

	// Events: every acknowledged one stored and processed (or ignored); none failed or stuck.
	rows, err := st.Reader.StripeEvent.Query().Select(stripeevent.FieldID, stripeevent.FieldState, stripeevent.FieldLastError).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]string{}
	lastError := map[string]string{}
	for _, r := range rows {
		stored[r.ID], lastError[r.ID] = string(r.State), r.LastError
	}
	var lost, failed, stuck []string
	for id := range s.acked {
		switch stored[id] {
		case "":
			lost = append(lost, id)
		case "failed":
			failed = append(failed, id+" ("+lastError[id]+")")
		case "pending":
			stuck = append(stuck, fmt.Sprintf("%s (last error %q; %s)", id, lastError[id], s.jobOf(ctx, st, "stripe_event", id)))
		}
	}
	unacked := map[string]bool{}
	for _, d := range list {
		if !s.acked[d.EventID] {
			unacked[d.EventID] = true
		}
	}
	figures = append(figures, fmt.Sprintf("events: %d stored, %d acknowledged but lost, %d failed, %d stuck pending, %d never acknowledged",
		len(stored), len(lost), len(failed), len(stuck), len(unacked)))
	fail(t, "acknowledged events lost", lost)
	fail(t, "events failed", failed)
	fail(t, "events stuck pending", stuck)
	fail(t, "events never acknowledged by any replica", keys(unacked))

	// Customers: the state their history says.
	mismatches := s.checkCustomers(ctx, st, stored)
	figures = append(figures, mismatches...)

	// Notifications, 5xx answers, replicas.
	figures = append(figures, s.checkNotifications(ctx, st)...)
	figures = append(figures, s.check5xx()...)
	for _, r := range s.replicas {
		if r.died() {
			t.Errorf("%s exited on its own during the storm", r.name)
		}
		figures = append(figures, fmt.Sprintf("%s: ERROR log lines %s", r.name, errorLines(r.logPath)))
	}
	figures = append(figures, fmt.Sprintf("setup %s, storm + quiescence %s, total %s", began.Sub(s.started).Round(time.Second),
		time.Since(began).Round(time.Second), time.Since(s.started).Round(time.Second)))
	t.Logf("storm figures (%s, seed %d):\n  %s", t.Name(), s.seed, strings.Join(figures, "\n  "))
}

// checkCustomers compares every customer's state, as the API answers it, with the model,
// and returns the figures.
func (s *storm) checkCustomers(ctx context.Context, st *store.Store, stored map[string]string) []string {
	t := s.t
	scoredBy := map[string]string{}
	rows, err := st.Reader.Customer.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		scoredBy[r.ID] = r.StripeRiskChargeID
	}
	byKind := map[string][]string{}
	wrong := 0
	for i, c := range s.plan {
		var got customerJSON
		if err := s.call(s.replicas[i%len(s.replicas)], "GET", "/api/customers/"+c.ID, nil, &got); err != nil {
			t.Fatal(err)
		}
		want, have := c.expected(), got.state()
		s.final[c.ID] = have
		if want == have {
			continue
		}
		wrong++
		example := fmt.Sprintf("%s: want %+v, got %+v; charges %s, scored by %s; session %s%s",
			c.ID, want, have, c.charges(), scoredBy[c.ID], c.session(), c.unprocessed(stored))
		if want.Score != have.Score || want.Level != have.Level {
			byKind["a later charge's score kept"] = append(byKind["a later charge's score kept"], example)
		}
		if want.Required && !have.Required {
			byKind["required but not flagged (gate open)"] = append(byKind["required but not flagged (gate open)"], example)
		}
		if !want.Required && have.Required {
			byKind["flagged but not required (blocked)"] = append(byKind["flagged but not required (blocked)"], example)
		}
		if want.Status != have.Status {
			byKind["identity_status not the newest session outcome"] = append(byKind["identity_status not the newest session outcome"], example)
		}
	}
	var kinds []string
	for k := range byKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for i, k := range kinds {
		fail(t, "customers: "+k, byKind[k])
		kinds[i] = fmt.Sprintf("%s %d", k, len(byKind[k]))
	}
	return []string{strings.TrimSpace(fmt.Sprintf("customers: %d, mismatches %d (%.0f%%) %s", len(s.plan), wrong,
		100*float64(wrong)/float64(len(s.plan)), strings.Join(kinds, ", ")))}
}

func (c customerPlan) charges() string {
	var out []string
	for _, ch := range c.Charges {
		out = append(out, fmt.Sprintf("%s=%s", ch.ID, ch.Level))
	}
	return strings.Join(out, " < ")
}

// unprocessed notes the customer's events that are not processed, which explain a mismatch.
func (c customerPlan) unprocessed(stored map[string]string) string {
	var ids []string
	for _, ch := range c.Charges {
		ids = append(ids, ch.EventID)
	}
	for _, e := range c.Session {
		ids = append(ids, e.EventID)
	}
	var out []string
	for _, id := range ids {
		if st := stored[id]; st != "processed" {
			out = append(out, id+" "+st)
		}
	}
	if len(out) == 0 {
		return ""
	}
	return "; NOT PROCESSED: " + strings.Join(out, ", ")
}

func (c customerPlan) session() string {
	if c.SessionID == "" {
		return "none"
	}
	var out []string
	for _, e := range c.Session {
		out = append(out, strings.TrimSuffix(e.Status+":"+e.ErrorCode, ":"))
	}
	return c.SessionID + " " + strings.Join(out, " < ")
}

// checkNotifications: every stored notification accepted by the platform at least once
// and recorded as delivered,
// repeats only under the same id (header and body) with the same content, and no
// notification twice under different ids where the history allows one.
func (s *storm) checkNotifications(ctx context.Context, st *store.Store) []string {
	t := s.t
	rows, err := st.Reader.Notification.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := s.sink.snapshot()
	known := map[string]bool{}
	perCustomer := map[string]map[string]int{} // customer → type → notifications
	var undelivered, unrecorded, untold, missingHeader, wrongHeader, changed []string
	deliveries, repeats, delivered := 0, 0, 0
	for _, n := range rows {
		known[n.ID] = true
		if perCustomer[n.CustomerID] == nil {
			perCustomer[n.CustomerID] = map[string]int{}
		}
		perCustomer[n.CustomerID][n.Type]++
		accepted := 0
		for _, r := range got[n.ID] {
			deliveries++
			if r.accepted {
				accepted++
			}
			switch {
			case r.headerID == "":
				missingHeader = append(missingHeader, n.ID)
			case r.headerID != n.ID:
				wrongHeader = append(wrongHeader, n.ID+" under "+r.headerID)
			}
			if r.payload != got[n.ID][0].payload {
				changed = append(changed, n.ID)
			}
		}
		what := fmt.Sprintf("%s (%s to %s; recorded: %d attempts, last error %q; %s)",
			n.ID, n.Type, n.CustomerID, n.Attempts, n.LastError, s.jobOf(ctx, st, "notification", n.ID))
		switch {
		case accepted == 0:
			undelivered = append(undelivered, what)
		case n.DeliveredAt == nil:
			unrecorded = append(unrecorded, what)
		default:
			delivered++
		}
		repeats += max(0, accepted-1)
	}
	var unknown []string
	for id := range got {
		if !known[id] {
			unknown = append(unknown, id)
		}
	}
	var doubled []string
	for _, c := range s.plan {
		want := c.expected()
		if s.final[c.ID] != want {
			continue // counted as a mismatch; its notifications follow its wrong state
		}
		n := perCustomer[c.ID]
		flaggingCharges, failedAttempts := 0, 0
		for _, ch := range c.Charges {
			if riskScores[ch.Level] >= threshold {
				flaggingCharges++
			}
		}
		for _, e := range c.Session {
			if e.ErrorCode != "" {
				failedAttempts++
			}
		}
		switch {
		case n["identity_verified"] > 1 || n["identity_required"] > flaggingCharges || n["identity_requires_input"] > failedAttempts:
			doubled = append(doubled, fmt.Sprintf("%s: %v for %d flagging charges, %d failed attempts", c.ID, n, flaggingCharges, failedAttempts))
		case want.Status == "verified" && n["identity_verified"] == 0, want.Required && n["identity_required"] == 0:
			untold = append(untold, fmt.Sprintf("%s: %+v, notified only %v", c.ID, want, n))
		}
	}
	fail(t, "notifications the platform never accepted", undelivered)
	fail(t, "notifications the platform accepted but the database records as undelivered", unrecorded)
	fail(t, "customers never told of their state (no identity_required or identity_verified written)", untold)
	fail(t, "notifications the database does not know", unknown)
	fail(t, "deliveries without the "+idHeader+" header", missingHeader)
	fail(t, "deliveries whose "+idHeader+" is not the body's id", wrongHeader)
	fail(t, "notifications whose repeats changed content", changed)
	fail(t, "customers notified twice under different ids", doubled)
	s.sink.mu.Lock()
	injected, badSig := s.sink.injected, s.sink.badSig
	s.sink.mu.Unlock()
	if badSig > 0 {
		t.Errorf("%d notifications arrived with a bad signature", badSig)
	}
	return []string{fmt.Sprintf("notifications: %d written, %d delivered and recorded, %d deliveries (%d first deliveries failed on purpose), "+
		"%d repeats under the same id, %d never accepted, %d accepted but recorded undelivered, %d deliveries without %s",
		len(rows), delivered, deliveries, injected, repeats, len(undelivered), len(unrecorded), len(missingHeader), idHeader)}
}

// check5xx: outside its replica's kill window, the only 5xx a delivery may get is 503.
func (s *storm) check5xx() []string {
	t := s.t
	byStatus := map[int]int{}
	var outside []string
	for _, r := range s.errors5xx {
		byStatus[r.status]++
		if r.status == 503 || s.inWindow(r) {
			continue
		}
		outside = append(outside, fmt.Sprintf("%d from %s at %s%s: %s", r.status, r.replica, r.at.Format("15:04:05.000"), s.during(r), strings.TrimSpace(r.body)))
	}
	fail(t, "5xx other than 503 outside the kill windows", outside)
	var rejected []string
	for _, r := range s.rejected {
		rejected = append(rejected, fmt.Sprintf("%d from %s: %s", r.status, r.replica, r.body))
	}
	fail(t, "deliveries refused with 4xx", rejected)
	return []string{fmt.Sprintf("5xx answers by status: %v (%d outside the kill windows other than 503); 4xx: %d", byStatus, len(outside), len(s.rejected))}
}

// during names the windows (of any replica or the database) r fell in.
func (s *storm) during(r response) string {
	var in []string
	for _, w := range s.windows {
		if !r.at.Before(w.from) && !r.at.After(w.to) {
			in = append(in, w.what)
		}
	}
	if len(in) == 0 {
		return ""
	}
	return " (during " + strings.Join(in, ", ") + ")"
}

func (s *storm) inWindow(r response) bool {
	for _, w := range s.windows {
		if w.replica == r.replica && !r.at.Before(w.from) && !r.at.After(w.to) {
			return true
		}
	}
	return false
}

// jobOf describes the River job of kind whose arguments name id, to tell a job stuck
// running on a dead replica from one waiting to retry or one that is missing.
func (s *storm) jobOf(ctx context.Context, st *store.Store, kind, id string) string {
	q := "SELECT id, state, attempt, COALESCE(CAST(attempted_at AS TEXT), '') FROM river_job WHERE kind = ? AND CAST(args AS TEXT) LIKE ?"
	if st.Dialect == config.DialectPostgres {
		q = strings.Replace(strings.Replace(q, "?", "$1", 1), "?", "$2", 1)
	}
	rows, err := st.DB().QueryContext(ctx, q, kind, "%"+id+"%")
	if err != nil {
		return "job: " + err.Error()
	}
	defer rows.Close()
	var jobs []string
	for rows.Next() {
		var job, attempt int64
		var state, at string
		if err := rows.Scan(&job, &state, &attempt, &at); err != nil {
			return "job: " + err.Error()
		}
		jobs = append(jobs, fmt.Sprintf("job %d %s, attempt %d, last attempted %s", job, state, attempt, at))
	}
	if len(jobs) == 0 {
		return "no job"
	}
	return strings.Join(jobs, "; ")
}

// fail reports a failure with its count and a few examples.
func fail(t interface{ Errorf(string, ...any) }, what string, cases []string) {
	if len(cases) == 0 {
		return
	}
	sort.Strings(cases)
	t.Errorf("%d %s, e.g.:\n    %s", len(cases), what, strings.Join(cases[:min(examples, len(cases))], "\n    "))
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// errorLines counts a replica's ERROR log lines by message.
func errorLines(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	by := map[string]int{}
	for _, line := range strings.Split(string(b), "\n") {
		var l struct{ Level, Msg string }
		if json.Unmarshal([]byte(line), &l) == nil && l.Level == "ERROR" {
			by[l.Msg]++
		}
	}
	return fmt.Sprint(by)
}
