package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"

	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
	"github.com/idgate/idgate/internal/clock"
	"github.com/idgate/idgate/internal/testenv"
	"github.com/idgate/idgate/server"
)

// badKeyOverHTTP sends a guessed key through the gateway with extra headers and returns
// the status.
func (e *env) badKeyOverHTTP(t *testing.T, header map[string]string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", e.base+"/v1/customers/cust_any", nil)
	req.Header.Set("Authorization", "Bearer idg_test_guess")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestFailedAuthenticationsKeyedOnTheRealAddress: a caller that writes its own
// X-Forwarded-For (or the header that would pose as the gateway's) is still limited by
// the address it connects from; a trusted proxy's forwarded address is believed.
func TestFailedAuthenticationsKeyedOnTheRealAddress(t *testing.T) {
	const threshold = 5
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			t.Run("untrusted peer", func(t *testing.T) {
				clk := &clock.Fake{}
				e := start(t, testConfig(t, db.URL, map[string]string{"IDGATE_LIMIT_AUTH_FAILURES_PER_MINUTE": fmt.Sprint(threshold)}), server.Options{Clock: clk})
				for _, forge := range []struct {
					name   string
					header func(i int) map[string]string
				}{
					{"X-Forwarded-For", func(i int) map[string]string {
						return map[string]string{"X-Forwarded-For": fmt.Sprintf("192.0.2.%d", i)}
					}},
					{"the gateway's own header", func(i int) map[string]string {
						return map[string]string{"Grpc-Metadata-X-Idgate-Client-Ip": fmt.Sprintf("192.0.2.%d", i)}
					}},
				} {
					t.Run(forge.name, func(t *testing.T) {
						clk.Advance(time.Minute) // a fresh allowance
						for i := range threshold {
							if code := e.badKeyOverHTTP(t, forge.header(i)); code != http.StatusUnauthorized {
								t.Fatalf("guess %d: HTTP %d, want 401", i+1, code)
							}
						}
						if code := e.badKeyOverHTTP(t, forge.header(threshold)); code != http.StatusTooManyRequests {
							t.Fatalf("guess %d with yet another forwarded address: HTTP %d, want 429", threshold+1, code)
						}
					})
				}
				t.Run("gRPC metadata", func(t *testing.T) {
					clk.Advance(time.Minute)
					bad := idgatev1.NewIdentityServiceClient(dial(t, e.grpcAddr, "idg_test_guess"))
					var err error
					for i := range threshold + 1 {
						ctx := metadata.AppendToOutgoingContext(context.Background(), "x-forwarded-for", fmt.Sprintf("192.0.2.%d", i), "x-idgate-client-ip", fmt.Sprintf("198.51.100.%d", i))
						if _, err = bad.GetCustomer(ctx, &idgatev1.GetCustomerRequest{Id: "cust_any"}); i < threshold && status.Code(err) != codes.Unauthenticated {
							t.Fatalf("guess %d: %v, want Unauthenticated", i+1, err)
						}
					}
					if status.Code(err) != codes.ResourceExhausted {
						t.Fatalf("guess %d: %v, want ResourceExhausted", threshold+1, err)
					}
				})
			})

			t.Run("trusted proxy", func(t *testing.T) {
				e := start(t, testConfig(t, db.URL, map[string]string{
					"IDGATE_LIMIT_AUTH_FAILURES_PER_MINUTE": fmt.Sprint(threshold),
					"IDGATE_TRUSTED_PROXIES":                "127.0.0.0/8",
				}))
				for i := range 3 * threshold { // the proxy's clients are told apart
					if code := e.badKeyOverHTTP(t, map[string]string{"X-Forwarded-For": fmt.Sprintf("192.0.2.%d", i)}); code != http.StatusUnauthorized {
						t.Fatalf("client %d: HTTP %d, want 401", i, code)
					}
				}
				// One client, whatever it writes to the left of what the proxy saw.
				for i := range threshold {
					if code := e.badKeyOverHTTP(t, map[string]string{"X-Forwarded-For": fmt.Sprintf("10.9.9.%d, 203.0.113.7", i)}); code != http.StatusUnauthorized {
						t.Fatalf("guess %d: HTTP %d, want 401", i+1, code)
					}
				}
				if code := e.badKeyOverHTTP(t, map[string]string{"X-Forwarded-For": "10.9.9.99, 203.0.113.7"}); code != http.StatusTooManyRequests {
					t.Fatalf("guess %d from the proxy's client 203.0.113.7: HTTP %d, want 429", threshold+1, code)
				}
				if code := e.badKeyOverHTTP(t, map[string]string{"X-Forwarded-For": "203.0.113.8"}); code != http.StatusUnauthorized {
					t.Fatalf("another client of the proxy: HTTP %d, want 401 (not limited with its neighbour)", code)
				}
			})
		})
	}
}

// TestBadSignatureFlood: deliveries with bad signatures are answered 400 up to the limit,
// then 429; the flood is one log line per address and minute with a count, and a counter
// on /metrics. A delivery with a good signature from the same address still gets in.
func TestBadSignatureFlood(t *testing.T) {
	const threshold, flood = 3, 200
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			clk := &clock.Fake{}
			logs := &testenv.Buffer{}
			e := startLogging(t, testConfig(t, db.URL, map[string]string{
				"IDGATE_LIMIT_WEBHOOK_BAD_SIGNATURES_PER_MINUTE": fmt.Sprint(threshold),
				"IDGATE_LOG_LEVEL": "info",
			}), logs, server.Options{Clock: clk})
			payload := stripeEvent("evt_flood", "customer.created", "2023-10-16", `{"id":"cus_1","object":"customer"}`)
			forged := sign(payload, "whsec_not_ours", time.Now())
			linesBefore := len(logs.Lines(""))
			codes := map[int]int{}
			for i := range flood {
				code, _ := e.deliver("/v1/webhooks/stripe", payload, forged)
				codes[code]++
				if i < threshold && code != http.StatusBadRequest {
					t.Fatalf("bad delivery %d: HTTP %d, want 400", i+1, code)
				}
			}
			if codes[http.StatusTooManyRequests] != flood-threshold {
				t.Fatalf("answers to %d bad deliveries: %v, want %d × 400 then 429", flood, codes, threshold)
			}
			if code, body := e.deliver("/v1/webhooks/stripe", payload, sign(payload, secret, time.Now())); code != http.StatusOK {
				t.Fatalf("a good delivery from the flooding address: HTTP %d %s, want 200", code, body)
			}
			summaries := logs.Lines("webhook deliveries failed verification")
			if len(summaries) != 1 || !strings.Contains(summaries[0], "count=1") || !strings.Contains(summaries[0], "client_addr=127.0.0.1") {
				t.Fatalf("log lines about the flood: %q, want one, for 127.0.0.1, counting 1", summaries)
			}
			if n := len(logs.Lines("")) - linesBefore; n > 5 {
				t.Fatalf("the flood wrote %d log lines:\n%s", n, strings.Join(logs.Lines("")[linesBefore:], "\n"))
			}

			clk.Advance(time.Minute)
			if code, _ := e.deliver("/v1/webhooks/stripe", payload, forged); code != http.StatusBadRequest {
				t.Fatalf("a bad delivery a minute later: HTTP %d, want 400", code)
			}
			summaries = logs.Lines("webhook deliveries failed verification")
			if len(summaries) != 2 || !strings.Contains(summaries[1], fmt.Sprintf("count=%d", flood)) {
				t.Fatalf("log lines a minute later: %q, want a second one counting the %d since the first", summaries, flood)
			}

			resp, err := http.Get(e.base + "/metrics")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			want := fmt.Sprintf(`idgate_webhook_bad_signatures_total{endpoint="platform"} %d`, flood+1)
			if !strings.Contains(string(body), want) {
				t.Fatalf("/metrics has no %q:\n%s", want, regexp.MustCompile(`(?m)^idgate_webhook.*$`).FindAllString(string(body), -1))
			}
		})
	}
}

// listServices asks reflection for the services, as `grpcurl list` does.
func listServices(ctx context.Context, c reflectionpb.ServerReflectionClient) ([]string, error) {
	stream, err := c.ServerReflectionInfo(ctx)
	if err != nil {
		return nil, err
	}
	if err := stream.Send(&reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}}); err != nil {
		return nil, err
	}
	r, err := stream.Recv()
	if err != nil {
		return nil, err
	}
	var names []string
	for _, s := range r.GetListServicesResponse().GetService() {
		names = append(names, s.Name)
	}
	return names, nil
}

// TestHealthAndReflectionNeedNoKey: what `grpcurl -plaintext host:port list` and
// `grpcurl … grpc.health.v1.Health/Check` do works without a key; a setting puts
// reflection behind an admin key, never health.
func TestHealthAndReflectionNeedNoKey(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			ctx := context.Background()
			e := start(t, testConfig(t, db.URL, nil))
			anon := dial(t, e.grpcAddr, "")
			if h, err := healthpb.NewHealthClient(anon).Check(ctx, &healthpb.HealthCheckRequest{}); err != nil || h.Status != healthpb.HealthCheckResponse_SERVING {
				t.Fatalf("health without a key: %v %v", h, err)
			}
			names, err := listServices(ctx, reflectionpb.NewServerReflectionClient(anon))
			if err != nil || !strings.Contains(strings.Join(names, " "), "idgate.v1.IdentityService") {
				t.Fatalf("reflection without a key: %v %v", names, err)
			}

			locked := start(t, testConfig(t, db.URL, map[string]string{"IDGATE_REFLECTION_REQUIRE_KEY": "true"}))
			anon = dial(t, locked.grpcAddr, "")
			if _, err := listServices(ctx, reflectionpb.NewServerReflectionClient(anon)); status.Code(err) != codes.Unauthenticated {
				t.Fatalf("reflection without a key when it needs one: %v, want Unauthenticated", err)
			}
			sub, err := locked.risk.CreateSubaccount(ctx, &idgatev1.CreateSubaccountRequest{Name: "reflection"})
			if err != nil {
				t.Fatal(err)
			}
			service := dial(t, locked.grpcAddr, locked.newKey(t, "service", sub.Id))
			if _, err := listServices(ctx, reflectionpb.NewServerReflectionClient(service)); status.Code(err) != codes.PermissionDenied {
				t.Fatalf("reflection with a service key: %v, want PermissionDenied (admin only)", err)
			}
			if _, err := listServices(ctx, reflectionpb.NewServerReflectionClient(locked.conn)); err != nil {
				t.Fatalf("reflection with the admin key: %v", err)
			}
			if _, err := healthpb.NewHealthClient(anon).Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
				t.Fatalf("health without a key when reflection needs one: %v", err)
			}
		})
	}
}
