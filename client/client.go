// Package client dials idgate over gRPC with what every caller needs: the API key on every
// call, TLS (plaintext only to a loopback address), retries of Unavailable with backoff in
// the service config, and a default deadline.
package client

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
)

// DefaultTimeout is the deadline of a call whose context has none.
const DefaultTimeout = 10 * time.Second

// Client is one connection to idgate and a client per service, all sending the API key.
type Client struct {
	Identity   idgatev1.IdentityServiceClient
	Risk       idgatev1.RiskServiceClient
	Onboarding idgatev1.ConnectOnboardingServiceClient
	Admin      idgatev1.AdminServiceClient
	Webhooks   idgatev1.WebhookServiceClient

	conn *grpc.ClientConn
}

type options struct {
	tls      *tls.Config
	insecure bool
	timeout  time.Duration
	dial     []grpc.DialOption
}

// An Option changes how Dial connects.
type Option func(*options)

// WithTLSConfig sets the TLS configuration (for example a private CA's RootCAs); by default
// the system roots verify the server.
func WithTLSConfig(c *tls.Config) Option { return func(o *options) { o.tls = c } }

// WithInsecure connects without TLS. Dial allows it only for a loopback address (`make run`,
// tests), so the API key never crosses a network in the clear.
func WithInsecure() Option { return func(o *options) { o.insecure = true } }

// WithTimeout replaces DefaultTimeout for calls whose context has no deadline.
func WithTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// WithDialOptions adds gRPC dial options (interceptors, a user agent, …).
func WithDialOptions(opts ...grpc.DialOption) Option {
	return func(o *options) { o.dial = append(o.dial, opts...) }
}

// Dial connects to idgate's gRPC address (host:port) with key (an API key or an operator
// session token) and waits until the connection is ready or ctx ends.
func Dial(ctx context.Context, addr, key string, opts ...Option) (*Client, error) {
	o := options{timeout: DefaultTimeout}
	for _, opt := range opts {
		opt(&o)
	}
	if key == "" {
		return nil, errors.New("client: an API key is required")
	}
	creds := credentials.NewTLS(o.tls)
	if o.insecure {
		if !loopback(addr) {
			return nil, fmt.Errorf("client: refusing to send the API key without TLS to %s: plaintext is only for a loopback address", addr)
		}
		creds = insecure.NewCredentials()
	}
	dial := append([]grpc.DialOption{
		grpc.WithTransportCredentials(creds),
		grpc.WithPerRPCCredentials(apiKey{key: key, tls: !o.insecure}),
		grpc.WithDefaultServiceConfig(ServiceConfig),
		grpc.WithChainUnaryInterceptor(defaultDeadline(o.timeout)),
	}, o.dial...)
	conn, err := grpc.NewClient(addr, dial...)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	if err := ready(ctx, conn); err != nil {
		conn.Close()
		return nil, fmt.Errorf("client: connect to %s: %w", addr, err)
	}
	return &Client{
		Identity:   idgatev1.NewIdentityServiceClient(conn),
		Risk:       idgatev1.NewRiskServiceClient(conn),
		Onboarding: idgatev1.NewConnectOnboardingServiceClient(conn),
		Admin:      idgatev1.NewAdminServiceClient(conn),
		Webhooks:   idgatev1.NewWebhookServiceClient(conn),
		conn:       conn,
	}, nil
}

// Conn is the underlying connection, for health checks or services not listed in Client.
func (c *Client) Conn() *grpc.ClientConn { return c.conn }

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// ServiceConfig is the gRPC service config Dial sets: every idgate method is retried on
// Unavailable (idgate's answer while its database is unreachable, and a lost connection) up
// to 4 attempts, with exponential backoff from 0.2 s to 2 s. idgate's creates are
// idempotent, so this is safe for every method.
var ServiceConfig = `{"methodConfig":[{"name":[` + strings.Join([]string{
	service(idgatev1.IdentityService_ServiceDesc),
	service(idgatev1.RiskService_ServiceDesc),
	service(idgatev1.ConnectOnboardingService_ServiceDesc),
	service(idgatev1.AdminService_ServiceDesc),
	service(idgatev1.WebhookService_ServiceDesc),
}, ",") + `],"retryPolicy":{"maxAttempts":4,"initialBackoff":"0.2s","maxBackoff":"2s","backoffMultiplier":2,"retryableStatusCodes":["UNAVAILABLE"]}}]}`

func service(d grpc.ServiceDesc) string { return fmt.Sprintf(`{"service":%q}`, d.ServiceName) }

// FieldViolations returns the fields an InvalidArgument error names (google.rpc.BadRequest
// in its details), by proto field name; nil for any other error.
func FieldViolations(err error) []*errdetails.BadRequest_FieldViolation {
	st, ok := status.FromError(err)
	if !ok || st.Code() != codes.InvalidArgument {
		return nil
	}
	var out []*errdetails.BadRequest_FieldViolation
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			out = append(out, br.GetFieldViolations()...)
		}
	}
	return out
}

// apiKey sends the key as `authorization: Bearer …` on every call.
type apiKey struct {
	key string
	tls bool
}

func (k apiKey) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + k.key}, nil
}

// RequireTransportSecurity is false only on a connection Dial checked is to loopback.
func (k apiKey) RequireTransportSecurity() bool { return k.tls }

func defaultDeadline(d time.Duration) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if _, ok := ctx.Deadline(); !ok {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, d)
			defer cancel()
		}
		return invoker(ctx, method, req, reply, cc, opts...)
	}
}

// loopback reports whether addr's host is localhost or a loopback IP literal (no DNS: a
// name could resolve elsewhere tomorrow).
func loopback(addr string) bool {
	if i := strings.Index(addr, ":///"); i >= 0 { // a target such as dns:///host:port
		addr = addr[i+len(":///"):]
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func ready(ctx context.Context, conn *grpc.ClientConn) error {
	conn.Connect()
	for {
		s := conn.GetState()
		if s == connectivity.Ready {
			return nil
		}
		if !conn.WaitForStateChange(ctx, s) {
			return fmt.Errorf("%w (connection %s)", ctx.Err(), s)
		}
	}
}
