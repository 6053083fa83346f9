package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
	"github.com/idgate/idgate/internal/clock"
	"github.com/idgate/idgate/internal/testenv"
	"github.com/idgate/idgate/server"
)

type sessionJSON struct {
	ID            string     `json:"id"`
	APIKeyID      string     `json:"api_key_id"`
	OperatorName  string     `json:"operator_name"`
	Role          string     `json:"role"`
	SubaccountIDs []string   `json:"subaccount_ids"`
	CreatedAt     time.Time  `json:"created_at"`
	ExpiresAt     time.Time  `json:"expires_at"`
	RevokedAt     *time.Time `json:"revoked_at"`
	Message       string     `json:"message"` // on errors
}

// namedKey creates a key named name (the person) and returns its id and secret.
func (e *env) namedKey(t *testing.T, name, role string, subs ...string) (id, secret string) {
	t.Helper()
	r, err := idgatev1.NewAdminServiceClient(e.conn).CreateApiKey(context.Background(), &idgatev1.CreateApiKeyRequest{Name: name, Role: role, SubaccountIds: subs})
	if err != nil {
		t.Fatalf("create %s key: %v", role, err)
	}
	return r.ApiKey.Id, r.Secret
}

// signIn creates a console session with key over JSON, as the console does, and returns
// its token.
func (e *env) signIn(t *testing.T, key string) (string, sessionJSON) {
	t.Helper()
	var r struct {
		Session sessionJSON `json:"session"`
		Token   string      `json:"token"`
		Message string      `json:"message"`
	}
	if code, _ := e.as(key).call("POST", "/v1/sessions", `{}`, &r); code != 200 || !strings.HasPrefix(r.Token, "idg_sess_") {
		t.Fatalf("sign in: HTTP %d %q %s", code, r.Token, r.Message)
	}
	return r.Token, r.Session
}

// listCustomers is GET /v1/customers with credential, answering the HTTP status and message.
func (e *env) listCustomers(credential string) (int, string) {
	var r struct {
		Message string `json:"message"`
	}
	code, _ := e.as(credential).call("GET", "/v1/customers", "", &r)
	return code, r.Message
}

// TestConsoleSessions: an operator signs in with their key, works with the session token,
// reads and ends it; sessions expire with the clock, die with their key, and cannot be
// had by service keys or minted from a session.
func TestConsoleSessions(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			clk := &clock.Fake{}
			e := start(t, testConfig(t, db.URL, map[string]string{"IDGATE_SESSION_TTL": "8h"}), server.Options{Clock: clk})
			sa, err := e.risk.CreateSubaccount(context.Background(), &idgatev1.CreateSubaccountRequest{Name: "Fleet", IdentityVerificationMode: "all_users"})
			if err != nil {
				t.Fatal(err)
			}
			janeID, jane := e.namedKey(t, "Jane Ops", "operator", sa.Id)

			t.Run("lifecycle", func(t *testing.T) {
				token, s := e.signIn(t, jane)
				if s.APIKeyID != janeID || s.OperatorName != "Jane Ops" || s.Role != "operator" || len(s.SubaccountIDs) != 1 || s.SubaccountIDs[0] != sa.Id ||
					s.ExpiresAt.Sub(s.CreatedAt) != 8*time.Hour || s.RevokedAt != nil {
					t.Fatalf("session: %+v", s)
				}
				if raw := rawRows(t, db, "operator_sessions", "id", s.ID); strings.Contains(raw, strings.TrimPrefix(token, "idg_sess_")) || !strings.Contains(raw, janeID) {
					t.Fatalf("stored session holds its token, or not its key:\n%s", raw)
				}
				if code, msg := e.listCustomers(token); code != 200 {
					t.Fatalf("GET /v1/customers on the session: %d %s", code, msg)
				}
				var cur sessionJSON
				if code, _ := e.as(token).call("GET", "/v1/sessions/current", "", &cur); code != 200 || cur.ID != s.ID || cur.OperatorName != "Jane Ops" {
					t.Fatalf("current session: %d %+v", code, cur)
				}
				if code, _ := e.as(jane).call("GET", "/v1/sessions/current", "", &cur); code != 404 || cur.Message != "not signed in with a session" {
					t.Fatalf("current session of a key: %d %q", code, cur.Message)
				}
				var out sessionJSON
				if code, _ := e.as(token).call("POST", "/v1/sessions/current:revoke", `{}`, &out); code != 200 || out.ID != s.ID || out.RevokedAt == nil {
					t.Fatalf("sign out: %d %+v", code, out)
				}
				if code, msg := e.listCustomers(token); code != 401 || msg != "session expired: sign in again" {
					t.Fatalf("after sign-out: %d %q, want 401 session expired", code, msg)
				}
				if code, msg := e.listCustomers(jane); code != 200 {
					t.Fatalf("the key after its session ended: %d %s", code, msg)
				}
			})

			t.Run("expires", func(t *testing.T) {
				token, _ := e.signIn(t, jane)
				clk.Advance(8*time.Hour - time.Minute)
				if code, msg := e.listCustomers(token); code != 200 {
					t.Fatalf("a minute before expiry: %d %s", code, msg)
				}
				clk.Advance(time.Minute)
				if code, msg := e.listCustomers(token); code != 401 || msg != "session expired: sign in again" {
					t.Fatalf("at expiry: %d %q, want 401 session expired", code, msg)
				}
			})

			t.Run("a session cannot extend itself", func(t *testing.T) {
				token, _ := e.signIn(t, jane)
				var r sessionJSON
				if code, _ := e.as(token).call("POST", "/v1/sessions", `{}`, &r); code != 403 || !strings.Contains(r.Message, "session cannot start another") {
					t.Fatalf("session from a session: %d %q, want 403", code, r.Message)
				}
			})

			t.Run("service keys cannot sign in", func(t *testing.T) {
				var r sessionJSON
				if code, _ := e.as(e.newKey(t, "service", sa.Id)).call("POST", "/v1/sessions", `{}`, &r); code != 403 || r.Message != "service keys cannot sign in to the console" {
					t.Fatalf("service key sign-in: %d %q", code, r.Message)
				}
			})

			t.Run("revoking the key ends its sessions", func(t *testing.T) {
				_, bob := e.namedKey(t, "Bob Ops", "readonly", sa.Id)
				first, _ := e.signIn(t, bob)
				second, _ := e.signIn(t, bob)
				if code, msg := e.listCustomers(first); code != 200 {
					t.Fatalf("before revocation: %d %s", code, msg)
				}
				var cur sessionJSON
				e.as(first).call("GET", "/v1/sessions/current", "", &cur)
				if _, err := idgatev1.NewAdminServiceClient(e.conn).RevokeApiKey(context.Background(), &idgatev1.RevokeApiKeyRequest{Id: cur.APIKeyID}); err != nil {
					t.Fatal(err)
				}
				for _, token := range []string{first, second} {
					if code, msg := e.listCustomers(token); code != 401 || msg != "session expired: sign in again" {
						t.Fatalf("session of a revoked key: %d %q", code, msg)
					}
				}
			})
		})
	}
}

// TestPeopleNamedWhereTheyAct: what an operator does on a console session is recorded
// under their name (the key's), not a key id, and a session cannot name someone else.
func TestPeopleNamedWhereTheyAct(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e, _ := identityEnv(t, db)
			ctx := context.Background()
			sub, cust, _ := e.newCustomer("all_users", 50, 3)
			_, jane := e.namedKey(t, "Jane Ops", "operator", sub)
			token, _ := e.signIn(t, jane)
			ops := e.as(token)

			var c customerJSON
			if code, _ := ops.call("POST", "/v1/customers/"+cust+":manualVerify", `{"notes":"passport seen at the depot","operator":"someone else"}`, &c); code != 200 || c.IdentityManualVerificationBy != "Jane Ops" {
				t.Fatalf("manual verification on a session: %d by %q, want Jane Ops", code, c.IdentityManualVerificationBy)
			}
			var log struct {
				Events []auditJSON `json:"events"`
			}
			if code, _ := ops.call("GET", "/v1/audit-events?subject_id="+cust, "", &log); code != 200 {
				t.Fatalf("audit events: %d", code)
			}
			found := false
			for _, ev := range log.Events {
				if ev.Action == "/idgate.v1.IdentityService/ManualVerify" {
					found = ev.ActorName == "Jane Ops" && strings.HasPrefix(ev.ActorID, "key_")
				}
			}
			if !found {
				t.Fatalf("no ManualVerify entry by Jane Ops: %+v", log.Events)
			}

			// An API key still vouches for the person its request names.
			_, shared := e.namedKey(t, "ops desk", "operator", sub)
			if code, _ := e.as(shared).call("POST", "/v1/customers/"+cust+":manualVerify", `{"notes":"again","operator":"ops@fleet"}`, &c); code != 200 || !strings.HasPrefix(c.IdentityManualVerificationBy, "ops@fleet (key_") {
				t.Fatalf("manual verification with a named operator on a key: %d %q", code, c.IdentityManualVerificationBy)
			}

			onb := idgatev1.NewConnectOnboardingServiceClient(e.conn)
			m, err := onb.CreateMerchant(ctx, &idgatev1.CreateMerchantRequest{SubaccountId: sub, ExternalId: "gb-1", Country: "GB", BusinessType: "individual"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := onb.RecordBiometricConsent(ctx, &idgatev1.RecordBiometricConsentRequest{MerchantId: m.Id}); err != nil {
				t.Fatal(err)
			}
			var tasks struct {
				Tasks []struct {
					ID        string `json:"id"`
					SubjectID string `json:"subject_id"`
				} `json:"tasks"`
			}
			ops.call("GET", "/v1/review-tasks?status=open", "", &tasks)
			if len(tasks.Tasks) != 1 || tasks.Tasks[0].SubjectID != m.Id {
				t.Fatalf("open tasks: %+v", tasks)
			}
			id := tasks.Tasks[0].ID
			var task struct {
				ClaimedBy  string `json:"claimed_by"`
				ResolvedBy string `json:"resolved_by"`
				Message    string `json:"message"`
			}
			if code, _ := ops.call("POST", "/v1/review-tasks/"+id+":claim", `{}`, &task); code != 200 || task.ClaimedBy != "Jane Ops" {
				t.Fatalf("claim: %d %+v", code, task)
			}
			// Another key of the same name is someone else: the claim is the key's.
			_, namesake := e.namedKey(t, "Jane Ops", "operator", sub)
			if code, _ := e.as(namesake).call("POST", "/v1/review-tasks/"+id+":claim", `{}`, &task); code != 409 {
				t.Fatalf("a namesake's claim of Jane's task: %d %+v, want 409", code, task)
			}
			if code, _ := ops.call("POST", "/v1/review-tasks/"+id+":resolve", `{"decision":"approve","notes":"documents checked by hand"}`, &task); code != 200 || task.ClaimedBy != "Jane Ops" || task.ResolvedBy != "Jane Ops" {
				t.Fatalf("resolve: %d %+v", code, task)
			}
		})
	}
}

type auditJSON struct {
	Action       string         `json:"action"`
	ActorID      string         `json:"actor_id"`
	ActorName    string         `json:"actor_name"`
	Notes        string         `json:"notes"`
	Changes      map[string]any `json:"changes"`
	SubaccountID string         `json:"subaccount_id"`
}

// maskedJSON is a customer's verified identity data, and whether it was withheld.
type maskedJSON struct {
	Email              string          `json:"email"`
	FirstName          string          `json:"identity_first_name"`
	LastName           string          `json:"identity_last_name"`
	DOB                string          `json:"identity_dob"`
	Address            *map[string]any `json:"identity_address"`
	Last4              string          `json:"identity_id_number_last4"`
	Expiry             string          `json:"identity_expiration_date"`
	IDType             string          `json:"identity_id_type"`
	PersonalDataMasked bool            `json:"personal_data_masked"`
	Message            string          `json:"message"`
}

func (c maskedJSON) withheld() bool {
	return c.PersonalDataMasked && c.FirstName == "" && c.LastName == "" && c.DOB == "" && c.Address == nil && c.Last4 == "" && c.Expiry == ""
}

func (c maskedJSON) whole() bool {
	return !c.PersonalDataMasked && c.FirstName != "" && c.LastName != "" && c.Address != nil && c.Expiry != "" // stripe-mock gives no dob
}

// TestPersonalDataMasked: people in the console and operator and readonly keys read a
// customer without their verified identity data until an operator reveals it, with a
// reason the audit log keeps; admin and service keys read it as before.
func TestPersonalDataMasked(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e, _ := identityEnv(t, db)
			sub, cust, _ := e.newCustomer("all_users", 50, 3)
			e.simulate(e.session(cust), "verified", "")
			otherSub, _, _ := e.newCustomer("all_users", 50, 3)
			_, opKey := e.namedKey(t, "Jane Ops", "operator", sub)
			_, roKey := e.namedKey(t, "Rita Reader", "readonly", sub)
			op, _ := e.signIn(t, opKey)
			ro, _ := e.signIn(t, roKey)

			var c maskedJSON
			if code, _ := e.call("GET", "/v1/customers/"+cust, "", &c); code != 200 || !c.whole() || c.Email != "rider@example.com" {
				t.Fatalf("admin key: %d %+v, want the whole customer", code, c)
			}
			for name, cred := range map[string]string{"readonly session": ro, "operator session": op, "operator key": opKey, "readonly key": roKey} {
				c = maskedJSON{}
				if code, _ := e.as(cred).call("GET", "/v1/customers/"+cust, "", &c); code != 200 || !c.withheld() || c.Email != "rider@example.com" || c.IDType == "" {
					t.Errorf("%s GetCustomer: %d %+v, want identity data withheld, email and id type shown", name, code, c)
				}
				var list struct{ Customers []maskedJSON }
				if code, _ := e.as(cred).call("GET", "/v1/customers?query="+cust, "", &list); code != 200 || len(list.Customers) != 1 || !list.Customers[0].withheld() {
					t.Errorf("%s ListCustomers: %d %+v", name, code, list)
				}
			}
			if code, _ := e.as(op).call("POST", "/v1/customers/"+cust+":requireVerification", `{"reason":"chargeback"}`, &c); code != 200 || !c.PersonalDataMasked {
				t.Errorf("an operator action's answer: %d %+v, want masked", code, c)
			}

			if code, _ := e.as(ro).call("POST", "/v1/customers/"+cust+":revealIdentity", `{"reason":"customer called"}`, &c); code != 403 {
				t.Errorf("readonly reveal: %d %q, want 403", code, c.Message)
			}
			if code, _ := e.as(op).call("POST", "/v1/customers/"+cust+":revealIdentity", `{}`, &c); code != 400 || !strings.HasPrefix(c.Message, "reason:") {
				t.Errorf("reveal without a reason: %d %q, want 400 naming reason", code, c.Message)
			}
			const why = "rider disputes the name on file"
			c = maskedJSON{}
			if code, _ := e.as(op).call("POST", "/v1/customers/"+cust+":revealIdentity", fmt.Sprintf(`{"reason":%q}`, why), &c); code != 200 || !c.whole() {
				t.Fatalf("operator reveal: %d %+v, want the whole customer", code, c)
			}
			revealed := c

			var log struct {
				Events []auditJSON `json:"events"`
			}
			e.as(op).call("GET", "/v1/audit-events?subject_id="+cust, "", &log)
			var reveals int
			for _, ev := range log.Events {
				if ev.Action != "customer.identity_revealed" {
					continue
				}
				reveals++
				if ev.ActorName != "Jane Ops" || ev.Notes != why || ev.SubaccountID != sub {
					t.Errorf("reveal entry: %+v", ev)
				}
				for _, v := range []string{revealed.FirstName, revealed.LastName, revealed.Expiry} {
					if strings.Contains(fmt.Sprint(ev), v) {
						t.Errorf("the reveal entry holds personal data %q: %+v", v, ev)
					}
				}
			}
			if reveals != 1 {
				t.Fatalf("%d reveal entries, want 1: %+v", reveals, log.Events)
			}

			// Another tenant's customer answers exactly as a missing one.
			_, otherOp := e.namedKey(t, "Olga Other", "operator", otherSub)
			answer := func(id string) (int, string) {
				var r maskedJSON
				code, _ := e.as(otherOp).call("POST", "/v1/customers/"+id+":revealIdentity", `{"reason":"curious"}`, &r)
				return code, strings.ReplaceAll(r.Message, id, "ID")
			}
			missing := cust[:len(cust)-1] + map[bool]string{true: "1", false: "0"}[strings.HasSuffix(cust, "0")]
			gotCode, gotMsg := answer(cust)
			wantCode, wantMsg := answer(missing)
			if gotCode != 404 || gotCode != wantCode || gotMsg != wantMsg {
				t.Fatalf("another tenant's customer: %d %q; a missing one: %d %q", gotCode, gotMsg, wantCode, wantMsg)
			}
		})
	}
}

// TestConsoleServed: the console's files are served at /console/ without a key, with its
// security headers, however often they are asked for; / and /console lead there, and the
// API stays behind its keys.
func TestConsoleServed(t *testing.T) {
	db := testenv.Databases(t)[0]
	e := start(t, testConfig(t, db.URL, map[string]string{"IDGATE_LIMIT_AUTH_FAILURES_PER_MINUTE": "2"}))
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) (*http.Response, string) {
		resp, err := noRedirect.Get(e.base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}
	for i := range 10 { // well past the refused-credentials limit of 2
		for _, path := range []string{"/console/", "/console/customers/cust_1"} {
			resp, body := get(path)
			if resp.StatusCode != 200 || !strings.Contains(body, "<title>idgate console</title>") ||
				!strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") || resp.Header.Get("Cache-Control") != "no-store" {
				t.Fatalf("GET %s (#%d): %d %v %q", path, i, resp.StatusCode, resp.Header, body)
			}
		}
	}
	for path, want := range map[string]struct {
		code     int
		location string
	}{"/console": {301, "/console/"}, "/": {302, "/console/"}} {
		if resp, _ := get(path); resp.StatusCode != want.code || resp.Header.Get("Location") != want.location {
			t.Errorf("GET %s: %d to %q, want %d to %q", path, resp.StatusCode, resp.Header.Get("Location"), want.code, want.location)
		}
	}
	if resp, _ := get("/v1/customers"); resp.StatusCode != 401 {
		t.Errorf("GET /v1/customers without a key: %d, want 401", resp.StatusCode)
	}
}
