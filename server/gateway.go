package server

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/idgate/idgate/console"
	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
	"github.com/idgate/idgate/internal/auth"
)

// newHTTPHandler serves the JSON gateway (over conn, the in-process channel to our gRPC
// services through the server's interceptors) beside the HTTP-only routes: /healthz, /readyz, /metrics and
// the console's static files at /console/ (/ and /console redirect there), the webhook
// endpoints' routes serving the gateway's answers without it (webhookRoutes). Each call
// carries the HTTP client's address as trusted resolves it.
func newHTTPHandler(ctx context.Context, conn grpc.ClientConnInterface, metrics *prometheus.Registry, metricsKeys *auth.Keys, ready func(context.Context) error, maxBody int64, trusted proxies) (http.Handler, error) {
	gw, err := newGateway(ctx, conn, trusted)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := ready(ctx); err != nil {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.Handle("GET /metrics", adminOnly(metricsKeys, promhttp.HandlerFor(metrics, promhttp.HandlerOpts{})))
	mux.Handle(console.Prefix, console.Handler())
	mux.Handle("GET /console", http.RedirectHandler(console.Prefix, http.StatusMovedPermanently))
	mux.Handle("GET /{$}", http.RedirectHandler(console.Prefix, http.StatusFound))
	if err := webhookRoutes(mux, gw, conn, trusted); err != nil {
		return nil, err
	}
	mux.Handle("/", gw)
	return withRequestID(limitBody(maxBody, mux)), nil
}

// newGateway is the JSON gateway over conn.
func newGateway(ctx context.Context, conn grpc.ClientConnInterface, trusted proxies) (*runtime.ServeMux, error) {
	jsonpb := &runtime.JSONPb{
		MarshalOptions:   protojson.MarshalOptions{UseProtoNames: true, EmitUnpopulated: true},
		UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: false},
	}
	gw := runtime.NewServeMux(
		runtime.WithMarshalerOption(runtime.MIMEWildcard, rawBodyMarshaler{jsonpb}),
		runtime.WithIncomingHeaderMatcher(incomingHeader),
		runtime.WithErrorHandler(retryAfter),
		runtime.WithRoutingErrorHandler(noRoute),
		runtime.WithMetadata(func(_ context.Context, r *http.Request) metadata.MD {
			return metadata.Pairs(clientIPKey, trusted.httpClientIP(r))
		}),
	)
	for _, err := range []error{
		idgatev1.RegisterAdminServiceHandlerClient(ctx, gw, idgatev1.NewAdminServiceClient(conn)),
		idgatev1.RegisterConnectOnboardingServiceHandlerClient(ctx, gw, idgatev1.NewConnectOnboardingServiceClient(conn)),
		idgatev1.RegisterIdentityServiceHandlerClient(ctx, gw, idgatev1.NewIdentityServiceClient(conn)),
		idgatev1.RegisterRiskServiceHandlerClient(ctx, gw, idgatev1.NewRiskServiceClient(conn)),
		idgatev1.RegisterSandboxServiceHandlerClient(ctx, gw, idgatev1.NewSandboxServiceClient(conn)),
		idgatev1.RegisterWebhookServiceHandlerClient(ctx, gw, idgatev1.NewWebhookServiceClient(conn)),
	} {
		if err != nil {
			return nil, fmt.Errorf("register gateway: %w", err)
		}
	}
	return gw, nil
}

// adminOnly guards an HTTP-only route with an admin key; with keys nil the route is open.
func adminOnly(keys *auth.Keys, next http.Handler) http.Handler {
	if keys == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if a, err := keys.Authenticate(r.Context(), key); err != nil || a.Role != auth.RoleAdmin {
			http.Error(w, "an admin API key is required", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// retryAfter adds Retry-After to answers that carry a RetryInfo, and to every Unavailable
// (HTTP 503), then writes the error as the gateway does (ResourceExhausted is HTTP 429).
func retryAfter(ctx context.Context, mux *runtime.ServeMux, m runtime.Marshaler, w http.ResponseWriter, r *http.Request, err error) {
	if st, ok := status.FromError(err); ok {
		if st.Code() == codes.Unavailable {
			w.Header().Set("Retry-After", strconv.Itoa(int(unavailableRetry.Seconds())))
		}
		for _, d := range st.Details() {
			if ri, ok := d.(*errdetails.RetryInfo); ok {
				w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(ri.GetRetryDelay().AsDuration().Seconds()))))
			}
		}
	}
	// Errors leave out what is unset (no "localized_message": null in a field violation).
	runtime.DefaultHTTPErrorHandler(ctx, mux, errorJSON, w, r, err)
}

var errorJSON = &runtime.JSONPb{MarshalOptions: protojson.MarshalOptions{UseProtoNames: true}}

// noRoute answers a method and path no route serves with 404 and a message that says so,
// which a client tells from a missing resource (also 404) by it and by the ErrorInfo's
// reason. (The gateway's own answer to a path that serves other methods is 501.)
func noRoute(ctx context.Context, mux *runtime.ServeMux, m runtime.Marshaler, w http.ResponseWriter, r *http.Request, httpStatus int) {
	if httpStatus != http.StatusNotFound && httpStatus != http.StatusMethodNotAllowed {
		runtime.DefaultRoutingErrorHandler(ctx, mux, m, w, r, httpStatus)
		return
	}
	path := r.URL.Path
	if len(path) > 200 {
		path = path[:200] + "…"
	}
	st := status.New(codes.NotFound, fmt.Sprintf("no route for %s %s", r.Method, strings.ToValidUTF8(path, "?")))
	if d, err := st.WithDetails(&errdetails.ErrorInfo{Reason: "NO_ROUTE", Domain: "idgate"}); err == nil {
		st = d
	}
	retryAfter(ctx, mux, m, w, r, st.Err())
}

// rawBodyMarshaler is the gateway's JSON marshaler, except that a body bound to a string
// field (the webhooks' payload) receives the body's exact bytes. The stock decoder would
// parse the body as a JSON string, and the webhook signature is over those bytes.
type rawBodyMarshaler struct{ *runtime.JSONPb }

func (m rawBodyMarshaler) NewDecoder(r io.Reader) runtime.Decoder {
	return runtime.DecoderFunc(func(v any) error {
		if s, ok := v.(*string); ok {
			data, err := io.ReadAll(r)
			if err == nil && !utf8.Valid(data) {
				return status.Error(codes.InvalidArgument, "payload: the body is not UTF-8 JSON")
			}
			*s = string(data)
			return err
		}
		return m.JSONPb.NewDecoder(r).Decode(v)
	})
}

// incomingHeader forwards the headers handlers need, besides the gateway's defaults, and
// never one that would pose as the gateway's client address.
func incomingHeader(key string) (string, bool) {
	switch k := strings.ToLower(key); k {
	case "stripe-signature", "x-request-id":
		return k, true
	}
	md, ok := runtime.DefaultHeaderMatcher(key)
	return md, ok && !strings.EqualFold(md, clientIPKey)
}

// The HTTP listener's bounds before authentication, as on the gRPC port: headers (HTTP/1.1
// and HTTP/2 alike) well under what the gateway may forward to gRPC, and HTTP/2 streams and
// frames per connection.
const maxHTTPHeaderBytes = 16 << 10

// newHTTPServer serves handler within those bounds.
func newHTTPServer(handler http.Handler) *http.Server {
	return &http.Server{
		Handler:           handler,
		MaxHeaderBytes:    maxHTTPHeaderBytes,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		IdleTimeout:       2 * time.Minute,
		HTTP2:             &http.HTTP2Config{MaxConcurrentStreams: maxStreams, MaxReadFrameSize: 64 << 10},
		TLSConfig:         &tls.Config{MinVersion: tls.VersionTLS12},
	}
}

// limitBody answers 413 to bodies over max bytes and cuts off those that lie about it.
func limitBody(max int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > max {
			http.Error(w, fmt.Sprintf(`{"code":8,"message":"request body is larger than %d bytes"}`, max), http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, max)
		next.ServeHTTP(w, r)
	})
}

// withRequestID gives every HTTP request an X-Request-Id (the caller's, if well-formed),
// echoes it in the response and hands it to the gRPC call through the gateway.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !validRequestID.MatchString(id) {
			id = newRequestID()
			r.Header.Set("X-Request-Id", id)
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r)
	})
}
