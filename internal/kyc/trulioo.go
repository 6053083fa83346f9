package kyc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/idgate/idgate/internal/apperr"
)

// TruliooConfig says how to reach Trulioo's Verifications API.
type TruliooConfig struct {
	BaseURL           string // e.g. https://api.trulioo.com
	APIKey            string
	ConfigurationName string // default "Identity Verification"
	Timeout           time.Duration
	MaxRetries        int
}

// KeySetting is the setting that holds Trulioo's API key, named when Trulioo refuses it.
const KeySetting = "IDGATE_TRULIOO_API_KEY"

// OutageRetry is when a caller should try again after Trulioo could not be reached or
// answered an error through every retry.
const OutageRetry = 30 * time.Second

// Trulioo is the database-KYC provider over Trulioo's normalized verify API.
type Trulioo struct {
	cfg    TruliooConfig
	client *retryablehttp.Client
}

// NewTrulioo returns the provider.
//
// Retries: a 5xx or 429 answer, or a connection that never reached Trulioo, is retried
// with backoff and the same CustomerReferenceID: Trulioo did not complete, and so did not
// bill, those requests; when every retry fails the error is Unbilled, as is a refused key
// or request. A timeout after the request was sent is not retried: Trulioo may have
// completed (and billed) it, so the error says so and names the reference to look up,
// rather than paying twice.
func NewTrulioo(cfg TruliooConfig) *Trulioo {
	if cfg.ConfigurationName == "" {
		cfg.ConfigurationName = "Identity Verification"
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	c := retryablehttp.NewClient()
	c.RetryMax = cfg.MaxRetries
	c.RetryWaitMin, c.RetryWaitMax = 200*time.Millisecond, 5*time.Second
	c.HTTPClient.Timeout = cfg.Timeout
	c.Logger = nil
	c.CheckRetry = func(ctx context.Context, resp *http.Response, err error) (bool, error) {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		if err != nil {
			return !sent(err), nil
		}
		return resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500, nil
	}
	c.ErrorHandler = retryablehttp.PassthroughErrorHandler
	return &Trulioo{cfg: cfg, client: c}
}

// sent reports whether a transport error may have happened after Trulioo received the
// request: everything but a failure to connect.
func sent(err error) bool {
	var op *net.OpError
	return !(errors.As(err, &op) && op.Op == "dial")
}

// Name is the provider's registry name.
func (t *Trulioo) Name() string { return "trulioo" }

type truliooRequest struct {
	AcceptTruliooTermsAndConditions bool   `json:"AcceptTruliooTermsAndConditions"`
	ConfigurationName               string `json:"ConfigurationName"`
	CountryCode                     string `json:"CountryCode"`
	CustomerReferenceID             string `json:"CustomerReferenceID"`
	DataFields                      struct {
		PersonInfo struct {
			FirstGivenName string `json:"FirstGivenName"`
			FirstSurName   string `json:"FirstSurName"`
			DayOfBirth     int    `json:"DayOfBirth,omitempty"`
			MonthOfBirth   int    `json:"MonthOfBirth,omitempty"`
			YearOfBirth    int    `json:"YearOfBirth,omitempty"`
		} `json:"PersonInfo"`
		Location struct {
			StreetName        string `json:"StreetName,omitempty"`
			City              string `json:"City,omitempty"`
			StateProvinceCode string `json:"StateProvinceCode,omitempty"`
			PostalCode        string `json:"PostalCode,omitempty"`
		} `json:"Location"`
		NationalIds []struct {
			Number string `json:"Number"`
			Type   string `json:"Type"`
		} `json:"NationalIds,omitempty"`
		Business *truliooBusiness `json:"Business,omitempty"`
	} `json:"DataFields"`
}

// truliooBusiness is the Business group of Trulioo's normalized DataFields (its KYB fields):
// for the US the EIN is the business registration number. The account's configuration must
// include business datasources; RecordStatus then matches only if the person and the
// business both do.
type truliooBusiness struct {
	BusinessName               string `json:"BusinessName"`
	BusinessRegistrationNumber string `json:"BusinessRegistrationNumber,omitempty"`
}

type truliooResult struct {
	TransactionID string `json:"TransactionID"`
	Record        struct {
		RecordStatus      string `json:"RecordStatus"`
		DatasourceResults []struct {
			DatasourceFields []struct {
				FieldName string `json:"FieldName"`
				Status    string `json:"Status"`
			} `json:"DatasourceFields"`
		} `json:"DatasourceResults"`
	} `json:"Record"`
	Errors []struct {
		Code    string `json:"Code"`
		Message string `json:"Message"`
	} `json:"Errors"`
}

// Verify checks r against Trulioo's datasources.
func (t *Trulioo) Verify(ctx context.Context, r Request) (Result, error) {
	var body truliooRequest
	body.AcceptTruliooTermsAndConditions = true
	body.ConfigurationName = t.cfg.ConfigurationName
	body.CountryCode = r.Country
	body.CustomerReferenceID = r.Reference
	p := &body.DataFields.PersonInfo
	p.FirstGivenName, p.FirstSurName = r.FirstName, r.LastName
	p.DayOfBirth, p.MonthOfBirth, p.YearOfBirth = r.DOB.Day, r.DOB.Month, r.DOB.Year
	l := &body.DataFields.Location
	l.StreetName, l.City, l.StateProvinceCode, l.PostalCode = r.Address.Line1, r.Address.City, r.Address.State, r.Address.PostalCode
	if r.NationalID != "" {
		body.DataFields.NationalIds = append(body.DataFields.NationalIds, struct {
			Number string `json:"Number"`
			Type   string `json:"Type"`
		}{r.NationalID, "SocialService"})
	}
	if b := r.Business; b != nil {
		// No JurisdictionOfIncorporation: the representative's home state is not the
		// company's, and idgate does not collect where the company was incorporated.
		body.DataFields.Business = &truliooBusiness{BusinessName: b.LegalName, BusinessRegistrationNumber: b.TaxID}
	}
	payload, err := json.Marshal(body)
	if err != nil {
		return Result{}, err
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(t.cfg.BaseURL, "/")+"/v3/verifications/verify", bytes.NewReader(payload))
	if err != nil {
		return Result{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-trulioo-api-key", t.cfg.APIKey)
	resp, err := t.client.Do(req)
	if err != nil {
		if sent(err) {
			return Result{}, apperr.Unavailable(err, "Trulioo did not answer check %s in time; it may have completed: look the reference up before checking again", r.Reference)
		}
		return Result{}, &Unbilled{Err: apperr.UnavailableFor(OutageRetry, err, "cannot reach Trulioo; nothing was checked or billed: try again")}
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	switch {
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return Result{}, &Unbilled{Err: apperr.UnavailableFor(OutageRetry, nil,
			"Trulioo answered HTTP %d through %d retries; nothing was checked or billed: try again", resp.StatusCode, t.cfg.MaxRetries)}
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return Result{}, &Unbilled{Setting: KeySetting, Err: apperr.FailedPrecondition(
			"Trulioo refused idgate's API key (HTTP %d); nothing was checked or billed: an operator must set %s to a valid key, retrying will not help", resp.StatusCode, KeySetting)}
	case resp.StatusCode != http.StatusOK:
		return Result{}, &Unbilled{Err: apperr.FailedPrecondition("Trulioo refused the request (HTTP %d): %s", resp.StatusCode, truliooMessage(raw))}
	}
	var out truliooResult
	if err := json.Unmarshal(raw, &out); err != nil {
		return Result{}, fmt.Errorf("decode Trulioo answer: %w", err)
	}
	res := Result{Outcome: NoMatch, Fields: map[string]string{}, TransactionID: out.TransactionID}
	if strings.EqualFold(out.Record.RecordStatus, "match") {
		res.Outcome = Match
	}
	for _, ds := range out.Record.DatasourceResults {
		for _, f := range ds.DatasourceFields {
			// A field matched by any datasource is matched.
			if res.Fields[f.FieldName] != "match" {
				res.Fields[f.FieldName] = strings.ToLower(f.Status)
			}
		}
	}
	return res, nil
}

// truliooMessage keeps the error text of a 4xx answer, which names fields, not values.
func truliooMessage(raw []byte) string {
	var e struct {
		Message string `json:"Message"`
	}
	if json.Unmarshal(raw, &e) == nil && e.Message != "" {
		return e.Message
	}
	return "no message"
}
