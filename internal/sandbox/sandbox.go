// Package sandbox is a stateful local Stripe for development and tests: it sits in front of
// stripe-mock, which still validates every request against Stripe's API, and keeps what
// stripe-mock cannot (ids of their own, PaymentIntents, Connect accounts and persons,
// Identity VerificationSessions and files), sending the signed events a Stripe test account
// would send for the changes it sees. It refuses live keys.
package sandbox

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/idgate/idgate/internal/clock"
)

// ErrLiveKey refuses a sandbox configured next to a live Stripe key.
var ErrLiveKey = errors.New("the sandbox is a local Stripe for test mode and is refused with a live key (sk_live_/rk_live_): unset IDGATE_SANDBOX or use a test key")

// LiveKey reports whether key is a live-mode Stripe key.
func LiveKey(key string) bool {
	return strings.HasPrefix(key, "sk_live_") || strings.HasPrefix(key, "rk_live_")
}

// Options configure a Sandbox.
type Options struct {
	// StripeMock is the base URL of the stripe-mock that validates every request.
	StripeMock string
	// SecretKey is the key the platform is configured with; a live key is refused.
	SecretKey string
	// Webhooks are where events go; none: events are not sent. SetWebhooks changes them.
	Webhooks Webhooks
	Clock    clock.Clock
	Log      *slog.Logger
	// Client sends requests to stripe-mock and events to the endpoints.
	Client *http.Client
	// Adopt makes an id the sandbox has not seen answer stripe-mock's object under that id,
	// kept from then on, instead of resource_missing: for tests that seed Stripe ids of
	// their own into idgate's database. Off for `make run`.
	Adopt bool
	// VerifyAtOnce makes a created session verified from the start (outputs and report
	// included, no events), as if its user had finished at once: for tests written against
	// stripe-mock, whose session is always verified. Off for `make run`, where a session
	// waits for its test page (Complete). Persons are then verified at once too.
	VerifyAtOnce bool
	// PersonCheck is how long Stripe takes to verify a person's identity: the person
	// answers verification.status pending until then (default 2s).
	PersonCheck time.Duration
}

// Webhooks are the platform's two webhook endpoints: events of the platform's own objects
// go to Platform, those of connected accounts (Stripe-Account, accounts, persons) to Connect,
// each signed with its own secret.
type Webhooks struct {
	Platform, Connect Endpoint
}

// Endpoint is a webhook endpoint and its signing secret (whsec_...).
type Endpoint struct{ URL, Secret string }

// Sandbox is the local Stripe; it is an http.Handler serving Stripe's API paths.
type Sandbox struct {
	mock         string
	clock        clock.Clock
	log          *slog.Logger
	client       *http.Client
	routes       *http.ServeMux
	adopt        bool
	verifyAtOnce bool
	check        time.Duration // PersonCheck; 0 with VerifyAtOnce

	mu      sync.Mutex
	objects map[string]*object // id → object
	seq     int
	replays map[string]answer      // account + idempotency key → first answer
	keys    map[string]*sync.Mutex // account + idempotency key → held while its request runs
	files   map[string][]byte      // file id → contents
	reports map[string][]string    // session id → its report's document files, set by tests
	hooks   Webhooks
	events  chan event
	done    chan struct{}
	stop    context.CancelFunc
}

// object is one stored Stripe object and the connected account it belongs to ("": the
// platform's).
type object struct {
	account   string
	seq       int // creation order, for lists
	data      map[string]any
	failingID bool           // a person given the test id number that fails verification
	outcome   map[string]any // a person's verification once Stripe's check ends
}

type answer struct {
	status int
	body   []byte
}

// New returns a Sandbox in front of the stripe-mock at o.StripeMock; Close stops its
// deliveries.
func New(o Options) (*Sandbox, error) {
	if LiveKey(o.SecretKey) {
		return nil, ErrLiveKey
	}
	if o.StripeMock == "" {
		return nil, errors.New("sandbox: the URL of stripe-mock, which validates every request, is required")
	}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.PersonCheck <= 0 {
		o.PersonCheck = 2 * time.Second
	}
	if o.VerifyAtOnce {
		o.PersonCheck = 0
	}
	if o.Client == nil {
		// Its own connections, which Close can close: a connection left open to idgate, even
		// one that never carried a request, holds up idgate's graceful shutdown.
		o.Client = &http.Client{Timeout: 30 * time.Second, Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	ctx, stop := context.WithCancel(context.Background())
	s := &Sandbox{
		mock: strings.TrimRight(o.StripeMock, "/"), clock: o.Clock, log: o.Log, client: o.Client, adopt: o.Adopt, verifyAtOnce: o.VerifyAtOnce, check: o.PersonCheck,
		objects: map[string]*object{}, replays: map[string]answer{}, keys: map[string]*sync.Mutex{}, files: map[string][]byte{}, reports: map[string][]string{},
		hooks: o.Webhooks, events: make(chan event, 1024), done: make(chan struct{}), stop: stop,
	}
	s.routes = s.newRoutes()
	go s.deliver(ctx)
	return s, nil
}

// SetWebhooks changes where events go.
func (s *Sandbox) SetWebhooks(w Webhooks) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hooks = w
}

// Close stops delivering events; events not yet delivered are dropped. It closes the
// client's idle connections, and those a canceled delivery was still dialling as they
// arrive.
func (s *Sandbox) Close() {
	s.stop()
	<-s.done
	s.client.CloseIdleConnections()
}

// call is one API request as a route sees it: its decoded parameters, the connected account
// it is made on behalf of, and stripe-mock's (validated, canned) answer.
type call struct {
	r       *http.Request
	params  map[string]any
	account string
	fixture map[string]any
	out     map[string]any
	err     error
}

// apiError is an error answer in Stripe's shape.
type apiError struct {
	status           int
	typ, code, param string
	message          string
}

func (e *apiError) Error() string { return e.message }

func missing(kind, id string) *apiError {
	return &apiError{status: http.StatusNotFound, typ: "invalid_request_error", code: "resource_missing", param: "id",
		message: fmt.Sprintf("No such %s: '%s'", kind, id)}
}

func invalid(code, param, format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, typ: "invalid_request_error", code: code, param: param, message: fmt.Sprintf(format, args...)}
}

type route func(c *call) (map[string]any, error)

type callKey struct{}

// ServeHTTP answers a Stripe API request: live keys are refused, the request is validated by
// stripe-mock, and a route the sandbox keeps state for answers from that state.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if LiveKey(bearer(r)) {
		writeError(w, &apiError{status: http.StatusUnauthorized, typ: "invalid_request_error", code: "live_key_refused", message: ErrLiveKey.Error()})
		return
	}
	in, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, invalid("", "", "read the request: %v", err))
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(in))
	if s.servePages(w, r) {
		return
	}
	replayKey := ""
	if k := r.Header.Get("Idempotency-Key"); k != "" && r.Method == http.MethodPost {
		replayKey = r.Header.Get("Stripe-Account") + " " + r.URL.Path + " " + k
		// Requests with one key run one at a time, so a racing retry gets the first answer.
		s.mu.Lock()
		held, ok := s.keys[replayKey]
		if !ok {
			held = &sync.Mutex{}
			s.keys[replayKey] = held
		}
		s.mu.Unlock()
		held.Lock()
		defer held.Unlock()
		s.mu.Lock()
		a, ok := s.replays[replayKey]
		s.mu.Unlock()
		if ok {
			w.Header().Set("Idempotent-Replayed", "true")
			writeBody(w, a.status, a.body)
			return
		}
	}
	status, body, err := s.validate(r, in)
	if err != nil {
		writeError(w, &apiError{status: http.StatusBadGateway, typ: "api_error", message: "stripe-mock: " + err.Error()})
		return
	}
	_, pattern := s.routes.Handler(r)
	if status != http.StatusOK || pattern == "" {
		writeBody(w, status, body) // an invalid request, or an object the sandbox keeps no state for
		return
	}
	c := &call{r: r, account: r.Header.Get("Stripe-Account")}
	if c.params, err = decodeParams(r, in); err != nil {
		writeError(w, invalid("parameter_invalid", "", "%v", err))
		return
	}
	if json.Unmarshal(body, &c.fixture) != nil || c.fixture == nil {
		c.fixture = map[string]any{}
	}
	s.routes.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callKey{}, c)))
	out, err := c.out, c.err
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		writeError(w, ae)
		return
	case err != nil:
		writeError(w, &apiError{status: http.StatusInternalServerError, typ: "api_error", message: err.Error()})
		return
	}
	body, _ = json.Marshal(out)
	if replayKey != "" {
		s.mu.Lock()
		s.replays[replayKey] = answer{status: http.StatusOK, body: body}
		s.mu.Unlock()
	}
	writeBody(w, http.StatusOK, body)
}

// handle registers a route under a ServeMux pattern.
func (s *Sandbox) handle(mux *http.ServeMux, pattern string, rt route) {
	mux.HandleFunc(pattern, func(_ http.ResponseWriter, r *http.Request) {
		c := r.Context().Value(callKey{}).(*call)
		c.r = r // with the pattern's path values
		s.mu.Lock()
		defer s.mu.Unlock()
		c.out, c.err = rt(c)
	})
}

// unexpandable are the expansions Stripe offers that stripe-mock's spec lacks (it answers
// 500); the sandbox expands them itself.
var unexpandable = map[string]bool{"verified_outputs.id_number": true}

// validate sends the request to stripe-mock and returns its answer.
func (s *Sandbox) validate(r *http.Request, in []byte) (int, []byte, error) {
	u := *r.URL
	q := u.Query()
	for k, v := range q {
		if strings.HasPrefix(k, "expand[") && len(v) == 1 && unexpandable[v[0]] {
			delete(q, k)
		}
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(r.Context(), r.Method, s.mock+u.RequestURI(), bytes.NewReader(in))
	if err != nil {
		return 0, nil, err
	}
	req.Header = r.Header.Clone()
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

func bearer(r *http.Request) string {
	if user, _, ok := r.BasicAuth(); ok {
		return user
	}
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
}

func writeBody(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Request-Id", newID("req"))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeError(w http.ResponseWriter, e *apiError) {
	inner := map[string]any{"type": e.typ, "message": e.message}
	if e.code != "" {
		inner["code"] = e.code
	}
	if e.param != "" {
		inner["param"] = e.param
	}
	body, _ := json.Marshal(map[string]any{"error": inner})
	writeBody(w, e.status, body)
}

// newID is an id of Stripe's shape: the prefix, an underscore and 24 random characters.
func newID(prefix string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return prefix + "_" + hex.EncodeToString(b)
}

// get returns the stored object id of the caller's account, or resource_missing: another
// account's object answers exactly like a missing one.
func (s *Sandbox) get(c *call, kind, id string) (*object, error) {
	o, ok := s.objects[id]
	if !ok && s.adopt {
		return s.adoptObject(c, kind, id), nil
	}
	if !ok || o.account != c.account || o.data["object"] != kind {
		return nil, missing(strings.ReplaceAll(kind, "_", " "), id)
	}
	return o, nil
}

// adoptObject stores, under id, stripe-mock's answer when it is an object of kind, else a
// bare object of that kind (the account a person route names).
func (s *Sandbox) adoptObject(c *call, kind, id string) *object {
	data := map[string]any{"object": kind, "metadata": map[string]any{}, "created": s.clock.Now().Unix()}
	if c.fixture["object"] == kind {
		data = copyOf(c.fixture)
	}
	data["id"] = id
	o := &object{account: c.account, data: data}
	switch kind {
	case "account":
		o.account = ""
		if data["capabilities"] == nil {
			data["capabilities"] = map[string]any{}
		}
		s.requirements(o)
	case "person":
		data["account"] = c.r.PathValue("account")
	case "identity.verification_session":
		if r, _ := data["last_verification_report"].(map[string]any); r != nil {
			for _, f := range reportFiles(r) {
				if _, ok := s.files[f]; !ok {
					s.files[f] = DocumentImage
				}
			}
		}
	}
	s.put(o)
	return o
}

// put stores a new object.
func (s *Sandbox) put(o *object) {
	s.seq++
	o.seq = s.seq
	s.objects[o.data["id"].(string)] = o
}

// list answers a page of the caller's objects of kind that keep, newest first: limit of
// them (default 10), after the starting_after object.
func (s *Sandbox) list(c *call, kind string, keep func(map[string]any) bool) map[string]any {
	var found []*object
	for _, o := range s.objects {
		if o.account == c.account && o.data["object"] == kind && (keep == nil || keep(o.data)) {
			found = append(found, o)
		}
	}
	sort.Slice(found, func(i, j int) bool { return found[i].seq > found[j].seq })
	if after := str(c.params, "starting_after"); after != "" {
		for i, o := range found {
			if o.data["id"] == after {
				found = found[i+1:]
				break
			}
		}
	}
	data := make([]any, 0, len(found))
	for _, o := range found {
		data = append(data, copyOf(o.data))
	}
	limit := 10
	if n, ok := number(c.params["limit"]); ok && n > 0 && n <= 100 {
		limit = int(n)
	}
	more := len(data) > limit
	if more {
		data = data[:limit]
	}
	return map[string]any{"object": "list", "data": data, "has_more": more, "url": c.r.URL.Path}
}

func (s *Sandbox) newRoutes() *http.ServeMux {
	mux := http.NewServeMux()
	s.paymentRoutes(mux)
	s.connectRoutes(mux)
	s.identityRoutes(mux)
	s.fileRoutes(mux)
	return mux
}
