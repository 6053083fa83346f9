// Package server is the idgate process: it wires the domain packages to gRPC, the JSON
// gateway, health, metrics and the job queue, and runs them until its context ends.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/fullstorydev/grpchan/inprocgrpc"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/riverqueue/river"
	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/idgate/idgate/internal/audit"
	"github.com/idgate/idgate/internal/auth"
	"github.com/idgate/idgate/internal/clock"
	"github.com/idgate/idgate/internal/config"
	"github.com/idgate/idgate/internal/identity"
	"github.com/idgate/idgate/internal/jobs"
	"github.com/idgate/idgate/internal/kyc"
	"github.com/idgate/idgate/internal/limit"
	"github.com/idgate/idgate/internal/notify"
	"github.com/idgate/idgate/internal/onboarding"
	"github.com/idgate/idgate/internal/pii"
	"github.com/idgate/idgate/internal/review"
	"github.com/idgate/idgate/internal/risk"
	"github.com/idgate/idgate/internal/stepup"
	"github.com/idgate/idgate/internal/store"
	"github.com/idgate/idgate/internal/stripe"
	"github.com/idgate/idgate/internal/tenant"
	"github.com/idgate/idgate/internal/webhook"
)

// Server is one idgate replica. Replicas share nothing but the database.
type Server struct {
	cfg     config.Config
	log     *slog.Logger
	store   *store.Store
	jobs    *jobs.Client
	grpc    *grpc.Server
	http    *http.Server
	health  *healthServer
	grpcLis net.Listener
	httpLis net.Listener
	runJobs bool
	gate    *identity.Service // the gate's in-process state follows the change feed while serving
	events  *webhook.Registry
	sandbox *localStripe // IDGATE_SANDBOX=on
}

// WebhookEventTypes lists the Stripe event types that have a handler.
func (s *Server) WebhookEventTypes() []string { return s.events.Types() }

// Options adjust a Server beyond its configuration; tests use them.
type Options struct {
	// RunJobs works background jobs in this process (the default). When false, jobs are
	// stored for another replica to work.
	RunJobs *bool
	// NoAuth serves without API keys. Only benchmarks use it, to measure what
	// authentication costs; configuration cannot turn authentication off.
	NoAuth bool
	// Clock is the time the domain rules read (retention, expiry, rate limits, key
	// caches, reconciliation); the system clock by default. Tests advance a clock.Fake
	// instead of sleeping. The job queue's own scheduling keeps real time.
	Clock clock.Clock
}

// NewLogger returns the process logger: JSON (or text) on w at the configured level.
func NewLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// New opens the database, applies migrations, and binds both listeners, so that when it
// returns the addresses are known and the process is ready to Run.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, opts ...Options) (s *Server, err error) {
	runJobs, noAuth := true, false
	var clk clock.Clock = clock.Real{}
	for _, o := range opts {
		if o.RunJobs != nil {
			runJobs = *o.RunJobs
		}
		noAuth = noAuth || o.NoAuth
		if o.Clock != nil {
			clk = o.Clock
		}
	}
	s = &Server{cfg: cfg, log: log, runJobs: runJobs}
	defer func(s *Server) { // s itself is nil by the time an error returns
		if err != nil {
			s.close()
		}
	}(s)

	if s.store, err = store.Open(ctx, cfg.DatabaseURL, cfg.DBMaxConns); err != nil {
		return nil, err
	}
	if cfg.MigrateOnRun {
		if err = s.store.Migrate(ctx, log); err != nil {
			return nil, err
		}
	}
	// Every create and update of an audited entity is logged in the same transaction, and
	// every write of personal data is sealed.
	cipher, err := dataCipher(cfg, log)
	if err != nil {
		return nil, err
	}
	s.store.Ent.Use(audit.Hook, pii.Hook(cipher, clk))
	if cfg.Sandbox {
		if s.sandbox, cfg, err = openSandbox(cfg, clk, log); err != nil {
			return nil, err
		}
		s.cfg = cfg
	}
	if !cfg.StripeConfigured() {
		log.Warn("Stripe is not configured: calls that need Stripe answer Unavailable; set STRIPE_SECRET_KEY, or STRIPE_API_BASE to a stripe-mock")
	}
	if len(cfg.StripeWebhookSecrets) == 0 {
		log.Warn("STRIPE_WEBHOOK_SECRET is not set: the Stripe webhook endpoint rejects every delivery")
	}

	// Domain services.
	stripeClient := stripe.New(stripe.Config{SecretKey: cfg.StripeSecretKey, APIBase: cfg.StripeAPIBase, FilesBase: cfg.StripeFilesBase}, log)
	registry := webhook.NewRegistry()
	s.events = registry
	// Webhook deliveries, and the outcomes of their processing, are committed in batches.
	batching := webhook.Batching{Window: cfg.WebhookBatchWindow, Max: cfg.WebhookBatchMax, Writers: cfg.WebhookBatchWriters}
	workers := river.NewWorkers()
	river.AddWorker(workers, webhook.NewProcessor(s.store, registry, log, batching))
	periodic := []jobs.Periodic{{Every: cfg.ReconcileEvery, Args: identity.ReconcileArgs{}}, {Every: time.Hour, Args: stepup.SweepArgs{}}, {Every: 10 * time.Minute, Args: identity.GatePruneArgs{}}}
	if cfg.Retention > 0 {
		periodic = append(periodic, jobs.Periodic{Every: time.Hour, Args: pii.RetentionArgs{}})
	}
	s.jobs, err = jobs.New(s.store, workers, jobs.Options{
		Work: runJobs, Workers: cfg.JobWorkers, PollInterval: cfg.JobPollInterval, RetryBase: cfg.JobRetryBase, Timeout: cfg.JobTimeout,
		Periodic: periodic,
	}, log)
	if err != nil {
		return nil, fmt.Errorf("job queue: %w", err)
	}
	intake := webhook.NewIntake(s.store, s.jobs, map[webhook.Endpoint][]string{
		webhook.EndpointPlatform: cfg.StripeWebhookSecrets,
		webhook.EndpointConnect:  cfg.StripeConnectWebhookSecrets,
	}, cfg.WebhookTolerance, cfg.WebhookMaxAttempts, batching)
	customers := identity.NewService(s.store, cipher, stripeClient, s.jobs, notify.NewOutbox(s.jobs), clk, log)
	customers.CacheGate(cfg.GateCacheSize)
	s.gate = customers
	subaccounts := tenant.NewService(s.store, s.jobs)
	signals := risk.NewService(s.store, cipher, subaccounts, clk, log)
	customers.AlsoRedact(signals.Forget)
	keys := auth.NewKeys(s.store, strings.HasPrefix(cfg.StripeSecretKey, "sk_live_"), clk, cfg.SessionTTL, log)
	if cfg.BootstrapAPIKey != "" {
		if err = keys.EnsureBootstrap(ctx, cfg.BootstrapAPIKey); err != nil {
			return nil, fmt.Errorf("bootstrap API key: %w", err)
		}
	}

	// Workers and webhook handlers of each capability. (River looks workers up when it
	// works a job, so they can join the bundle after the client exists.)
	river.AddWorker(workers, notify.NewDeliverer(s.store, notify.Sink{URL: cfg.NotifyURL, Secret: cfg.NotifySecret}, log))
	river.AddWorker(workers, identity.NewRedactWorker(customers))
	river.AddWorker(workers, identity.NewReconcileWorker(customers, cfg.ReconcileAfter))
	river.AddWorker(workers, identity.NewReevaluateWorker(customers))
	river.AddWorker(workers, identity.NewGatePruneWorker(customers))
	personal := pii.NewJobs(s.store, cipher, clk, cfg.Retention, log)
	river.AddWorker(workers, personal.ReencryptWorker())
	river.AddWorker(workers, personal.RetentionWorker())
	if strings.Contains(cfg.DataKeys, ",") {
		// Older keys are configured: move what they sealed to the current one.
		if _, err := s.jobs.Insert(ctx, pii.ReencryptArgs{}, nil); err != nil {
			return nil, fmt.Errorf("enqueue re-encryption: %w", err)
		}
	}
	// Database KYC (tiers 1 and 2): every provider idgate can use is registered; the
	// configuration picks one.
	providers := []kyc.Provider{kyc.NewStripeConnect(stripeClient)}
	if cfg.TruliooURL != "" {
		providers = append(providers, kyc.NewTrulioo(kyc.TruliooConfig{BaseURL: cfg.TruliooURL, APIKey: cfg.TruliooAPIKey, MaxRetries: 3}))
	}
	if cfg.StripeTestMode() {
		providers = append(providers, kyc.NewSandbox())
	}
	var databaseKYC kyc.Provider
	if name := cfg.DatabaseKYC(); name != "" {
		if databaseKYC, err = kyc.NewRegistry(providers...).Get(name); err != nil {
			return nil, fmt.Errorf("IDGATE_DATABASE_KYC_PROVIDER: %w", err)
		}
		if name == "sandbox" {
			log.Info("database KYC (merchant tiers 1 and 2) is the sandbox provider: it answers by the test values in README.md, checking nothing; set IDGATE_TRULIOO_URL or IDGATE_DATABASE_KYC_PROVIDER for a real one")
		}
	}
	merchants := onboarding.NewService(s.store, cipher, stripeClient, databaseKYC, s.jobs, notify.NewOutbox(s.jobs), log)
	river.AddWorker(workers, onboarding.NewPushPersonWorker(merchants))
	stepups, err := stepup.New(s.store, stripeClient, s.jobs, stepup.Config{RPID: cfg.WebAuthnRPID, RPName: cfg.WebAuthnRPName, Origins: cfg.WebAuthnOrigins}, clk, log)
	if err != nil {
		return nil, err
	}
	river.AddWorker(workers, stepup.NewResultWorker(stepups))
	river.AddWorker(workers, stepup.NewSweepWorker(stepups))
	customers.AlsoRedact(stepups.Forget)
	if s.sandbox != nil {
		stepups.SandboxPaymentsWith(stripeClient) // Stripe is the sandbox
	}
	for _, t := range stepup.PaymentIntentEvents {
		registry.Handle(t, stepups.HandlePaymentIntent)
	}
	registry.Handle("radar.early_fraud_warning.created", customers.HandleEarlyFraudWarning(stripeClient))
	registry.Handle("charge.succeeded", customers.HandleChargeSucceeded)
	for t, h := range onboarding.EventTypes {
		registry.Handle(t, h(merchants))
	}
	customers.SimulateSessionsOf(merchants.SessionMetadata, stepups.SessionMetadata)
	if s.sandbox != nil {
		customers.DriveSessionsWith(s.sandbox.sb) // its events carry the outputs a real session has
	}
	for _, t := range identity.SessionEventTypes {
		// Payment step-ups' sessions carry metadata payment_intent_id, merchants' tier-3
		// sessions merchant_id; customers' neither.
		registry.Handle(t, webhook.ByMetadata("payment_intent_id", stepups.HandleSessionEvent,
			webhook.ByMetadata("merchant_id", merchants.HandleSessionEvent, customers.HandleSessionEvent)))
	}

	// gRPC.
	metrics := prometheus.NewRegistry()
	metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "idgate_gate_cache_hits_total", Help: "Gate checks answered from the in-process gate state."},
			func() float64 { return float64(customers.GateCacheHits()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "idgate_identity_unknown_error_codes_total",
			Help: "Verification sessions back with a last_error code idgate's outcome table does not know (decided as a retry)."},
			func() float64 { return float64(customers.UnknownErrorCodes()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "idgate_gate_cache_entries", Help: "Customers whose gate state this replica holds in memory."},
			func() float64 { return float64(customers.GateCacheEntries()) }))
	s.health = newHealthServer(s.store.Ping)
	authn := &authenticator{keys: keys, disabled: noAuth, failures: limit.PerMinute(cfg.AuthFailuresPerMinute, cfg.AuthFailuresPerMinute, clk), reflectionNeedsKey: cfg.ReflectionNeedsKey}
	limits := sessionLimits{
		perCustomer: limit.PerHour(cfg.SessionsPerCustomerHour, cfg.SessionsPerCustomerHour, clk),
		perKey:      limit.PerMinute(cfg.SessionsPerKeyMinute, cfg.SessionsPerKeyMinute, clk),
	}
	// Limits are keyed on the client address; every call learns it first.
	trusted := proxies(cfg.TrustedProxies)
	var grpcOpts []grpc.ServerOption
	if cfg.TLS() {
		creds, err := credentials.NewServerTLSFromFile(cfg.TLSCertFile, cfg.TLSKeyFile)
		if err != nil {
			return nil, fmt.Errorf("TLS certificate: %w", err)
		}
		grpcOpts = append(grpcOpts, grpc.Creds(creds))
	}
	var gateway *inprocgrpc.Channel
	s.grpc, gateway = newGRPCServer(log, metrics, s.health, authn, limits, services{
		admin: &adminServer{keys: keys, log: audit.NewLog(s.store), reviews: review.NewService(s.store, map[string]review.Resolver{
			"customer": customers.ResolveReview,
			"merchant": merchants.ResolveReview,
		})},
		identity:   &identityServer{customers: customers, stepups: stepups, intake: intake},
		onboarding: &onboardingServer{merchants: merchants},
		risk:       &riskServer{subaccounts: subaccounts, customers: customers, signals: signals},
		sandbox:    &sandboxServer{enabled: s.sandbox != nil, rpID: cfg.WebAuthnRPID, baseURL: s.SandboxURL(), payments: stepups},
		webhook:    &webhookServer{intake: intake, events: webhook.NewLister(s.store), badSigs: newBadSignatures(metrics, cfg.BadSignaturesPerMinute, clk, log)},
	}, trusted, grpcOpts...)

	if s.grpcLis, err = net.Listen("tcp", cfg.GRPCAddr); err != nil {
		return nil, fmt.Errorf("listen on IDGATE_GRPC_ADDR %s: %w", cfg.GRPCAddr, err)
	}
	if s.httpLis, err = net.Listen("tcp", cfg.HTTPAddr); err != nil {
		return nil, fmt.Errorf("listen on IDGATE_HTTP_ADDR %s: %w", cfg.HTTPAddr, err)
	}
	if s.sandbox != nil {
		s.sandbox.sendEventsTo(cfg, s.HTTPAddr())
	}
	var metricsKeys *auth.Keys
	if cfg.MetricsNeedKey {
		metricsKeys = keys
	}
	handler, err := newHTTPHandler(ctx, gateway, metrics, metricsKeys, s.ready, cfg.MaxBodyBytes, trusted)
	if err != nil {
		return nil, err
	}
	s.http = newHTTPServer(handler)
	return s, nil
}

// dataCipher is the key for personal data: IDGATE_DATA_KEYS, or outside production a key
// file that is generated on first start.
func dataCipher(cfg config.Config, log *slog.Logger) (*pii.Cipher, error) {
	if cfg.DataKeys != "" {
		c, err := pii.Parse(cfg.DataKeys)
		if err != nil {
			return nil, fmt.Errorf("IDGATE_DATA_KEYS: %w", err)
		}
		return c, nil
	}
	c, created, err := pii.LoadOrCreate(cfg.DataKeyFile)
	if err != nil {
		return nil, fmt.Errorf("data key file %s: %w", cfg.DataKeyFile, err)
	}
	if created {
		log.Warn("GENERATED A DATA KEY for personal data at " + cfg.DataKeyFile + ": losing this file loses the data it encrypts; set IDGATE_DATA_KEYS in production")
	}
	return c, nil
}

// GRPCAddr and HTTPAddr are the bound addresses (useful with port 0).
func (s *Server) GRPCAddr() string { return s.grpcLis.Addr().String() }

// HTTPAddr is the bound HTTP address.
func (s *Server) HTTPAddr() string { return s.httpLis.Addr().String() }

// Run serves until ctx ends, then drains: health turns NOT_SERVING, HTTP and gRPC finish
// their requests (up to the shutdown timeout), running jobs finish or are left for another
// replica, and the database closes.
func (s *Server) Run(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := s.grpc.Serve(s.grpcLis); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
			return fmt.Errorf("grpc: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		serve := func() error { return s.http.Serve(s.httpLis) }
		if s.cfg.TLS() {
			serve = func() error { return s.http.ServeTLS(s.httpLis, s.cfg.TLSCertFile, s.cfg.TLSKeyFile) }
		}
		if err := serve(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("http: %w", err)
		}
		return nil
	})
	g.Go(func() error { return s.gate.FollowGateChanges(gctx, s.cfg.GateCachePoll) })
	if s.sandbox != nil {
		g.Go(s.sandbox.serve)
	}
	if s.runJobs {
		// A stop that arrives while the queue starts is a stop, not a failure.
		if err := s.jobs.Start(gctx); err != nil && gctx.Err() == nil {
			return fmt.Errorf("start jobs: %w", err)
		}
	}
	s.log.Info("idgate serving", "grpc_addr", s.GRPCAddr(), "http_addr", s.HTTPAddr(), "database", s.store.Dialect)
	g.Go(func() error {
		<-gctx.Done()
		s.log.Info("idgate shutting down")
		s.health.Shutdown()
		shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.Shutdown)
		defer cancel()
		if s.sandbox != nil {
			s.sandbox.sb.Close() // no more events into idgate while its requests drain
		}
		var httpErr error
		if err := s.http.Shutdown(shutCtx); err != nil {
			httpErr = fmt.Errorf("shut down HTTP: %w", err)
		}
		stopped := make(chan struct{})
		go func() { s.grpc.GracefulStop(); close(stopped) }()
		select {
		case <-stopped:
		case <-shutCtx.Done():
			s.grpc.Stop()
		}
		// Jobs still running at the deadline are rescued by another replica later.
		if s.runJobs {
			if err := s.jobs.Stop(shutCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
				httpErr = errors.Join(httpErr, err)
			}
		}
		// The sandbox last: jobs are its clients. Its state lives in this process only, so
		// a call still open to it at the deadline is cut as the process exit would cut it.
		if s.sandbox != nil {
			s.sandbox.shutdown(shutCtx)
		}
		return httpErr
	})
	err := g.Wait()
	s.close()
	return err
}

func (s *Server) ready(ctx context.Context) error {
	if s.health.shuttingDown() {
		return errors.New("shutting down")
	}
	return s.store.Ping(ctx)
}

func (s *Server) close() {
	for _, l := range []net.Listener{s.grpcLis, s.httpLis} {
		if l != nil {
			l.Close()
		}
	}
	if s.sandbox != nil {
		s.sandbox.lis.Close()
		s.sandbox.sb.Close()
	}
	if s.store != nil {
		s.store.Close()
	}
}
