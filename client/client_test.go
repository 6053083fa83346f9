package client_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/idgate/idgate/client"
	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
	"github.com/idgate/idgate/internal/config"
	"github.com/idgate/idgate/internal/testenv"
	"github.com/idgate/idgate/server"
)

const adminKey = "idg_test_go_client_bootstrap_key"

// startIdgate runs a real idgate on loopback and returns its gRPC address.
func startIdgate(t *testing.T, dbURL string) string {
	t.Helper()
	vars := map[string]string{
		"DATABASE_URL":             dbURL,
		"IDGATE_GRPC_ADDR":         "127.0.0.1:0",
		"IDGATE_HTTP_ADDR":         "127.0.0.1:0",
		"STRIPE_API_BASE":          testenv.StripeMock(t),
		"STRIPE_WEBHOOK_SECRET":    "whsec_go_client_test",
		"IDGATE_BOOTSTRAP_API_KEY": adminKey,
		"IDGATE_DATA_KEYS":         "a:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
		"IDGATE_LOG_LEVEL":         "warn",
	}
	cfg, err := config.FromEnv(func(k string) string { return vars[k] })
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := server.New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return srv.GRPCAddr()
}

func dial(t *testing.T, addr, key string, opts ...client.Option) *client.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, addr, key, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestAgainstServer: the key is sent, calls work, and bad input comes back as field
// violations. SQLite only: the client is transport; storage is the server tests' concern.
func TestAgainstServer(t *testing.T) {
	addr := startIdgate(t, "sqlite:"+filepath.Join(t.TempDir(), "idgate.db"))
	c := dial(t, addr, adminKey, client.WithInsecure())
	ctx := context.Background()

	sub, err := c.Risk.CreateSubaccount(ctx, &idgatev1.CreateSubaccountRequest{Name: "Go Rides", IdentityVerificationMode: "risk_based"})
	if err != nil {
		t.Fatalf("CreateSubaccount: %v", err)
	}
	threshold := int32(150)
	_, err = c.Risk.UpdateSubaccount(ctx, &idgatev1.UpdateSubaccountRequest{Id: sub.Id, IdentityVerificationRiskThreshold: &threshold})
	if status.Code(err) != codes.InvalidArgument {
		t.Fatalf("threshold 150: got %v, want InvalidArgument", err)
	}
	v := client.FieldViolations(err)
	if len(v) != 1 || v[0].GetField() != "identity_verification_risk_threshold" {
		t.Fatalf("field violations = %v, want one for identity_verification_risk_threshold", v)
	}

	stranger := dial(t, addr, "idg_test_not_a_key", client.WithInsecure())
	if _, err := stranger.Risk.GetSubaccount(ctx, &idgatev1.GetSubaccountRequest{Id: sub.Id}); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("unknown key: got %v, want Unauthenticated", err)
	}
}

func TestDialRefusesPlaintextOffLoopback(t *testing.T) {
	for _, addr := range []string{"idgate.example.com:50051", "192.0.2.8:50051", "dns:///idgate.internal:443", "localhost.example.com:1"} {
		if _, err := client.Dial(context.Background(), addr, adminKey, client.WithInsecure()); err == nil || !strings.Contains(err.Error(), "without TLS") {
			t.Errorf("Dial(%s, WithInsecure) = %v, want a refusal", addr, err)
		}
	}
}

// fakeRisk is a RiskService that fails its first failures calls with Unavailable and
// records what each call carried.
type fakeRisk struct {
	idgatev1.UnimplementedRiskServiceServer
	failures int

	mu        sync.Mutex
	calls     int
	auth      []string
	deadlines []time.Duration
}

func (f *fakeRisk) GetSubaccount(ctx context.Context, r *idgatev1.GetSubaccountRequest) (*idgatev1.Subaccount, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	md, _ := metadata.FromIncomingContext(ctx)
	f.auth = append(f.auth, strings.Join(md.Get("authorization"), ","))
	if d, ok := ctx.Deadline(); ok {
		f.deadlines = append(f.deadlines, time.Until(d))
	}
	if f.calls <= f.failures {
		return nil, status.Error(codes.Unavailable, "database unreachable")
	}
	return &idgatev1.Subaccount{Id: r.Id}, nil
}

// serve runs f on a loopback gRPC server (TLS when creds is set) and returns its address.
func serve(t *testing.T, f *fakeRisk, opts ...grpc.ServerOption) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer(opts...)
	idgatev1.RegisterRiskServiceServer(s, f)
	go s.Serve(lis)
	t.Cleanup(s.Stop)
	return lis.Addr().String()
}

func TestRetriesUnavailableWithDefaultDeadline(t *testing.T) {
	f := &fakeRisk{failures: 2}
	c := dial(t, serve(t, f), "idg_test_k", client.WithInsecure(), client.WithTimeout(3*time.Second))

	got, err := c.Risk.GetSubaccount(context.Background(), &idgatev1.GetSubaccountRequest{Id: "sub_1"})
	if err != nil {
		t.Fatalf("two Unavailable answers then success: got %v", err)
	}
	if got.Id != "sub_1" || f.calls != 3 {
		t.Fatalf("got %v after %d attempts, want sub_1 after 3", got, f.calls)
	}
	for i, a := range f.auth {
		if a != "Bearer idg_test_k" {
			t.Errorf("attempt %d authorization = %q", i+1, a)
		}
	}
	// Retries share the call's deadline: the first attempt sees ~3 s, none more.
	if len(f.deadlines) != 3 || f.deadlines[0] > 3*time.Second || f.deadlines[0] < 2*time.Second {
		t.Fatalf("deadlines seen by the server = %v, want 3 within the default 3 s", f.deadlines)
	}

	// A caller's own deadline wins over the default.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c.Risk.GetSubaccount(ctx, &idgatev1.GetSubaccountRequest{Id: "sub_1"}); err != nil {
		t.Fatal(err)
	}
	if d := f.deadlines[len(f.deadlines)-1]; d < 20*time.Second {
		t.Fatalf("caller's 30 s deadline arrived as %v", d)
	}
}

func TestGivesUpAfterFourAttempts(t *testing.T) {
	f := &fakeRisk{failures: 100}
	c := dial(t, serve(t, f), "idg_test_k", client.WithInsecure())
	_, err := c.Risk.GetSubaccount(context.Background(), &idgatev1.GetSubaccountRequest{Id: "sub_1"})
	if status.Code(err) != codes.Unavailable || f.calls != 4 {
		t.Fatalf("got %v after %d attempts, want Unavailable after 4", err, f.calls)
	}
}

// TestTLS: with TLS the key goes to any host the certificate names; the server is verified.
func TestTLS(t *testing.T) {
	h := httptest.NewUnstartedServer(nil) // only for its certificate: 127.0.0.1 and example.com
	h.StartTLS()
	cert := h.TLS.Certificates[0]
	pool := x509.NewCertPool()
	pool.AddCert(h.Certificate())
	h.Close()

	f := &fakeRisk{}
	addr := serve(t, f, grpc.Creds(credentials.NewServerTLSFromCert(&cert)))
	c := dial(t, addr, "idg_test_k", client.WithTLSConfig(&tls.Config{RootCAs: pool, ServerName: "example.com"}))
	if _, err := c.Risk.GetSubaccount(context.Background(), &idgatev1.GetSubaccountRequest{Id: "sub_1"}); err != nil {
		t.Fatalf("over TLS: %v", err)
	}
	if f.auth[0] != "Bearer idg_test_k" {
		t.Fatalf("authorization = %q", f.auth[0])
	}

	// An untrusted certificate never gets the connection ready.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := client.Dial(ctx, addr, "idg_test_k"); err == nil {
		t.Fatal("Dial trusted a certificate the system roots do not")
	}
}
