package config

import (
	"os"
	"strings"
	"testing"
	"time"
)

func env(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }

func TestDefaults(t *testing.T) {
	c, err := FromEnv(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("the defaults must validate so that bin/idgate runs with no settings: %v", err)
	}
	if len(c.TrustedProxies) != 0 || c.ReflectionNeedsKey {
		t.Fatalf("by default no proxy is trusted and reflection is open: %+v", c)
	}
	if c.DatabaseURL != "sqlite:data/idgate.db" || c.GRPCAddr != "127.0.0.1:50051" || c.HTTPAddr != "127.0.0.1:8080" ||
		c.WebhookTolerance != 300*time.Second || c.MaxBodyBytes != 1<<20 || c.SessionTTL != 8*time.Hour || c.Production || c.Sandbox {
		t.Fatalf("unexpected defaults: %+v", c)
	}
}

func TestSecretsAreCommaSeparated(t *testing.T) {
	c, err := FromEnv(env(map[string]string{"STRIPE_WEBHOOK_SECRET": " whsec_new , whsec_old,"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.StripeWebhookSecrets) != 2 || c.StripeWebhookSecrets[0] != "whsec_new" || c.StripeWebhookSecrets[1] != "whsec_old" {
		t.Fatalf("secrets = %q", c.StripeWebhookSecrets)
	}
}

func TestUnparseableValues(t *testing.T) {
	for key, val := range map[string]string{
		"IDGATE_DB_MAX_CONNS":      "many",
		"IDGATE_WEBHOOK_TOLERANCE": "5 minutes",
		"IDGATE_MIGRATE":           "perhaps",
		"IDGATE_LOG_LEVEL":         "chatty",
		"IDGATE_TRUSTED_PROXIES":   "10.0.0.0/8,proxy.internal",
		"IDGATE_SANDBOX":           "yes please",
	} {
		t.Run(key, func(t *testing.T) {
			_, err := FromEnv(env(map[string]string{key: val}))
			if err == nil || !strings.Contains(err.Error(), key) {
				t.Fatalf("got %v, want an error naming %s", err, key)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		vars map[string]string
		want string // a phrase of the error; empty for valid
	}{
		{"postgres url", map[string]string{"DATABASE_URL": "postgres://u:p@db:5432/idgate"}, ""},
		{"sqlite path", map[string]string{"DATABASE_URL": "sqlite:/var/lib/idgate/idgate.db"}, ""},
		{"mysql", map[string]string{"DATABASE_URL": "mysql://x"}, "DATABASE_URL"},
		{"sqlite with pragmas", map[string]string{"DATABASE_URL": "sqlite:x.db?_pragma=foo"}, "DATABASE_URL"},
		{"address without port", map[string]string{"IDGATE_HTTP_ADDR": "localhost"}, "IDGATE_HTTP_ADDR"},
		{"same port twice", map[string]string{"IDGATE_HTTP_ADDR": "127.0.0.1:50051"}, "different ports"},
		{"publishable key", map[string]string{"STRIPE_SECRET_KEY": "pk_test_123"}, "STRIPE_SECRET_KEY"},
		{"bad webhook secret", map[string]string{"STRIPE_WEBHOOK_SECRET": "whsec_ok,secret"}, "whsec_"},
		{"tiny body limit", map[string]string{"IDGATE_MAX_BODY_BYTES": "100"}, "IDGATE_MAX_BODY_BYTES"},
		{"log format", map[string]string{"IDGATE_LOG_FORMAT": "xml"}, "IDGATE_LOG_FORMAT"},
		{"production needs a key, a secret and postgres", map[string]string{"IDGATE_ENV": "production"}, "STRIPE_SECRET_KEY"},
		{"production on sqlite", map[string]string{"IDGATE_ENV": "production", "STRIPE_SECRET_KEY": "sk_live_x", "STRIPE_WEBHOOK_SECRET": "whsec_x", "IDGATE_DATA_KEYS": "k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}, "postgres"},
		{"production plaintext on all interfaces", map[string]string{"IDGATE_ENV": "production", "STRIPE_SECRET_KEY": "sk_live_x", "STRIPE_WEBHOOK_SECRET": "whsec_x", "DATABASE_URL": "postgres://db/idgate", "IDGATE_DATA_KEYS": "k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "IDGATE_HTTP_ADDR": "0.0.0.0:8080"}, "plaintext"},
		{"production plaintext allowed behind a proxy", map[string]string{"IDGATE_ENV": "production", "STRIPE_SECRET_KEY": "sk_live_x", "STRIPE_WEBHOOK_SECRET": "whsec_x", "DATABASE_URL": "postgres://db/idgate", "IDGATE_DATA_KEYS": "k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "IDGATE_HTTP_ADDR": "0.0.0.0:8080", "IDGATE_ALLOW_PLAINTEXT": "true"}, ""},
		{"half of TLS", map[string]string{"IDGATE_TLS_CERT_FILE": "cert.pem"}, "IDGATE_TLS_KEY_FILE"},
		{"sandbox", map[string]string{"IDGATE_SANDBOX": "on", "STRIPE_WEBHOOK_SECRET": "whsec_a", "STRIPE_CONNECT_WEBHOOK_SECRET": "whsec_b"}, ""},
		{"sandbox with a test key", map[string]string{"IDGATE_SANDBOX": "on", "STRIPE_SECRET_KEY": "sk_test_x", "STRIPE_WEBHOOK_SECRET": "whsec_a", "STRIPE_CONNECT_WEBHOOK_SECRET": "whsec_b"}, ""},
		{"sandbox with a live key", map[string]string{"IDGATE_SANDBOX": "on", "STRIPE_SECRET_KEY": "rk_live_x", "STRIPE_WEBHOOK_SECRET": "whsec_a", "STRIPE_CONNECT_WEBHOOK_SECRET": "whsec_b"}, "refused with a live"},
		{"sandbox in production", map[string]string{"IDGATE_SANDBOX": "on", "IDGATE_ENV": "production", "STRIPE_SECRET_KEY": "sk_test_x", "STRIPE_WEBHOOK_SECRET": "whsec_a", "STRIPE_CONNECT_WEBHOOK_SECRET": "whsec_b"}, "IDGATE_SANDBOX=on is for development"},
		{"sandbox and an API base", map[string]string{"IDGATE_SANDBOX": "on", "STRIPE_API_BASE": "http://127.0.0.1:12111", "STRIPE_WEBHOOK_SECRET": "whsec_a", "STRIPE_CONNECT_WEBHOOK_SECRET": "whsec_b"}, "unset STRIPE_API_BASE"},
		{"sandbox without the Connect secret", map[string]string{"IDGATE_SANDBOX": "on", "STRIPE_WEBHOOK_SECRET": "whsec_a"}, "STRIPE_CONNECT_WEBHOOK_SECRET"},
		{"sandbox address", map[string]string{"IDGATE_SANDBOX": "on", "IDGATE_SANDBOX_ADDR": "12110", "STRIPE_WEBHOOK_SECRET": "whsec_a", "STRIPE_CONNECT_WEBHOOK_SECRET": "whsec_b"}, "IDGATE_SANDBOX_ADDR"},
		{"stripe connect KYC", map[string]string{"IDGATE_DATABASE_KYC_PROVIDER": "stripe_connect"}, ""},
		{"trulioo KYC without its URL", map[string]string{"IDGATE_DATABASE_KYC_PROVIDER": "trulioo"}, "IDGATE_TRULIOO_URL"},
		{"unknown KYC provider", map[string]string{"IDGATE_DATABASE_KYC_PROVIDER": "onfido"}, "IDGATE_DATABASE_KYC_PROVIDER"},
		{"sandbox KYC on stripe-mock", map[string]string{"IDGATE_DATABASE_KYC_PROVIDER": "sandbox", "STRIPE_API_BASE": "http://127.0.0.1:12111"}, ""},
		{"sandbox KYC with a test key", map[string]string{"IDGATE_DATABASE_KYC_PROVIDER": "sandbox", "STRIPE_SECRET_KEY": "sk_test_x"}, ""},
		{"sandbox KYC with a live key", map[string]string{"IDGATE_DATABASE_KYC_PROVIDER": "sandbox", "STRIPE_SECRET_KEY": "sk_live_x"}, "test mode only"},
		{"sandbox KYC with a live restricted key", map[string]string{"IDGATE_DATABASE_KYC_PROVIDER": "sandbox", "STRIPE_SECRET_KEY": "rk_live_x"}, "test mode only"},
		{"sandbox KYC without Stripe", map[string]string{"IDGATE_DATABASE_KYC_PROVIDER": "sandbox"}, "test mode only"},
		{"production complete", map[string]string{"IDGATE_ENV": "production", "STRIPE_SECRET_KEY": "sk_live_x", "STRIPE_WEBHOOK_SECRET": "whsec_x", "DATABASE_URL": "postgres://db/idgate", "IDGATE_DATA_KEYS": "k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}, ""},
		{"trusted proxies", map[string]string{"IDGATE_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.7,2001:db8::/32"}, ""},
		{"trusting everyone", map[string]string{"IDGATE_TRUSTED_PROXIES": "10.0.0.0/8,0.0.0.0/0"}, "trusts every address"},
		{"no batch writer", map[string]string{"IDGATE_WEBHOOK_BATCH_WRITERS": "0"}, "IDGATE_WEBHOOK_BATCH_WRITERS"},
		{"four batch writers", map[string]string{"IDGATE_WEBHOOK_BATCH_WRITERS": "4"}, ""},
		{"production without data keys", map[string]string{"IDGATE_ENV": "production", "STRIPE_SECRET_KEY": "sk_live_x", "STRIPE_WEBHOOK_SECRET": "whsec_x", "DATABASE_URL": "postgres://db/idgate"}, "IDGATE_DATA_KEYS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := FromEnv(env(tc.vars))
			if err != nil {
				t.Fatal(err)
			}
			err = c.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("got %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
}

// TestDatabaseKYCDefault: the provider in effect when IDGATE_DATABASE_KYC_PROVIDER is
// unset is Trulioo when it is configured, else the sandbox in Stripe test mode (what
// make run needs), and never the sandbox with a live key.
func TestDatabaseKYCDefault(t *testing.T) {
	for _, tc := range []struct {
		name string
		vars map[string]string
		want string
	}{
		{"make run: stripe-mock", map[string]string{"STRIPE_API_BASE": "http://127.0.0.1:12111"}, "sandbox"},
		{"a test key", map[string]string{"STRIPE_SECRET_KEY": "sk_test_x"}, "sandbox"},
		{"a live key", map[string]string{"STRIPE_SECRET_KEY": "sk_live_x"}, ""},
		{"a live restricted key", map[string]string{"STRIPE_SECRET_KEY": "rk_live_x"}, ""},
		{"no Stripe", nil, ""},
		{"Trulioo configured", map[string]string{"STRIPE_API_BASE": "http://127.0.0.1:12111", "IDGATE_TRULIOO_URL": "https://trulioo.example"}, "trulioo"},
		{"chosen", map[string]string{"STRIPE_SECRET_KEY": "sk_test_x", "IDGATE_DATABASE_KYC_PROVIDER": "stripe_connect"}, "stripe_connect"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := FromEnv(env(tc.vars))
			if err != nil {
				t.Fatal(err)
			}
			if got := c.DatabaseKYC(); got != tc.want {
				t.Fatalf("DatabaseKYC() = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestEverySettingIsDocumented: each variable FromEnv reads has a row in the README's
// configuration table, so a new setting cannot ship undocumented.
func TestEverySettingIsDocumented(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	read := map[string]bool{}
	if _, err := FromEnv(func(k string) string { read[k] = true; return "" }); err != nil {
		t.Fatal(err)
	}
	if len(read) < 10 {
		t.Fatalf("FromEnv read only %d variables", len(read))
	}
	var rows strings.Builder
	for line := range strings.Lines(string(readme)) {
		if strings.HasPrefix(line, "| `") {
			rows.WriteString(line)
		}
	}
	for k := range read {
		if !strings.Contains(rows.String(), "`"+k+"`") {
			t.Errorf("%s is read by FromEnv but not named in README.md's configuration table", k)
		}
	}
}
