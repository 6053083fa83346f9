package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"

	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
	"github.com/idgate/idgate/internal/testenv"
	"github.com/idgate/idgate/server"
)

// answer is what an HTTP client sees.
type answer struct {
	code       int
	retryAfter string
	body       string
}

func (e *env) send(method, path, body string, header map[string]string) answer {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+e.key)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header.Get("Retry-After"), string(b)}
}

// TestDatabaseOutage stops the PostgreSQL server under a running idgate: webhook
// deliveries, JSON calls and gRPC calls answer 503 with Retry-After / Unavailable (never
// 500 / Internal), readiness and gRPC health fail; once PostgreSQL is back, everything
// works again without a restart of idgate. (SQLite has no server to lose: the database is
// a file opened in-process; its locked and I/O errors are classified alike, see
// store.TestUnavailable.)
func TestDatabaseOutage(t *testing.T) {
	pg := testenv.RestartablePostgres(t)
	db := pg.NewDB(t)
	e := start(t, testConfig(t, db.URL, nil))
	// A second replica without API keys, so that every handler, not only authentication,
	// meets the outage.
	noJobs := false
	open := start(t, testConfig(t, db.URL, nil), server.Options{NoAuth: true, RunJobs: &noJobs})
	ctx := context.Background()
	sub, err := e.risk.CreateSubaccount(ctx, &idgatev1.CreateSubaccountRequest{Name: "Fleet"})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	delivery := func() answer {
		n++
		payload := stripeEvent(fmt.Sprintf("evt_outage_%d", n), "customer.created", "2023-10-16", `{"id":"cus_O1","object":"customer"}`)
		return e.send("POST", "/v1/webhooks/stripe", string(payload), map[string]string{"Stripe-Signature": sign(payload, secret, time.Now())})
	}
	health := func() healthpb.HealthCheckResponse_ServingStatus {
		h, err := healthpb.NewHealthClient(e.conn).Check(ctx, &healthpb.HealthCheckRequest{})
		if err != nil {
			t.Fatalf("grpc health: %v", err)
		}
		return h.GetStatus()
	}
	if a := delivery(); a.code != 200 {
		t.Fatalf("webhook before the outage: %+v", a)
	}

	pg.Stop(t)
	for name, a := range map[string]answer{
		"webhook delivery": delivery(),
		"JSON read":        e.send("GET", "/v1/subaccounts/"+sub.GetId(), "", nil),
		"JSON create":      e.send("POST", "/v1/subaccounts", `{"name":"Other"}`, nil),
		"readiness":        e.send("GET", "/readyz", "", nil),
	} {
		if a.code != http.StatusServiceUnavailable {
			t.Errorf("%s during the outage: HTTP %d %s, want 503", name, a.code, a.body)
		}
		if name != "readiness" && a.retryAfter == "" {
			t.Errorf("%s during the outage: no Retry-After", name)
		}
	}
	if _, err := e.risk.GetSubaccount(ctx, &idgatev1.GetSubaccountRequest{Id: sub.GetId()}); status.Code(err) != codes.Unavailable {
		t.Errorf("gRPC GetSubaccount during the outage: %v, want Unavailable", err)
	}
	if s := health(); s != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Errorf("grpc health during the outage: %v, want NOT_SERVING", s)
	}
	// Every RPC, called with an empty request, answers Unavailable or finds the request
	// invalid before it needs the database; none answers Internal.
	unavailable := 0
	protoregistry.GlobalFiles.RangeFilesByPackage("idgate.v1", func(f protoreflect.FileDescriptor) bool {
		for i := range f.Services().Len() {
			svc := f.Services().Get(i)
			for j := range svc.Methods().Len() {
				m := svc.Methods().Get(j)
				method := fmt.Sprintf("/%s/%s", svc.FullName(), m.Name())
				err := open.conn.Invoke(ctx, method, dynamicpb.NewMessage(m.Input()), dynamicpb.NewMessage(m.Output()))
				switch status.Code(err) {
				case codes.Unavailable:
					unavailable++
				case codes.OK:
					if method != "/idgate.v1.SandboxService/GetSandbox" { // answers from configuration alone
						t.Errorf("%s during the outage: %v", method, err)
					}
				case codes.Internal, codes.Unknown:
					t.Errorf("%s during the outage: %v", method, err)
				}
			}
		}
		return true
	})
	if unavailable < 5 {
		t.Errorf("only %d RPCs reached the database during the outage; the enumeration is not exercising them", unavailable)
	}

	pg.Start(t)
	testenv.Eventually(t, "/readyz to recover after PostgreSQL's restart", func() bool { return e.send("GET", "/readyz", "", nil).code == 200 })
	if a := delivery(); a.code != 200 {
		t.Errorf("webhook after the outage: %+v", a)
	}
	if a := e.send("POST", "/v1/subaccounts", `{"name":"Other"}`, nil); a.code != 200 {
		t.Errorf("JSON create after the outage: %+v", a)
	}
	if _, err := e.risk.GetSubaccount(ctx, &idgatev1.GetSubaccountRequest{Id: sub.GetId()}); err != nil {
		t.Errorf("gRPC GetSubaccount after the outage: %v", err)
	}
	if s := health(); s != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("grpc health after the outage: %v, want SERVING", s)
	}
	// The deliveries acknowledged before and after the outage are processed.
	for _, id := range []string{"evt_outage_1", "evt_outage_3"} {
		if st := e.waitState(id); st != "ignored" {
			t.Errorf("event %s: %s, want ignored (processed, no handler)", id, st)
		}
	}
}
