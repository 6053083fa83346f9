// Package stripe is idgate's only way to Stripe: a narrow port over stripe-go v76 with
// retries on and an idempotency key on every create. Its base URL is configurable so that
// development and tests talk to stripe-mock.
package stripe

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	stripego "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"

	"github.com/idgate/idgate/internal/apperr"
)

// Config says which Stripe to talk to.
type Config struct {
	SecretKey string // sk_test_..., sk_live_... or rk_...; any sk_test_ key with stripe-mock
	APIBase   string // empty for api.stripe.com; stripe-mock's http://127.0.0.1:12111
	// FilesBase serves file uploads and downloads (/v1/files, /v1/files/{id}/contents):
	// empty for APIBase when that is set (stripe-mock, the test proxy), else
	// https://files.stripe.com.
	FilesBase string
	// MaxRetries for 429, 5xx and network errors (stripe-go backs off between them).
	MaxRetries int64
	Timeout    time.Duration
}

// mockKey is what idgate sends to stripe-mock when no key is configured.
const mockKey = "sk_test_idgatestripemock"

// Client reaches Stripe. A nil *Client is valid and answers every call with Unavailable,
// so idgate serves without Stripe configured.
type Client struct {
	api      *client.API
	files    stripego.Backend // files.stripe.com: uploads and file contents
	key      string
	testMode bool
}

// New returns a Client, or nil when neither a key nor a base URL is configured.
func New(cfg Config, log *slog.Logger) *Client {
	if cfg.SecretKey == "" && cfg.APIBase == "" {
		return nil
	}
	key := cfg.SecretKey
	if key == "" {
		key = mockKey
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = 2
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	bc := &stripego.BackendConfig{
		MaxNetworkRetries: stripego.Int64(cfg.MaxRetries),
		HTTPClient:        &http.Client{Timeout: cfg.Timeout},
		LeveledLogger:     leveled{log.With("component", "stripe")},
	}
	if cfg.APIBase != "" {
		bc.URL = stripego.String(cfg.APIBase)
	}
	uploads := *bc
	if cfg.FilesBase != "" {
		uploads.URL = stripego.String(cfg.FilesBase)
	}
	files := stripego.GetBackendWithConfig(stripego.UploadsBackend, &uploads)
	api := client.New(key, &stripego.Backends{
		API:     stripego.GetBackendWithConfig(stripego.APIBackend, bc),
		Connect: stripego.GetBackendWithConfig(stripego.ConnectBackend, bc),
		Uploads: files,
	})
	return &Client{api: api, files: files, key: key, testMode: !strings.HasPrefix(key, "sk_live_") && !strings.HasPrefix(key, "rk_live_")}
}

// TestMode reports whether the key is a test key (or stripe-mock's).
func (c *Client) TestMode() bool { return c != nil && c.testMode }

func (c *Client) ready() error {
	if c == nil {
		return apperr.Unavailable(nil, "Stripe is not configured: set STRIPE_SECRET_KEY, or STRIPE_API_BASE to a stripe-mock")
	}
	return nil
}

// mapError keeps Stripe's own message for request errors, which name the parameter, and
// hides the rest behind Unavailable so the caller (usually a job) retries.
func mapError(err error, op string) error {
	var se *stripego.Error
	if errors.As(err, &se) {
		switch {
		case se.HTTPStatusCode == http.StatusUnauthorized:
			return apperr.Unavailable(err, "%s: Stripe rejected the API key; check STRIPE_SECRET_KEY", op)
		case se.HTTPStatusCode == http.StatusNotFound:
			return apperr.NotFound("%s: Stripe has no such object", op)
		case se.HTTPStatusCode == http.StatusBadRequest && se.Type == stripego.ErrorTypeInvalidRequest:
			return &apperr.Error{Kind: apperr.KindFailedPrecondition, Msg: fmt.Sprintf("%s: Stripe refused the request (%s)", op, se.Code), Err: err}
		}
	}
	return apperr.Unavailable(err, "%s: Stripe did not answer; try again", op)
}

// leveled routes stripe-go's logs to slog at debug level, except errors. Its own debug
// lines are dropped: they are whole response bodies, which hold verified names, dates of
// birth and addresses.
type leveled struct{ log *slog.Logger }

func (l leveled) Debugf(string, ...any)          {}
func (l leveled) Infof(format string, v ...any)  { l.log.Debug(fmt.Sprintf(format, v...)) }
func (l leveled) Warnf(format string, v ...any)  { l.log.Warn(fmt.Sprintf(format, v...)) }
func (l leveled) Errorf(format string, v ...any) { l.log.Error(fmt.Sprintf(format, v...)) }
