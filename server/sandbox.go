package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/idgate/idgate/internal/clock"
	"github.com/idgate/idgate/internal/config"
	"github.com/idgate/idgate/internal/sandbox"
)

// localStripe is the sandbox of IDGATE_SANDBOX=on: a stateful local Stripe on its own
// listener, which idgate's Stripe calls go to and whose events come back to idgate's own
// webhook endpoints.
type localStripe struct {
	sb  *sandbox.Sandbox
	lis net.Listener
	srv *http.Server
}

// openSandbox starts listening for the sandbox and returns cfg with Stripe pointed at it.
func openSandbox(cfg config.Config, clk clock.Clock, log *slog.Logger) (*localStripe, config.Config, error) {
	sb, err := sandbox.New(sandbox.Options{StripeMock: cfg.SandboxStripeMock, SecretKey: cfg.StripeSecretKey, Clock: clk, Log: log.With("component", "sandbox")})
	if err != nil {
		return nil, cfg, err
	}
	lis, err := net.Listen("tcp", cfg.SandboxAddr)
	if err != nil {
		sb.Close()
		return nil, cfg, fmt.Errorf("listen on IDGATE_SANDBOX_ADDR %s: %w", cfg.SandboxAddr, err)
	}
	cfg.StripeAPIBase = "http://" + lis.Addr().String()
	cfg.StripeFilesBase = cfg.StripeAPIBase
	log.Info("sandbox: a local Stripe in front of stripe-mock; idgate's Stripe calls go to it", "sandbox_url", cfg.StripeAPIBase, "stripe_mock", cfg.SandboxStripeMock)
	return &localStripe{sb: sb, lis: lis, srv: &http.Server{Handler: sb, ReadHeaderTimeout: 10 * time.Second}}, cfg, nil
}

// sendEventsTo points the sandbox's events at idgate's webhook endpoints on httpAddr.
func (l *localStripe) sendEventsTo(cfg config.Config, httpAddr string) {
	base := "http://" + httpAddr
	if cfg.TLS() {
		base = "https://" + httpAddr
	}
	l.sb.SetWebhooks(sandbox.Webhooks{
		Platform: sandbox.Endpoint{URL: base + "/v1/webhooks/stripe", Secret: cfg.StripeWebhookSecrets[0]},
		Connect:  sandbox.Endpoint{URL: base + "/v1/webhooks/stripe/connect", Secret: cfg.StripeConnectWebhookSecrets[0]},
	})
}

func (l *localStripe) serve() error {
	if err := l.srv.Serve(l.lis); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("sandbox: %w", err)
	}
	return nil
}

func (l *localStripe) shutdown(ctx context.Context) {
	l.sb.Close()
	if err := l.srv.Shutdown(ctx); err != nil {
		l.srv.Close()
	}
}

// SandboxURL is the sandbox's base URL, "" without IDGATE_SANDBOX=on.
func (s *Server) SandboxURL() string {
	if s.sandbox == nil {
		return ""
	}
	return "http://" + s.sandbox.lis.Addr().String()
}
