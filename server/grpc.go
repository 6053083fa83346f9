package server

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"regexp"
	"runtime"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/fullstorydev/grpchan/inprocgrpc"
	grpcprom "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/recovery"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"

	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
)

type services struct {
	admin      *adminServer
	onboarding *onboardingServer
	identity   *identityServer
	risk       *riskServer
	webhook    *webhookServer
	sandbox    *sandboxServer
}

// Bounds on what a connection may cost before anyone is authenticated. grpc-go's defaults
// accept 16 MB of headers per request and unlimited streams: 30 connections sending 12 MB
// headers took a replica from 140 MB to 1.6 GB, which it kept.
const (
	maxHeaderListBytes = 32 << 10 // gRPC metadata per call
	maxStreams         = 250      // concurrent calls per connection
	maxRecvMsgBytes    = 4 << 20  // grpc-go's default, stated
)

var transportLimits = []grpc.ServerOption{
	grpc.MaxHeaderListSize(maxHeaderListBytes),
	grpc.MaxConcurrentStreams(maxStreams),
	grpc.MaxRecvMsgSize(maxRecvMsgBytes),
	grpc.ConnectionTimeout(10 * time.Second),
	// Clients may ping every 10 s, even between calls; more often is a GOAWAY.
	grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 10 * time.Second, PermitWithoutStream: true}),
	grpc.KeepaliveParams(keepalive.ServerParameters{
		MaxConnectionIdle:     5 * time.Minute,  // no call for this long: closed
		MaxConnectionAge:      30 * time.Minute, // then GOAWAY; clients reconnect
		MaxConnectionAgeGrace: time.Minute,      // for calls still running
		Time:                  2 * time.Minute,  // ping a silent connection...
		Timeout:               20 * time.Second, // ...and close it if the ping is not answered
	}),
}

// newGRPCServer builds the gRPC server with the transport limits and, in order, the
// interceptors: the client address (trusted), request ids, logging, metrics,
// authentication and authorisation, panic recovery and the one mapping of domain errors to
// status codes. It also returns the JSON gateway's way in: an in-process channel to the
// same services through the same unary interceptors, so a JSON call costs no HTTP/2 hop.
func newGRPCServer(log *slog.Logger, reg prometheus.Registerer, hs *healthServer, authn *authenticator, limits sessionLimits, svc services, trusted proxies, opts ...grpc.ServerOption) (*grpc.Server, *inprocgrpc.Channel) {
	metrics := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram())
	reg.MustRegister(metrics)
	recoverPanic := recovery.WithRecoveryHandlerContext(func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "panic in handler", "request_id", requestID(ctx), "panic", p)
		return status.Error(codes.Internal, "internal error")
	})
	unary := []grpc.UnaryServerInterceptor{
		trusted.unary,
		unaryRequestID,
		unaryLogging(log),
		metrics.UnaryServerInterceptor(),
		authn.unary,
		limits.unary,
		recovery.UnaryServerInterceptor(recoverPanic),
		unaryErrors(log),
	}
	s := grpc.NewServer(append(append(opts, transportLimits...),
		// Long-lived handler goroutines keep the stacks the SQLite driver grows, instead of
		// growing a fresh one on every call.
		grpc.NumStreamWorkers(uint32(8*runtime.GOMAXPROCS(0))),
		grpc.ChainUnaryInterceptor(unary...),
		grpc.ChainStreamInterceptor(
			trusted.stream,
			metrics.StreamServerInterceptor(),
			authn.stream,
			recovery.StreamServerInterceptor(recoverPanic),
		),
	)...)
	// The gateway serves unary RPCs only (no streaming route in proto/).
	gateway := (&inprocgrpc.Channel{}).WithServerUnaryInterceptor(chainUnary(unary))
	for _, r := range []grpc.ServiceRegistrar{s, gateway} {
		idgatev1.RegisterAdminServiceServer(r, svc.admin)
		idgatev1.RegisterIdentityServiceServer(r, svc.identity)
		idgatev1.RegisterRiskServiceServer(r, svc.risk)
		idgatev1.RegisterWebhookServiceServer(r, svc.webhook)
		idgatev1.RegisterConnectOnboardingServiceServer(r, svc.onboarding)
		idgatev1.RegisterSandboxServiceServer(r, svc.sandbox)
	}
	healthpb.RegisterHealthServer(s, hs)
	reflection.Register(s)
	metrics.InitializeMetrics(s)
	for name := range s.GetServiceInfo() {
		hs.SetServingStatus(name, healthpb.HealthCheckResponse_SERVING)
	}
	return s, gateway
}

// chainUnary runs interceptors in order around a call, as grpc.ChainUnaryInterceptor does
// for the server.
func chainUnary(interceptors []grpc.UnaryServerInterceptor) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		for i := len(interceptors) - 1; i >= 0; i-- {
			next, intercept := handler, interceptors[i]
			handler = func(ctx context.Context, req any) (any, error) { return intercept(ctx, req, info, next) }
		}
		return handler(ctx, req)
	}
}

// call is what the interceptors keep about one call: its request id, and whether its log
// line is dropped. One value in the context for both (the gate's hot path allocates little).
type call struct {
	id    string
	quiet atomic.Bool
}

type callKey struct{}

var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// unaryRequestID takes the caller's x-request-id (the gateway forwards X-Request-Id) or
// makes one, and returns it in the response header.
func unaryRequestID(ctx context.Context, req any, _ *grpc.UnaryServerInfo, next grpc.UnaryHandler) (any, error) {
	id := ""
	if v := metadata.ValueFromIncomingContext(ctx, "x-request-id"); len(v) > 0 && validRequestID.MatchString(v[0]) {
		id = v[0]
	}
	if id == "" {
		id = newRequestID()
	}
	_ = grpc.SetHeader(ctx, metadata.MD{"x-request-id": {id}})
	return next(context.WithValue(ctx, callKey{}, &call{id: id}), req)
}

// newRequestID is cheap: request ids need to be unique enough to find log lines, not secret.
func newRequestID() string {
	return "req_" + strconv.FormatUint(rand.Uint64(), 36) + strconv.FormatUint(rand.Uint64(), 36)
}

func callOf(ctx context.Context) *call {
	c, _ := ctx.Value(callKey{}).(*call)
	return c
}

func requestID(ctx context.Context) string {
	if c := callOf(ctx); c != nil {
		return c.id
	}
	return ""
}

// unaryLogging writes one line per call: method, code, duration, request id. Requests and
// responses are never logged: they hold personal data. It runs inside unaryRequestID.
func unaryLogging(log *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, next grpc.UnaryHandler) (any, error) {
		start := time.Now()
		resp, err := next(ctx, req)
		if c := callOf(ctx); c != nil && c.quiet.Load() {
			return resp, err
		}
		code := status.Code(err)
		level := slog.LevelInfo
		switch code {
		case codes.Internal, codes.Unknown, codes.DataLoss:
			level = slog.LevelError
		case codes.Unavailable, codes.DeadlineExceeded:
			level = slog.LevelWarn
		}
		if !log.Enabled(ctx, level) {
			return resp, err
		}
		log.LogAttrs(ctx, level, "rpc",
			slog.String("method", info.FullMethod),
			slog.String("code", code.String()),
			slog.Duration("duration", time.Since(start)),
			slog.String("request_id", requestID(ctx)))
		return resp, err
	}
}

// quietCall drops the call's log line: its handler logs a summary of calls like it instead
// (a flood of them must not be a flood of lines).
func quietCall(ctx context.Context) {
	if c := callOf(ctx); c != nil {
		c.quiet.Store(true)
	}
}

// healthServer answers grpc.health.v1 from a database ping, so a replica that lost its
// database stops receiving traffic.
type healthServer struct {
	*health.Server
	ping     func(context.Context) error
	shutdown atomic.Bool
}

func newHealthServer(ping func(context.Context) error) *healthServer {
	return &healthServer{Server: health.NewServer(), ping: ping}
}

func (h *healthServer) Check(ctx context.Context, req *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	resp, err := h.Server.Check(ctx, req)
	if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		return resp, err
	}
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if h.ping(pctx) != nil {
		return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_NOT_SERVING}, nil
	}
	return resp, nil
}

func (h *healthServer) Shutdown() {
	h.shutdown.Store(true)
	h.Server.Shutdown()
}

func (h *healthServer) shuttingDown() bool { return h.shutdown.Load() }
