package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	stripewebhook "github.com/stripe/stripe-go/v76/webhook"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"

	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
	"github.com/idgate/idgate/internal/config"
	"github.com/idgate/idgate/internal/testenv"
	"github.com/idgate/idgate/server"
)

const (
	secret        = "whsec_test_current"
	rotatedSecret = "whsec_test_previous"
	adminKey      = "idg_test_bootstrap_key_for_the_test_suite"
	dataKeyA      = "a:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	dataKeyB      = "b:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA="
)

// bearerKey sends an API key with every gRPC call.
type bearerKey string

func (k bearerKey) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + string(k)}, nil
}

func (bearerKey) RequireTransportSecurity() bool { return false }

func dial(t testing.TB, addr, key string) *grpc.ClientConn {
	t.Helper()
	opts := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	if key != "" {
		opts = append(opts, grpc.WithPerRPCCredentials(bearerKey(key)))
	}
	conn, err := grpc.NewClient(addr, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// env is one running idgate with clients for both of its faces.
type env struct {
	t        testing.TB
	base     string // http://127.0.0.1:port
	key      string // the API key the JSON calls send
	identity idgatev1.IdentityServiceClient
	risk     idgatev1.RiskServiceClient
	webhooks idgatev1.WebhookServiceClient
	conn     *grpc.ClientConn
	grpcAddr string
	stop     func()
	srv      *server.Server
}

func testConfig(t testing.TB, dbURL string, extra map[string]string) config.Config {
	vars := map[string]string{
		"DATABASE_URL":             dbURL,
		"IDGATE_GRPC_ADDR":         "127.0.0.1:0",
		"IDGATE_HTTP_ADDR":         "127.0.0.1:0",
		"STRIPE_WEBHOOK_SECRET":    secret + "," + rotatedSecret,
		"IDGATE_JOB_POLL_INTERVAL": "20ms",
		"IDGATE_JOB_RETRY_BASE":    "10ms",
		"IDGATE_SHUTDOWN_TIMEOUT":  "5s",
		"IDGATE_LOG_LEVEL":         "warn",
		"IDGATE_BOOTSTRAP_API_KEY": adminKey,
		"IDGATE_DATA_KEYS":         dataKeyA,
	}
	for k, v := range extra {
		vars[k] = v
	}
	cfg, err := config.FromEnv(func(k string) string { return vars[k] })
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return cfg
}

func start(t testing.TB, cfg config.Config, opts ...server.Options) *env {
	t.Helper()
	return startLogging(t, cfg, testWriter{t}, opts...)
}

// startLogging is start with the server's log written to w.
func startLogging(t testing.TB, cfg config.Config, w io.Writer, opts ...server.Options) *env {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	log := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: cfg.LogLevel}))
	srv, err := server.New(ctx, cfg, log, opts...)
	if err != nil {
		cancel()
		t.Fatalf("server.New: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	conn, err := grpc.NewClient(srv.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithPerRPCCredentials(bearerKey(adminKey)))
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		conn.Close()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}
	t.Cleanup(stop)
	return &env{
		t: t, base: "http://" + srv.HTTPAddr(), conn: conn, stop: stop, key: adminKey, grpcAddr: srv.GRPCAddr(), srv: srv,
		identity: idgatev1.NewIdentityServiceClient(conn),
		risk:     idgatev1.NewRiskServiceClient(conn),
		webhooks: idgatev1.NewWebhookServiceClient(conn),
	}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// call sends a JSON request through the gateway and decodes the JSON answer into out.
func (e *env) call(method, path, body string, out any) (int, http.Header) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+e.key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			e.t.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode, resp.Header
}

// TestAPI runs each part on a fresh idgate and database per dialect.
func TestAPI(t *testing.T) {
	for _, part := range []struct {
		name string
		test func(*env, *testing.T)
	}{
		{"subaccounts", (*env).testSubaccounts},
		{"customers", (*env).testCustomers},
		{"webhooks", (*env).testWebhooks},
		{"operations", (*env).testOperations},
	} {
		t.Run(part.name, func(t *testing.T) {
			for _, db := range testenv.Databases(t) {
				t.Run(db.Dialect, func(t *testing.T) { part.test(start(t, testConfig(t, db.URL, nil)), t) })
			}
		})
	}
}

// in is e reporting its helpers' failures to t, a subtest of the test e was started for.
func (e *env) in(t testing.TB) *env {
	c := *e
	c.t = t
	return &c
}

func (e *env) testSubaccounts(t *testing.T) {
	var sa map[string]any
	code, _ := e.call("POST", "/v1/subaccounts", `{"name":"Acme Rides","identity_verification_mode":"risk_based"}`, &sa)
	if code != 200 {
		t.Fatalf("create: HTTP %d %v", code, sa)
	}
	id, _ := sa["id"].(string)
	if !strings.HasPrefix(id, "sub_") || sa["identity_verification_risk_threshold"] != 50.0 || sa["max_verification_attempts"] != 3.0 {
		t.Fatalf("create returned %v, want an id and the defaults threshold 50, attempts 3", sa)
	}

	// PATCH changes only what it names.
	code, _ = e.call("PATCH", "/v1/subaccounts/"+id, `{"identity_verification_risk_threshold":80}`, &sa)
	if code != 200 || sa["identity_verification_risk_threshold"] != 80.0 || sa["identity_verification_mode"] != "risk_based" || sa["name"] != "Acme Rides" {
		t.Fatalf("patch: HTTP %d %v", code, sa)
	}
	got, err := e.risk.GetSubaccount(context.Background(), &idgatev1.GetSubaccountRequest{Id: id})
	if err != nil || got.GetIdentityVerificationRiskThreshold() != 80 {
		t.Fatalf("gRPC get after patch: %v %v", got, err)
	}

	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		field                    string
	}{
		{"missing name", "POST", "/v1/subaccounts", `{}`, 400, "name"},
		{"bad mode", "POST", "/v1/subaccounts", `{"name":"x","identity_verification_mode":"sometimes"}`, 400, "identity_verification_mode"},
		{"threshold over 100", "POST", "/v1/subaccounts", `{"name":"x","identity_verification_risk_threshold":101}`, 400, "identity_verification_risk_threshold"},
		{"zero attempts", "PATCH", "/v1/subaccounts/" + id, `{"max_verification_attempts":0}`, 400, "max_verification_attempts"},
		{"unknown field", "POST", "/v1/subaccounts", `{"name":"x","colour":"red"}`, 400, ""},
		{"not JSON", "POST", "/v1/subaccounts", `{"name":`, 400, ""},
		{"unknown id", "GET", "/v1/subaccounts/sub_nope", ``, 404, ""},
		{"patch unknown id", "PATCH", "/v1/subaccounts/sub_nope", `{"name":"y"}`, 404, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body struct {
				Message string `json:"message"`
			}
			code, _ := e.in(t).call(tc.method, tc.path, tc.body, &body)
			if code != tc.status || !strings.Contains(body.Message, tc.field) {
				t.Fatalf("HTTP %d %q, want %d naming %q", code, body.Message, tc.status, tc.field)
			}
		})
	}
	// The failed PATCH left the subaccount as it was.
	if got, _ := e.risk.GetSubaccount(context.Background(), &idgatev1.GetSubaccountRequest{Id: id}); got.GetMaxVerificationAttempts() != 3 {
		t.Fatalf("a rejected update changed the subaccount: %v", got)
	}
}

func (e *env) testCustomers(t *testing.T) {
	ctx := context.Background()
	sa, err := e.risk.CreateSubaccount(ctx, &idgatev1.CreateSubaccountRequest{Name: "Fleet"})
	if err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`{"subaccount_id":%q,"external_id":"rider-1","stripe_customer_id":"cus_R1","email":"rider@example.com","phone":"+14155550123"}`, sa.Id)
	var c map[string]any
	if code, _ := e.call("POST", "/v1/customers", body, &c); code != 200 || !strings.HasPrefix(c["id"].(string), "cust_") {
		t.Fatalf("create customer: HTTP %d %v", code, c)
	}
	id := c["id"].(string)

	// The same request again is idempotent; different details for the same external id are not.
	var again map[string]any
	if code, _ := e.call("POST", "/v1/customers", body, &again); code != 200 || again["id"] != id {
		t.Fatalf("repeat create: HTTP %d %v, want the same customer %s", code, again, id)
	}
	_, err = e.identity.CreateCustomer(ctx, &idgatev1.CreateCustomerRequest{SubaccountId: sa.Id, ExternalId: "rider-1", Email: "other@example.com"})
	if status.Code(err) != codes.AlreadyExists {
		t.Fatalf("conflicting create: %v, want AlreadyExists", err)
	}
	_, err = e.identity.CreateCustomer(ctx, &idgatev1.CreateCustomerRequest{SubaccountId: sa.Id, ExternalId: "rider-2", StripeCustomerId: "cus_R1"})
	if status.Code(err) != codes.AlreadyExists || !strings.Contains(err.Error(), "stripe_customer_id") {
		t.Fatalf("second customer with the same Stripe customer: %v, want AlreadyExists naming stripe_customer_id", err)
	}

	got, err := e.identity.GetCustomer(ctx, &idgatev1.GetCustomerRequest{Id: id})
	if err != nil || got.GetExternalId() != "rider-1" || got.GetEmail() != "rider@example.com" || got.GetSubaccountId() != sa.Id {
		t.Fatalf("get over gRPC: %v %v", got, err)
	}
	var viaHTTP map[string]any
	if code, _ := e.call("GET", "/v1/customers/"+id, "", &viaHTTP); code != 200 || viaHTTP["stripe_customer_id"] != "cus_R1" {
		t.Fatalf("get over HTTP: %d %v", code, viaHTTP)
	}

	for _, tc := range []struct {
		name  string
		req   *idgatev1.CreateCustomerRequest
		code  codes.Code
		field string
	}{
		{"no subaccount", &idgatev1.CreateCustomerRequest{ExternalId: "x"}, codes.InvalidArgument, "subaccount_id"},
		{"no external id", &idgatev1.CreateCustomerRequest{SubaccountId: sa.Id}, codes.InvalidArgument, "external_id"},
		{"bad email", &idgatev1.CreateCustomerRequest{SubaccountId: sa.Id, ExternalId: "x", Email: "not-an-email"}, codes.InvalidArgument, "email"},
		{"bad phone", &idgatev1.CreateCustomerRequest{SubaccountId: sa.Id, ExternalId: "x", Phone: "555-0123"}, codes.InvalidArgument, "phone"},
		{"bad stripe id", &idgatev1.CreateCustomerRequest{SubaccountId: sa.Id, ExternalId: "x", StripeCustomerId: "acct_1"}, codes.InvalidArgument, "stripe_customer_id"},
		{"unknown subaccount", &idgatev1.CreateCustomerRequest{SubaccountId: "sub_nope", ExternalId: "x"}, codes.NotFound, "sub_nope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.identity.CreateCustomer(ctx, tc.req)
			if status.Code(err) != tc.code || !strings.Contains(status.Convert(err).Message(), tc.field) {
				t.Fatalf("got %v, want %v naming %q", err, tc.code, tc.field)
			}
			if strings.Contains(err.Error(), "not-an-email") || strings.Contains(err.Error(), "555-0123") {
				t.Fatalf("error repeats personal data: %v", err)
			}
			if tc.code != codes.InvalidArgument {
				return
			}
			// The violation names the field once: in its field, not again in its description.
			var v []*errdetails.BadRequest_FieldViolation
			for _, d := range status.Convert(err).Details() {
				if br, ok := d.(*errdetails.BadRequest); ok {
					v = br.FieldViolations
				}
			}
			if len(v) != 1 || v[0].Field != tc.field || v[0].Description == "" || strings.Contains(v[0].Description, tc.field) {
				t.Fatalf("field violations %v, want one for %q whose description does not repeat it", v, tc.field)
			}
		})
	}

	// gRPC and the gateway agree on an unknown id.
	if _, err := e.identity.GetCustomer(ctx, &idgatev1.GetCustomerRequest{Id: "cust_nope"}); status.Code(err) != codes.NotFound {
		t.Fatalf("gRPC unknown customer: %v", err)
	}
	if code, _ := e.call("GET", "/v1/customers/cust_nope", "", nil); code != 404 {
		t.Fatalf("HTTP unknown customer: %d", code)
	}
}

// stripeEvent is a Stripe event envelope as Stripe sends it.
func stripeEvent(id, typ, apiVersion, object string) []byte {
	return []byte(fmt.Sprintf(`{"id":%q,"object":"event","api_version":%q,"created":%d,"livemode":false,"pending_webhooks":1,`+
		`"request":{"id":null,"idempotency_key":null},"type":%q,"data":{"object":%s}}`, id, apiVersion, time.Now().Unix(), typ, object))
}

func sign(payload []byte, secret string, at time.Time) string {
	return stripewebhook.GenerateTestSignedPayload(&stripewebhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: at}).Header
}

func (e *env) deliver(path string, payload []byte, signature string) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.base+path, bytes.NewReader(payload))
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	if signature != "" {
		req.Header.Set("Stripe-Signature", signature)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// events returns every stored event by id.
func (e *env) events() map[string]*idgatev1.WebhookEvent {
	e.t.Helper()
	out := map[string]*idgatev1.WebhookEvent{}
	token := ""
	for {
		resp, err := e.webhooks.ListWebhookEvents(context.Background(), &idgatev1.ListWebhookEventsRequest{PageSize: 500, PageToken: token})
		if err != nil {
			e.t.Fatal(err)
		}
		for _, ev := range resp.Events {
			out[ev.Id] = ev
		}
		if token = resp.NextPageToken; token == "" {
			return out
		}
	}
}

// waitState waits until event id leaves "pending" and returns its state.
func (e *env) waitState(id string) string {
	e.t.Helper()
	var state string
	testenv.Eventually(e.t, "event "+id+" to leave pending", func() bool {
		ev := e.events()[id]
		if ev != nil {
			state = ev.State
		}
		return ev != nil && state != "pending"
	})
	return state
}

func (e *env) testWebhooks(t *testing.T) {
	now := time.Now()
	customer := `{"id":"cus_W1","object":"customer"}`
	valid := stripeEvent("evt_valid", "customer.created", "2023-10-16", customer)
	big := stripeEvent("evt_big", "customer.updated", "2023-10-16", `{"id":"cus_W1","object":"customer","description":"`+strings.Repeat("x", 1_000_000-200)+`"}`)
	tooBig := stripeEvent("evt_too_big", "customer.updated", "2023-10-16", `{"description":"`+strings.Repeat("x", 2<<20)+`"}`)
	tampered := bytes.Replace(valid, []byte("cus_W1"), []byte("cus_W2"), 1)

	for _, tc := range []struct {
		name      string
		path      string
		payload   []byte
		signature string
		status    int
		stored    string // the event id that must (or, on failure, must not) be stored
	}{
		{"valid", "/v1/webhooks/stripe", valid, sign(valid, secret, now), 200, "evt_valid"},
		{"duplicate delivery", "/v1/webhooks/stripe", valid, sign(valid, secret, now.Add(time.Second)), 200, "evt_valid"},
		{"tampered body", "/v1/webhooks/stripe", tampered, sign(valid, secret, now), 400, ""},
		{"stale timestamp", "/v1/webhooks/stripe", stripeEvent("evt_stale", "customer.created", "2023-10-16", customer), sign(stripeEvent("evt_stale", "customer.created", "2023-10-16", customer), secret, now.Add(-10*time.Minute)), 400, "!evt_stale"},
		{"wrong secret", "/v1/webhooks/stripe", stripeEvent("evt_wrong", "customer.created", "2023-10-16", customer), sign(stripeEvent("evt_wrong", "customer.created", "2023-10-16", customer), "whsec_someone_else", now), 400, "!evt_wrong"},
		{"missing signature", "/v1/webhooks/stripe", stripeEvent("evt_unsigned", "customer.created", "2023-10-16", customer), "", 400, "!evt_unsigned"},
		{"garbage signature", "/v1/webhooks/stripe", stripeEvent("evt_garbage", "customer.created", "2023-10-16", customer), "t=abc,v1=zz", 400, "!evt_garbage"},
		{"rotated secret", "/v1/webhooks/stripe", stripeEvent("evt_rotated", "customer.created", "2023-10-16", customer), sign(stripeEvent("evt_rotated", "customer.created", "2023-10-16", customer), rotatedSecret, now), 200, "evt_rotated"},
		{"newer API version", "/v1/webhooks/stripe", stripeEvent("evt_newer", "customer.created", "2099-01-01.future", customer), sign(stripeEvent("evt_newer", "customer.created", "2099-01-01.future", customer), secret, now), 200, "evt_newer"},
		{"unknown type", "/v1/webhooks/stripe", stripeEvent("evt_unknown", "totally.new_thing", "2023-10-16", `{"id":"x"}`), sign(stripeEvent("evt_unknown", "totally.new_thing", "2023-10-16", `{"id":"x"}`), secret, now), 200, "evt_unknown"},
		{"malformed JSON", "/v1/webhooks/stripe", []byte(`{"id":"evt_malformed",`), sign([]byte(`{"id":"evt_malformed",`), secret, now), 400, "!evt_malformed"},
		{"1 MB body", "/v1/webhooks/stripe", big, sign(big, secret, now), 200, "evt_big"},
		{"body over the limit", "/v1/webhooks/stripe", tooBig, sign(tooBig, secret, now), 413, "!evt_too_big"},
		{"connect endpoint without its secret", "/v1/webhooks/stripe/connect", stripeEvent("evt_connect", "account.updated", "2023-10-16", `{"id":"acct_1"}`), sign(stripeEvent("evt_connect", "account.updated", "2023-10-16", `{"id":"acct_1"}`), secret, now), 400, "!evt_connect"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := e.in(t)
			if code, body := e.deliver(tc.path, tc.payload, tc.signature); code != tc.status {
				t.Fatalf("HTTP %d %s, want %d", code, body, tc.status)
			}
			id, absent := strings.CutPrefix(tc.stored, "!")
			if _, stored := e.events()[id]; id != "" && stored == absent {
				t.Fatalf("event %s stored=%v, want %v", id, stored, !absent)
			}
		})
	}
	// Stored events are worked once; types with no handler end "ignored", not failed.
	for _, id := range []string{"evt_valid", "evt_rotated", "evt_newer", "evt_unknown", "evt_big"} {
		if st := e.waitState(id); st != "ignored" {
			t.Errorf("event %s ended %q, want ignored", id, st)
		}
	}
	if ev := e.events()["evt_valid"]; ev.Attempts != 1 {
		t.Errorf("duplicate delivery processed evt_valid %d times, want once", ev.Attempts)
	}
	resp, err := e.webhooks.ListWebhookEvents(context.Background(), &idgatev1.ListWebhookEventsRequest{State: "failed"})
	if err != nil || len(resp.Events) != 0 {
		t.Errorf("failed events: %v %v, want none", resp, err)
	}
	if _, err := e.webhooks.ListWebhookEvents(context.Background(), &idgatev1.ListWebhookEventsRequest{State: "lost"}); status.Code(err) != codes.InvalidArgument {
		t.Errorf("list with an unknown state: %v, want InvalidArgument", err)
	}
}

func (e *env) testOperations(t *testing.T) {
	ctx := context.Background()
	if _, err := e.risk.CreateSubaccount(ctx, &idgatev1.CreateSubaccountRequest{Name: "metered"}); err != nil {
		t.Fatal(err) // a call for /metrics to count
	}
	h, err := healthpb.NewHealthClient(e.conn).Check(ctx, &healthpb.HealthCheckRequest{})
	if err != nil || h.Status != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("grpc health: %v %v", h, err)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if code, _ := e.call("GET", path, "", nil); code != 200 {
			t.Fatalf("%s: %d", path, code)
		}
	}
	// Every JSON call carries a request id, the caller's if it sent one.
	req, _ := http.NewRequest("GET", e.base+"/v1/customers/cust_nope", nil)
	req.Header.Set("X-Request-Id", "trace-123")
	req.Header.Set("Authorization", "Bearer "+adminKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("X-Request-Id") != "trace-123" {
		t.Fatalf("X-Request-Id = %q, want the caller's", resp.Header.Get("X-Request-Id"))
	}

	resp, err = http.Get(e.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`grpc_server_handled_total{grpc_code="OK",grpc_method="CreateSubaccount",grpc_service="idgate.v1.RiskService",grpc_type="unary"}`,
		`grpc_server_handled_total{grpc_code="NotFound",grpc_method="GetCustomer"`,
		`grpc_server_handling_seconds_bucket{grpc_method="GetCustomer"`,
	} {
		if !bytes.Contains(metrics, []byte(want)) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	stream, err := reflectionpb.NewServerReflectionClient(e.conn).ServerReflectionInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{ListServices: ""}}); err != nil {
		t.Fatal(err)
	}
	r, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range r.GetListServicesResponse().GetService() {
		names = append(names, s.Name)
	}
	for _, want := range []string{"idgate.v1.IdentityService", "idgate.v1.RiskService", "idgate.v1.ConnectOnboardingService", "idgate.v1.WebhookService", "grpc.health.v1.Health"} {
		if !strings.Contains(strings.Join(names, " "), want) {
			t.Errorf("reflection lists %v, missing %s", names, want)
		}
	}
}

// TestRestartBetweenIntakeAndProcessing stores an event in a replica that does not work
// jobs, stops it, and starts another: the event is processed, nothing lost.
func TestRestartBetweenIntakeAndProcessing(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			cfg := testConfig(t, db.URL, nil)
			noJobs := false
			first := start(t, cfg, server.Options{RunJobs: &noJobs})
			payload := stripeEvent("evt_restart", "customer.created", "2023-10-16", `{"id":"cus_1"}`)
			if code, body := first.deliver("/v1/webhooks/stripe", payload, sign(payload, secret, time.Now())); code != 200 {
				t.Fatalf("deliver: %d %s", code, body)
			}
			if st := first.events()["evt_restart"].GetState(); st != "pending" {
				t.Fatalf("before restart the event is %q, want pending", st)
			}
			first.stop()

			second := start(t, cfg)
			if st := second.waitState("evt_restart"); st != "ignored" {
				t.Fatalf("after restart the event ended %q", st)
			}
		})
	}
}
