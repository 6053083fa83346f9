// Package config reads idgate's settings from the environment.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/idgate/idgate/internal/sandbox"
)

// Config is every setting idgate reads. Load fills it from the environment; the zero values
// of unset variables are replaced by the defaults documented in README.md.
type Config struct {
	// Production (IDGATE_ENV=production) turns development conveniences into errors.
	Production bool
	GRPCAddr   string // IDGATE_GRPC_ADDR
	HTTPAddr   string // IDGATE_HTTP_ADDR

	// DatabaseURL is "sqlite:PATH" (default sqlite:data/idgate.db) or "postgres://...".
	DatabaseURL  string
	DBMaxConns   int           // IDGATE_DB_MAX_CONNS, PostgreSQL pool size
	MigrateOnRun bool          // IDGATE_MIGRATE (default true): apply migrations at start-up
	Shutdown     time.Duration // IDGATE_SHUTDOWN_TIMEOUT

	// Sandbox serves a stateful local Stripe (internal/sandbox) on SandboxAddr in front of
	// the stripe-mock at SandboxStripeMock and points idgate's Stripe calls at it; it sends
	// its events to idgate's own webhook endpoints (IDGATE_SANDBOX=on, IDGATE_SANDBOX_ADDR,
	// IDGATE_SANDBOX_STRIPE_MOCK). Development only; refused with a live key.
	Sandbox                        bool
	SandboxAddr, SandboxStripeMock string
	StripeSecretKey                string // STRIPE_SECRET_KEY
	StripeAPIBase                  string // STRIPE_API_BASE, e.g. stripe-mock's http://127.0.0.1:12111
	// STRIPE_FILES_BASE: file uploads and downloads; default STRIPE_API_BASE when set,
	// else https://files.stripe.com.
	StripeFilesBase string
	// Webhook signing secrets, comma-separated so a rotated secret keeps working.
	StripeWebhookSecrets        []string      // STRIPE_WEBHOOK_SECRET
	StripeConnectWebhookSecrets []string      // STRIPE_CONNECT_WEBHOOK_SECRET
	WebhookTolerance            time.Duration // IDGATE_WEBHOOK_TOLERANCE
	// WebhookMaxAttempts bounds the retries of an event whose handler keeps failing; then
	// it is marked failed and listed for operators (IDGATE_WEBHOOK_MAX_ATTEMPTS).
	WebhookMaxAttempts int
	// Group commit of webhook intake: deliveries arriving within WebhookBatchWindow of the
	// first of a batch (IDGATE_WEBHOOK_BATCH_WINDOW, default 700µs), up to WebhookBatchMax of
	// them (IDGATE_WEBHOOK_BATCH_MAX, default 128), are stored in one transaction; on
	// PostgreSQL WebhookBatchWriters batches at once (IDGATE_WEBHOOK_BATCH_WRITERS, default 2).
	WebhookBatchWindow  time.Duration
	WebhookBatchMax     int
	WebhookBatchWriters int

	MaxBodyBytes int64 // IDGATE_MAX_BODY_BYTES, for every HTTP route

	// Customer notifications go to NotifyURL, signed with NotifySecret; without a URL they
	// are logged.
	NotifyURL    string // IDGATE_NOTIFY_URL
	NotifySecret string // IDGATE_NOTIFY_SECRET

	// JobWorkers is how many jobs a replica runs at once (IDGATE_JOB_WORKERS, default 200);
	// it starts at most this many per jobs.FetchCooldown (50 ms), which bounds how fast a
	// backlog drains. Jobs mostly wait on the database, whose pool (IDGATE_DB_MAX_CONNS)
	// they share with requests.
	JobWorkers      int
	JobPollInterval time.Duration // IDGATE_JOB_POLL_INTERVAL
	// The gate's in-process state: how often each replica reads the change feed
	// (IDGATE_GATE_CACHE_POLL, at most 250ms) and how many customers it holds, loaded in
	// bulk at start (IDGATE_GATE_CACHE_SIZE, default 2,000,000; 0 turns the cache off).
	GateCachePoll time.Duration
	GateCacheSize int
	// JobRetryBase, when set, replaces River's default backoff (attempt^4 seconds) with
	// JobRetryBase * 2^(attempt-1); tests use it to retry in milliseconds.
	JobRetryBase time.Duration
	JobTimeout   time.Duration // IDGATE_JOB_TIMEOUT

	// BootstrapAPIKey becomes the admin key named "bootstrap" so that a fresh install can
	// create the others; changing it revokes the previous one (IDGATE_BOOTSTRAP_API_KEY).
	BootstrapAPIKey string
	// DataKeys encrypt personal data at rest: "id:base64(32 bytes)[,id:key...]", the first
	// current, the others still readable (IDGATE_DATA_KEYS). Unset outside production: a key
	// is generated into DataKeyFile.
	DataKeys    string
	DataKeyFile string // IDGATE_DATA_KEY_FILE, default data/idgate-data.key

	// Reconciliation reads back from Stripe the verification sessions that have had no
	// news for ReconcileAfter, every ReconcileEvery (IDGATE_RECONCILE_AFTER,
	// IDGATE_RECONCILE_EVERY): the repair for missed webhooks.
	ReconcileAfter, ReconcileEvery time.Duration

	// Trulioo, the database-KYC provider of merchant tiers 1 and 2 (IDGATE_TRULIOO_URL,
	// IDGATE_TRULIOO_API_KEY); unset: those tiers answer Unavailable.
	TruliooURL, TruliooAPIKey string
	// DatabaseKYCProvider picks the provider of tiers 1 and 2 (IDGATE_DATABASE_KYC_PROVIDER):
	// trulioo, stripe_connect (Stripe Connect's own verification, where there is no
	// Trulioo contract) or sandbox (test values, test mode only). DatabaseKYC says which
	// is in effect when it is unset.
	DatabaseKYCProvider string

	// WebAuthn relying party of payment step-up passkeys: the domain the platform's apps
	// use (IDGATE_WEBAUTHN_RP_ID), its display name, and the origins (web origins and
	// android:apk-key-hash:... app origins) assertions may come from.
	WebAuthnRPID, WebAuthnRPName string
	WebAuthnOrigins              []string

	// Retention is how long verified personal data of an inactive customer is kept
	// (IDGATE_RETENTION, default two years; 0 keeps it).
	Retention time.Duration
	// SessionTTL is how long a console sign-in lasts, from sign-in (IDGATE_SESSION_TTL,
	// default 8h: a working day); it is not extended by use.
	SessionTTL time.Duration

	// TLS for both listeners when both files are set (IDGATE_TLS_CERT_FILE, IDGATE_TLS_KEY_FILE).
	TLSCertFile, TLSKeyFile string
	// AllowPlaintext lets production serve without TLS on non-loopback addresses, for a
	// deployment that terminates TLS in front of idgate (IDGATE_ALLOW_PLAINTEXT).
	AllowPlaintext bool

	// MetricsNeedKey puts /metrics behind an admin key (IDGATE_METRICS_REQUIRE_KEY).
	MetricsNeedKey bool

	// Abuse limits, per replica (seed 001: limit how often a user can verify).
	SessionsPerCustomerHour int // IDGATE_LIMIT_SESSIONS_PER_CUSTOMER_HOUR
	SessionsPerKeyMinute    int // IDGATE_LIMIT_SESSIONS_PER_KEY_MINUTE
	AuthFailuresPerMinute   int // IDGATE_LIMIT_AUTH_FAILURES_PER_MINUTE, per client address
	// BadSignaturesPerMinute bounds webhook deliveries that fail verification, per client
	// address (IDGATE_LIMIT_WEBHOOK_BAD_SIGNATURES_PER_MINUTE); then 429.
	BadSignaturesPerMinute int
	// TrustedProxies are the proxies whose X-Forwarded-For names the client address that
	// limits are keyed on (IDGATE_TRUSTED_PROXIES: CIDRs or addresses, comma-separated;
	// none by default, so the TCP peer is the client).
	TrustedProxies []netip.Prefix
	// ReflectionNeedsKey puts gRPC reflection behind an admin key
	// (IDGATE_REFLECTION_REQUIRE_KEY); health checks are always open.
	ReflectionNeedsKey bool

	LogLevel  slog.Level // IDGATE_LOG_LEVEL: debug, info, warn, error
	LogFormat string     // IDGATE_LOG_FORMAT: json or text
}

// Load reads the environment. It fails only on values it cannot parse; Validate checks the
// rest.
func Load() (Config, error) { return FromEnv(os.Getenv) }

// FromEnv is Load with the environment supplied by getenv, for tests and tools.
func FromEnv(getenv func(string) string) (Config, error) {
	r := reader{getenv: getenv}
	c := Config{
		Production:                  r.str("IDGATE_ENV", "development") == "production",
		GRPCAddr:                    r.str("IDGATE_GRPC_ADDR", "127.0.0.1:50051"),
		HTTPAddr:                    r.str("IDGATE_HTTP_ADDR", "127.0.0.1:8080"),
		DatabaseURL:                 r.str("DATABASE_URL", "sqlite:data/idgate.db"),
		DBMaxConns:                  r.int("IDGATE_DB_MAX_CONNS", 20),
		MigrateOnRun:                r.bool("IDGATE_MIGRATE", true),
		Shutdown:                    r.duration("IDGATE_SHUTDOWN_TIMEOUT", 15*time.Second),
		Sandbox:                     r.onOff("IDGATE_SANDBOX"),
		SandboxAddr:                 r.str("IDGATE_SANDBOX_ADDR", "127.0.0.1:12110"),
		SandboxStripeMock:           strings.TrimRight(r.str("IDGATE_SANDBOX_STRIPE_MOCK", "http://127.0.0.1:12111"), "/"),
		StripeSecretKey:             r.str("STRIPE_SECRET_KEY", ""),
		StripeAPIBase:               strings.TrimRight(r.str("STRIPE_API_BASE", ""), "/"),
		StripeFilesBase:             strings.TrimRight(r.str("STRIPE_FILES_BASE", ""), "/"),
		StripeWebhookSecrets:        r.list("STRIPE_WEBHOOK_SECRET"),
		StripeConnectWebhookSecrets: r.list("STRIPE_CONNECT_WEBHOOK_SECRET"),
		WebhookTolerance:            r.duration("IDGATE_WEBHOOK_TOLERANCE", 300*time.Second),
		WebhookMaxAttempts:          r.int("IDGATE_WEBHOOK_MAX_ATTEMPTS", 25),
		WebhookBatchWindow:          r.duration("IDGATE_WEBHOOK_BATCH_WINDOW", 700*time.Microsecond),
		WebhookBatchMax:             r.int("IDGATE_WEBHOOK_BATCH_MAX", 128),
		WebhookBatchWriters:         r.int("IDGATE_WEBHOOK_BATCH_WRITERS", 2),
		MaxBodyBytes:                int64(r.int("IDGATE_MAX_BODY_BYTES", 1<<20)),
		NotifyURL:                   r.str("IDGATE_NOTIFY_URL", ""),
		NotifySecret:                r.str("IDGATE_NOTIFY_SECRET", ""),
		JobWorkers:                  r.int("IDGATE_JOB_WORKERS", 200),
		JobPollInterval:             r.duration("IDGATE_JOB_POLL_INTERVAL", 500*time.Millisecond),
		JobRetryBase:                r.duration("IDGATE_JOB_RETRY_BASE", 0),
		GateCachePoll:               r.duration("IDGATE_GATE_CACHE_POLL", 250*time.Millisecond),
		GateCacheSize:               r.int("IDGATE_GATE_CACHE_SIZE", 2_000_000),
		JobTimeout:                  r.duration("IDGATE_JOB_TIMEOUT", time.Minute),
		LogFormat:                   r.str("IDGATE_LOG_FORMAT", "json"),
		BootstrapAPIKey:             r.str("IDGATE_BOOTSTRAP_API_KEY", ""),
		MetricsNeedKey:              r.bool("IDGATE_METRICS_REQUIRE_KEY", false),
		DataKeys:                    r.str("IDGATE_DATA_KEYS", ""),
		Retention:                   r.duration("IDGATE_RETENTION", 2*365*24*time.Hour),
		SessionTTL:                  r.duration("IDGATE_SESSION_TTL", 8*time.Hour),
		ReconcileAfter:              r.duration("IDGATE_RECONCILE_AFTER", time.Hour),
		TruliooURL:                  strings.TrimRight(r.str("IDGATE_TRULIOO_URL", ""), "/"),
		TruliooAPIKey:               r.str("IDGATE_TRULIOO_API_KEY", ""),
		DatabaseKYCProvider:         r.str("IDGATE_DATABASE_KYC_PROVIDER", ""),
		WebAuthnRPID:                r.str("IDGATE_WEBAUTHN_RP_ID", "localhost"),
		WebAuthnRPName:              r.str("IDGATE_WEBAUTHN_RP_NAME", "idgate"),
		WebAuthnOrigins:             r.list("IDGATE_WEBAUTHN_ORIGINS"),
		ReconcileEvery:              r.duration("IDGATE_RECONCILE_EVERY", 15*time.Minute),
		TLSCertFile:                 r.str("IDGATE_TLS_CERT_FILE", ""),
		TLSKeyFile:                  r.str("IDGATE_TLS_KEY_FILE", ""),
		AllowPlaintext:              r.bool("IDGATE_ALLOW_PLAINTEXT", false),
		DataKeyFile:                 r.str("IDGATE_DATA_KEY_FILE", "data/idgate-data.key"),
		SessionsPerCustomerHour:     r.int("IDGATE_LIMIT_SESSIONS_PER_CUSTOMER_HOUR", 10),
		SessionsPerKeyMinute:        r.int("IDGATE_LIMIT_SESSIONS_PER_KEY_MINUTE", 600),
		AuthFailuresPerMinute:       r.int("IDGATE_LIMIT_AUTH_FAILURES_PER_MINUTE", 30),
		BadSignaturesPerMinute:      r.int("IDGATE_LIMIT_WEBHOOK_BAD_SIGNATURES_PER_MINUTE", 60),
		TrustedProxies:              r.prefixes("IDGATE_TRUSTED_PROXIES"),
		ReflectionNeedsKey:          r.bool("IDGATE_REFLECTION_REQUIRE_KEY", false),
	}
	if lvl := r.str("IDGATE_LOG_LEVEL", "info"); lvl != "" {
		if err := c.LogLevel.UnmarshalText([]byte(lvl)); err != nil {
			r.errs = append(r.errs, fmt.Errorf("IDGATE_LOG_LEVEL=%q: use debug, info, warn or error", lvl))
		}
	}
	return c, errors.Join(r.errs...)
}

// Validate says, in sentences a newcomer can act on, what is wrong with the settings.
func (c Config) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for name, addr := range map[string]string{"IDGATE_GRPC_ADDR": c.GRPCAddr, "IDGATE_HTTP_ADDR": c.HTTPAddr} {
		if _, _, err := net.SplitHostPort(addr); err != nil {
			add("%s=%q is not host:port (for example 127.0.0.1:8080)", name, addr)
		}
	}
	if c.GRPCAddr == c.HTTPAddr && !strings.HasSuffix(c.GRPCAddr, ":0") {
		add("IDGATE_GRPC_ADDR and IDGATE_HTTP_ADDR are both %q: gRPC and HTTP need different ports", c.GRPCAddr)
	}
	if _, _, err := ParseDatabaseURL(c.DatabaseURL); err != nil {
		add("DATABASE_URL: %v", err)
	}
	if c.DBMaxConns < 1 {
		add("IDGATE_DB_MAX_CONNS must be at least 1")
	}
	if c.Sandbox {
		switch {
		case sandbox.LiveKey(c.StripeSecretKey):
			add("IDGATE_SANDBOX=on is a local Stripe for test mode and is refused with a live STRIPE_SECRET_KEY: unset IDGATE_SANDBOX, or use an sk_test_ key")
		case c.Production:
			add("IDGATE_SANDBOX=on is for development: it is refused with IDGATE_ENV=production")
		case c.StripeAPIBase != "" || c.StripeFilesBase != "":
			add("IDGATE_SANDBOX=on points idgate at the sandbox itself: unset STRIPE_API_BASE and STRIPE_FILES_BASE (IDGATE_SANDBOX_STRIPE_MOCK names the stripe-mock behind it)")
		case len(c.StripeWebhookSecrets) == 0 || len(c.StripeConnectWebhookSecrets) == 0:
			add("IDGATE_SANDBOX=on signs the events it sends: set STRIPE_WEBHOOK_SECRET and STRIPE_CONNECT_WEBHOOK_SECRET (any whsec_ values; make run sets development ones)")
		}
		if _, _, err := net.SplitHostPort(c.SandboxAddr); err != nil {
			add("IDGATE_SANDBOX_ADDR=%q is not host:port (for example 127.0.0.1:12110)", c.SandboxAddr)
		}
		if u, err := url.Parse(c.SandboxStripeMock); err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
			add("IDGATE_SANDBOX_STRIPE_MOCK must be the http URL of stripe-mock (for example http://127.0.0.1:12111)")
		}
	}
	if c.StripeSecretKey != "" && !strings.HasPrefix(c.StripeSecretKey, "sk_") && !strings.HasPrefix(c.StripeSecretKey, "rk_") {
		add("STRIPE_SECRET_KEY does not look like a Stripe secret key: it should start with sk_test_, sk_live_ or rk_")
	}
	for _, s := range append(append([]string{}, c.StripeWebhookSecrets...), c.StripeConnectWebhookSecrets...) {
		if !strings.HasPrefix(s, "whsec_") {
			add("STRIPE_WEBHOOK_SECRET / STRIPE_CONNECT_WEBHOOK_SECRET: each secret starts with whsec_ (comma-separate several for rotation)")
			break
		}
	}
	if c.WebhookTolerance <= 0 {
		add("IDGATE_WEBHOOK_TOLERANCE must be positive (Stripe's default is 300s)")
	}
	if c.WebhookMaxAttempts < 1 {
		add("IDGATE_WEBHOOK_MAX_ATTEMPTS must be at least 1")
	}
	if c.WebhookBatchWindow < 0 || c.WebhookBatchWindow > time.Second {
		add("IDGATE_WEBHOOK_BATCH_WINDOW must be between 0s and 1s (each delivery may wait this long for others to share its transaction; under a millisecond is plenty)")
	}
	if c.WebhookBatchMax < 1 || c.WebhookBatchMax > 1000 {
		add("IDGATE_WEBHOOK_BATCH_MAX must be between 1 and 1000 (1 stores each delivery in its own transaction)")
	}
	if c.WebhookBatchWriters < 1 || c.WebhookBatchWriters > 64 {
		add("IDGATE_WEBHOOK_BATCH_WRITERS must be between 1 and 64 (how many batches PostgreSQL stores at once; more than its cores only adds contention)")
	}
	if c.SessionTTL < time.Minute || c.SessionTTL > 7*24*time.Hour {
		add("IDGATE_SESSION_TTL must be between 1m and 168h (a console sign-in lasts this long; 8h is a working day)")
	}
	if c.MaxBodyBytes < 64<<10 {
		add("IDGATE_MAX_BODY_BYTES must be at least 65536: Stripe events can be hundreds of kilobytes")
	}
	if c.NotifyURL != "" {
		if u, err := url.Parse(c.NotifyURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			add("IDGATE_NOTIFY_URL must be an http(s) URL of the platform's notification endpoint")
		}
		if len(c.NotifySecret) < 16 {
			add("IDGATE_NOTIFY_SECRET must be set (16+ characters) with IDGATE_NOTIFY_URL: it signs every notification")
		}
	}
	switch c.DatabaseKYCProvider {
	case "", "stripe_connect":
	case "trulioo":
		if c.TruliooURL == "" {
			add("IDGATE_DATABASE_KYC_PROVIDER=trulioo needs IDGATE_TRULIOO_URL (and IDGATE_TRULIOO_API_KEY)")
		}
	case "sandbox":
		if !c.StripeTestMode() {
			add("IDGATE_DATABASE_KYC_PROVIDER=sandbox answers by test values and serves test mode only: use a Stripe test key (sk_test_…) or stripe-mock (STRIPE_API_BASE), or pick trulioo or stripe_connect")
		}
	default:
		add("IDGATE_DATABASE_KYC_PROVIDER must be trulioo, stripe_connect or sandbox")
	}
	if c.SessionsPerCustomerHour < 1 || c.SessionsPerKeyMinute < 1 || c.AuthFailuresPerMinute < 1 || c.BadSignaturesPerMinute < 1 {
		add("IDGATE_LIMIT_* settings must be at least 1")
	}
	for _, p := range c.TrustedProxies {
		if p.Bits() == 0 {
			add("IDGATE_TRUSTED_PROXIES=%s trusts every address: any caller could then name its own address and escape the limits; list your proxies' addresses", p)
		}
	}
	if c.ReconcileAfter <= 0 || c.ReconcileEvery < time.Second {
		add("IDGATE_RECONCILE_AFTER must be positive and IDGATE_RECONCILE_EVERY at least 1s")
	}
	if c.JobWorkers < 1 {
		add("IDGATE_JOB_WORKERS must be at least 1")
	}
	if c.JobPollInterval < 10*time.Millisecond {
		add("IDGATE_JOB_POLL_INTERVAL must be at least 10ms")
	}
	if c.GateCachePoll < 10*time.Millisecond || c.GateCachePoll > 250*time.Millisecond {
		add("IDGATE_GATE_CACHE_POLL must be between 10ms and 250ms: other replicas' changes must reach the gate within 1s")
	}
	if c.GateCacheSize < 0 {
		add("IDGATE_GATE_CACHE_SIZE must be 0 (no cache) or more")
	}
	if c.JobTimeout < time.Second {
		add("IDGATE_JOB_TIMEOUT must be at least 1s")
	}
	if c.BootstrapAPIKey != "" && len(c.BootstrapAPIKey) < 32 {
		add("IDGATE_BOOTSTRAP_API_KEY must be at least 32 random characters (for example: openssl rand -hex 24)")
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		add("IDGATE_LOG_FORMAT=%q: use json or text", c.LogFormat)
	}
	if (c.TLSCertFile == "") != (c.TLSKeyFile == "") {
		add("set both IDGATE_TLS_CERT_FILE and IDGATE_TLS_KEY_FILE, or neither")
	}
	if c.Production && c.TLSCertFile == "" && !c.AllowPlaintext && (!loopback(c.GRPCAddr) || !loopback(c.HTTPAddr)) {
		add("IDGATE_ENV=production refuses plaintext on a non-loopback address: set IDGATE_TLS_CERT_FILE and IDGATE_TLS_KEY_FILE, or IDGATE_ALLOW_PLAINTEXT=true when TLS ends in front of idgate")
	}
	if c.Production {
		if c.StripeSecretKey == "" {
			add("IDGATE_ENV=production needs STRIPE_SECRET_KEY")
		}
		if len(c.StripeWebhookSecrets) == 0 {
			add("IDGATE_ENV=production needs STRIPE_WEBHOOK_SECRET (from the Stripe dashboard's webhook endpoint)")
		}
		if c.DataKeys == "" {
			add("IDGATE_ENV=production needs IDGATE_DATA_KEYS (id:base64 of 32 random bytes, e.g. k1:$(openssl rand -base64 32)) to encrypt personal data")
		}
		if d, _, _ := ParseDatabaseURL(c.DatabaseURL); d == DialectSQLite {
			add("IDGATE_ENV=production needs DATABASE_URL=postgres://...: the SQLite file is for a single development process")
		}
	}
	return errors.Join(errs...)
}

// TLS reports whether the listeners serve TLS.
func (c Config) TLS() bool { return c.TLSCertFile != "" }

func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// StripeConfigured reports whether idgate can reach Stripe, the sandbox or stripe-mock.
func (c Config) StripeConfigured() bool {
	return c.StripeSecretKey != "" || c.StripeAPIBase != "" || c.Sandbox
}

// StripeTestMode reports whether Stripe is configured in test mode: a test key, or
// stripe-mock without one.
func (c Config) StripeTestMode() bool {
	return c.StripeConfigured() && !strings.HasPrefix(c.StripeSecretKey, "sk_live_") && !strings.HasPrefix(c.StripeSecretKey, "rk_live_")
}

// DatabaseKYC is the database-KYC provider in effect: IDGATE_DATABASE_KYC_PROVIDER when
// set; else trulioo when IDGATE_TRULIOO_URL is set; else, in Stripe test mode (make run),
// the sandbox; else none, and tiers 1 and 2 answer Unavailable.
func (c Config) DatabaseKYC() string {
	switch {
	case c.DatabaseKYCProvider != "":
		return c.DatabaseKYCProvider
	case c.TruliooURL != "":
		return "trulioo"
	case c.StripeTestMode():
		return "sandbox"
	}
	return ""
}

// Dialects of DatabaseURL.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// ParseDatabaseURL splits DATABASE_URL into a dialect and what its driver opens: a file
// path for SQLite, the URL itself for PostgreSQL.
func ParseDatabaseURL(u string) (dialect, target string, err error) {
	switch {
	case strings.HasPrefix(u, "postgres://"), strings.HasPrefix(u, "postgresql://"):
		return DialectPostgres, u, nil
	case strings.HasPrefix(u, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(u, "sqlite:"), "//")
		if path == "" || strings.Contains(path, "?") {
			return "", "", fmt.Errorf("%q: give a file path, as in sqlite:data/idgate.db (idgate sets the pragmas itself)", u)
		}
		return DialectSQLite, path, nil
	default:
		return "", "", errors.New("use sqlite:PATH (the default is sqlite:data/idgate.db) or postgres://user:pass@host:5432/db")
	}
}

type reader struct {
	getenv func(string) string
	errs   []error
}

func (r *reader) str(key, def string) string {
	if v := strings.TrimSpace(r.getenv(key)); v != "" {
		return v
	}
	return def
}

func (r *reader) list(key string) []string {
	var out []string
	for _, s := range strings.Split(r.getenv(key), ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// prefixes reads CIDRs; a bare address is a prefix of one address.
func (r *reader) prefixes(key string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range r.list(key) {
		p, err := netip.ParsePrefix(s)
		if a, aerr := netip.ParseAddr(s); err != nil && aerr == nil {
			p, err = a.Prefix(a.BitLen())
		}
		if err != nil {
			r.errs = append(r.errs, fmt.Errorf("%s: %q is neither a CIDR (10.0.0.0/8) nor an IP address", key, s))
			continue
		}
		out = append(out, p.Masked())
	}
	return out
}

func (r *reader) int(key string, def int) int {
	v := r.str(key, "")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		r.errs = append(r.errs, fmt.Errorf("%s=%q is not a whole number", key, v))
	}
	return n
}

// onOff reads a switch that is off unless set to on (or true).
func (r *reader) onOff(key string) bool {
	switch v := strings.ToLower(r.str(key, "off")); v {
	case "on", "true", "1":
		return true
	case "off", "false", "0":
		return false
	default:
		r.errs = append(r.errs, fmt.Errorf("%s=%q: use on or off", key, v))
		return false
	}
}

func (r *reader) bool(key string, def bool) bool {
	v := r.str(key, "")
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		r.errs = append(r.errs, fmt.Errorf("%s=%q: use true or false", key, v))
	}
	return b
}

func (r *reader) duration(key string, def time.Duration) time.Duration {
	v := r.str(key, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		r.errs = append(r.errs, fmt.Errorf("%s=%q is not a duration (for example 300s or 5m)", key, v))
	}
	return d
}
