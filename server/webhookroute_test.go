package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/fullstorydev/grpchan/inprocgrpc"
	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/emptypb"

	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
	"github.com/idgate/idgate/internal/apperr"
)

// scriptedWebhooks answers each delivery by its payload and records what the call carried
// that the real handler and interceptors read.
type scriptedWebhooks struct {
	idgatev1.UnimplementedWebhookServiceServer
	seen []string
	// viaGateway: the last call carried metadata only grpc-gateway adds (X-Forwarded-Host).
	viaGateway bool
}

func (s *scriptedWebhooks) HandleStripeWebhook(ctx context.Context, req *idgatev1.HandleStripeWebhookRequest) (*emptypb.Empty, error) {
	return s.answer(ctx, "platform", req.GetPayload())
}

func (s *scriptedWebhooks) HandleStripeConnectWebhook(ctx context.Context, req *idgatev1.HandleStripeConnectWebhookRequest) (*emptypb.Empty, error) {
	return s.answer(ctx, "connect", req.GetPayload())
}

func (s *scriptedWebhooks) answer(ctx context.Context, ep, payload string) (*emptypb.Empty, error) {
	s.viaGateway = len(metadata.ValueFromIncomingContext(ctx, "x-forwarded-host")) > 0
	s.seen = append(s.seen, fmt.Sprintf("%s %q sig=%q auth=%q request_id=%q client=%s",
		ep, payload, metadata.ValueFromIncomingContext(ctx, "stripe-signature"),
		metadata.ValueFromIncomingContext(ctx, "authorization"), requestID(ctx), clientAddr(ctx)))
	switch payload {
	case "bad":
		return nil, apperr.Invalid("payload", "signature does not match")
	case "busy":
		return nil, exhausted("too many", 7*time.Second)
	case "down":
		return nil, apperr.Unavailable(errors.New("database"), "database unavailable")
	case "boom":
		return nil, errors.New("boom")
	}
	return &emptypb.Empty{}, nil
}

// TestWebhookRoutesAnswerAsTheGateway sends the same requests to the HTTP handler (whose
// webhook routes skip the gateway) and to the gateway alone, over the same in-process
// channel and interceptors, and expects the same answers and the same calls.
func TestWebhookRoutesAnswerAsTheGateway(t *testing.T) {
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	trusted := proxies{netip.MustParsePrefix("10.0.0.0/8")}
	svc := &scriptedWebhooks{}
	conn := (&inprocgrpc.Channel{}).WithServerUnaryInterceptor(chainUnary([]grpc.UnaryServerInterceptor{trusted.unary, unaryRequestID, unaryErrors(log)}))
	idgatev1.RegisterWebhookServiceServer(conn, svc)

	const maxBody = 1 << 10
	handler, err := newHTTPHandler(ctx, conn, prometheus.NewRegistry(), nil, func(context.Context) error { return nil }, maxBody, trusted)
	if err != nil {
		t.Fatal(err)
	}
	gw, err := newGateway(ctx, conn, trusted)
	if err != nil {
		t.Fatal(err)
	}
	gateway := withRequestID(limitBody(maxBody, gw))

	type answer struct {
		Status int
		Header http.Header
		Body   string
		Seen   []string
	}
	send := func(h http.Handler, method, path, body string, header http.Header) answer {
		svc.seen, svc.viaGateway = nil, false
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		r.RemoteAddr = "10.0.0.1:4242"
		for k, v := range header {
			r.Header[k] = v
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		a := answer{Status: w.Code, Header: w.Header(), Body: w.Body.String(), Seen: svc.seen}
		// A request id made for the call differs from call to call: compare where it shows.
		if id := a.Header.Get("X-Request-Id"); id != "" && id != header.Get("X-Request-Id") {
			a.Body = strings.ReplaceAll(a.Body, id, "<made>")
			for k, vs := range a.Header {
				for i := range vs {
					vs[i] = strings.ReplaceAll(vs[i], id, "<made>")
				}
				a.Header[k] = vs
			}
			for i := range a.Seen {
				a.Seen[i] = strings.ReplaceAll(a.Seen[i], id, "<made>")
			}
		}
		return a
	}

	signed := http.Header{"Stripe-Signature": {"t=1,v1=abc"}, "Content-Type": {"application/json"}}
	for _, tc := range []struct {
		name, method, path, body string
		header                   http.Header
	}{
		{"delivered", "POST", "/v1/webhooks/stripe", "ok", signed},
		{"delivered to connect", "POST", "/v1/webhooks/stripe/connect", "ok", signed},
		{"the caller's request id", "POST", "/v1/webhooks/stripe", "ok", http.Header{"X-Request-Id": {"req-from-stripe"}, "Stripe-Signature": {"x"}}},
		{"a malformed request id", "POST", "/v1/webhooks/stripe", "ok", http.Header{"X-Request-Id": {"no spaces allowed"}}},
		{"an api key is passed on", "POST", "/v1/webhooks/stripe", "ok", http.Header{"Authorization": {"Bearer sk_whatever"}}},
		{"through a trusted proxy", "POST", "/v1/webhooks/stripe", "ok", http.Header{"X-Forwarded-For": {"203.0.113.9"}}},
		{"a client-sent client address is not believed", "POST", "/v1/webhooks/stripe", "ok", http.Header{"X-Idgate-Client-Ip": {"198.51.100.1"}}},
		{"no content type", "POST", "/v1/webhooks/stripe", "ok", nil},
		{"empty body", "POST", "/v1/webhooks/stripe", "", signed},
		{"bad signature", "POST", "/v1/webhooks/stripe", "bad", signed},
		{"refused with a retry delay", "POST", "/v1/webhooks/stripe/connect", "busy", signed},
		{"database unavailable", "POST", "/v1/webhooks/stripe", "down", signed},
		{"internal error", "POST", "/v1/webhooks/stripe", "boom", signed},
		{"not UTF-8", "POST", "/v1/webhooks/stripe", "\xff\xfe", signed},
		{"body over the limit", "POST", "/v1/webhooks/stripe", strings.Repeat("x", maxBody+1), signed},
		{"the trailers asked for", "POST", "/v1/webhooks/stripe", "ok", http.Header{"Te": {"trailers"}}},
		{"GET is not a route", "GET", "/v1/webhooks/stripe", "", nil},
		{"a path beyond the route", "POST", "/v1/webhooks/stripe/other", "ok", signed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := send(gateway, tc.method, tc.path, tc.body, tc.header)
			got := send(handler, tc.method, tc.path, tc.body, tc.header)
			if len(got.Seen) > 0 && svc.viaGateway {
				t.Error("the handler sent the delivery through the gateway, not its own route")
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("the handler's answer differs from the gateway's (-gateway +handler):\n%s", diff)
			}
		})
	}
}

type nopWebhooks struct {
	idgatev1.UnimplementedWebhookServiceServer
}

func (nopWebhooks) HandleStripeWebhook(context.Context, *idgatev1.HandleStripeWebhookRequest) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

// BenchmarkWebhookRoute is what translating one delivery costs, the gateway's way and the
// webhook route's, over the same in-process channel to a handler that does nothing.
func BenchmarkWebhookRoute(b *testing.B) {
	ctx := context.Background()
	trusted := proxies{}
	conn := (&inprocgrpc.Channel{}).WithServerUnaryInterceptor(chainUnary([]grpc.UnaryServerInterceptor{trusted.unary, unaryRequestID}))
	idgatev1.RegisterWebhookServiceServer(conn, nopWebhooks{})
	handler, err := newHTTPHandler(ctx, conn, prometheus.NewRegistry(), nil, func(context.Context) error { return nil }, 1<<20, trusted)
	if err != nil {
		b.Fatal(err)
	}
	gw, err := newGateway(ctx, conn, trusted)
	if err != nil {
		b.Fatal(err)
	}
	body := `{"id":"evt_1","object":"event","type":"charge.succeeded","created":1700000000,"livemode":false,"data":{"object":{"id":"ch_1","object":"charge","amount":1000,"currency":"usd","customer":"cus_1","outcome":{"risk_score":12,"risk_level":"normal"}}}}` + strings.Repeat(" ", 1500)
	for name, h := range map[string]http.Handler{"gateway": withRequestID(limitBody(1<<20, gw)), "route": handler} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest("POST", "/v1/webhooks/stripe", strings.NewReader(body))
				r.Header.Set("Stripe-Signature", "t=1700000000,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd")
				r.Header.Set("Content-Type", "application/json; charset=utf-8")
				r.Header.Set("User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)")
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatal(w.Code, w.Body.String())
				}
			}
		})
	}
}
