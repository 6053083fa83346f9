package sandbox

import (
	"fmt"
	"html/template"
	"net/http"
	"path"
	"strings"
)

// DocumentImage is the contents of the document images of a verified session's report, and
// of any file given no contents of its own: a PNG signature and a label.
var DocumentImage = []byte("\x89PNG\r\n\x1a\nidgate sandbox identity document")

// Outcomes a session can be driven to, as Stripe's test page offers them.
var Outcomes = []string{"verified", "requires_input", "processing", "canceled"}

func (s *Sandbox) identityRoutes(mux *http.ServeMux) {
	const sessions = "/v1/identity/verification_sessions"
	s.handle(mux, "POST "+sessions, s.createSession)
	s.handle(mux, "GET "+sessions, func(c *call) (map[string]any, error) {
		st := str(c.params, "status")
		return s.list(c, "identity.verification_session", func(o map[string]any) bool { return st == "" || o["status"] == st }), nil
	})
	s.handle(mux, "GET "+sessions+"/{id}", func(c *call) (map[string]any, error) {
		o, err := s.get(c, "identity.verification_session", c.r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return s.sessionView(o, c.params), nil
	})
	s.handle(mux, "POST "+sessions+"/{id}", s.sessionOp(func(c *call, vs *object) error {
		if vs.data["status"] != "requires_input" {
			return invalid("session_unexpected_state", "", "This VerificationSession has a status of %s: only a session in requires_input can be updated.", vs.data["status"])
		}
		for _, k := range []string{"options", "type"} {
			if v, ok := c.params[k]; ok {
				vs.data[k] = mergeInto(vs.data[k], v)
			}
		}
		if _, ok := c.params["metadata"]; ok {
			mergeMetadata(vs.data, c.params)
		}
		return nil
	}))
	s.handle(mux, "POST "+sessions+"/{id}/cancel", s.sessionOp(func(c *call, vs *object) error {
		_, err := s.moveSession(c, vs, "canceled", "")
		return err
	}))
	s.handle(mux, "POST "+sessions+"/{id}/redact", s.sessionOp(func(c *call, vs *object) error {
		if vs.data["status"] == "processing" {
			return invalid("session_unexpected_state", "", "This VerificationSession is processing: it can be redacted once processing ends.")
		}
		before := copyOf(vs.data)
		vs.data["redaction"] = map[string]any{"status": "redacted"}
		vs.data["verified_outputs"] = nil
		if r, _ := vs.data["last_verification_report"].(map[string]any); r != nil {
			for _, f := range reportFiles(r) {
				delete(s.files, f)
			}
			vs.data["last_verification_report"] = nil
		}
		s.emit(c, "identity.verification_session.redacted", vs.account, s.sessionView(vs, nil), before)
		return nil
	}))
}

func (s *Sandbox) createSession(c *call) (map[string]any, error) {
	vs := c.fixture
	id := newID("vs")
	scheme := "http"
	if c.r.TLS != nil {
		scheme = "https"
	}
	for k, v := range map[string]any{
		"id": id, "object": "identity.verification_session", "client_secret": id + "_secret_" + newID("s")[2:],
		"url": fmt.Sprintf("%s://%s/sandbox/verify/%s", scheme, c.r.Host, id), "created": s.clock.Now().Unix(), "livemode": false,
		"status": "requires_input", "last_error": nil, "last_verification_report": nil, "verified_outputs": nil,
		"redaction": nil, "metadata": map[string]any{}, "options": map[string]any{}, "type": "document",
		"client_reference_id": nil, "return_url": nil,
	} {
		vs[k] = v
	}
	for _, k := range []string{"type", "client_reference_id", "return_url"} {
		if v, ok := c.params[k].(string); ok {
			vs[k] = v
		}
	}
	if o, ok := c.params["options"]; ok {
		vs["options"] = mergeInto(nil, o)
	}
	mergeMetadata(vs, c.params)
	o := &object{account: c.account, data: vs}
	s.put(o)
	if s.verifyAtOnce {
		vs["status"] = "verified"
		vs["verified_outputs"], vs["last_verification_report"] = s.verifiedOutputs(o)
		return s.sessionView(o, c.params), nil
	}
	s.emit(c, "identity.verification_session.created", c.account, s.sessionView(o, nil), nil)
	return s.sessionView(o, c.params), nil
}

func (s *Sandbox) sessionOp(op func(*call, *object) error) route {
	return func(c *call) (map[string]any, error) {
		o, err := s.get(c, "identity.verification_session", c.r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		keep := copyOf(o.data)
		if err := op(c, o); err != nil {
			o.data = keep
			return nil, err
		}
		return s.sessionView(o, c.params), nil
	}
}

// sessionView is a session as the API answers it: the report by id unless expanded, and
// verified outputs without the date of birth and id number unless those are expanded.
func (s *Sandbox) sessionView(o *object, params map[string]any) map[string]any {
	vs := copyOf(o.data)
	r, _ := vs["last_verification_report"].(map[string]any)
	if files, ok := s.reports[o.data["id"].(string)]; ok && r != nil {
		list := make([]any, 0, len(files))
		for _, f := range files {
			if _, ok := s.files[f]; !ok {
				s.files[f] = DocumentImage
			}
			list = append(list, f)
		}
		r["document"].(map[string]any)["files"] = list
	}
	if r != nil && !expanded(params, "last_verification_report") {
		vs["last_verification_report"] = r["id"]
	}
	if out, _ := vs["verified_outputs"].(map[string]any); out != nil {
		for _, f := range []string{"dob", "id_number"} {
			if !expanded(params, "verified_outputs."+f) {
				out[f] = nil
			}
		}
	}
	return vs
}

// moveSession drives a session to an outcome and sends the events a test account sends:
// processing first for a verified outcome, and last_error set for requires_input.
func (s *Sandbox) moveSession(c *call, vs *object, outcome, code string) (last string, err error) {
	st := vs.data["status"]
	if st == "verified" || st == "canceled" {
		return "", invalid("session_unexpected_state", "", "This VerificationSession is %s: it can no longer change.", st)
	}
	if outcome == "canceled" && st != "requires_input" {
		return "", invalid("session_unexpected_state", "", "This VerificationSession has a status of %s: only a session in requires_input can be canceled.", st)
	}
	step := func(status string) {
		before := copyOf(vs.data)
		vs.data["status"] = status
		last = s.emit(c, "identity.verification_session."+status, vs.account, s.sessionView(vs, nil), before)
	}
	switch outcome {
	case "verified":
		if st != "processing" {
			step("processing")
		}
		vs.data["last_error"] = nil
		vs.data["verified_outputs"], vs.data["last_verification_report"] = s.verifiedOutputs(vs)
		step("verified")
	case "requires_input":
		if code == "" {
			code = "document_unverified_other"
		}
		vs.data["last_error"] = map[string]any{"code": code, "reason": "The document could not be verified (sandbox outcome " + code + ")."}
		step("requires_input")
	case "processing", "canceled":
		if st == outcome {
			return "", nil
		}
		vs.data["last_error"] = nil
		step(outcome)
	default:
		return "", invalid("parameter_invalid", "outcome", "outcome must be one of %s", strings.Join(Outcomes, ", "))
	}
	return last, nil
}

// Complete drives the session id to outcome (verified, requires_input with an error code,
// processing, canceled) as the user would on Stripe's test verification page, and returns
// the id of the last event it sent ("" when the session was already there).
func (s *Sandbox) Complete(id, outcome, code string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.objects {
		if o.data["id"] == id && o.data["object"] == "identity.verification_session" {
			return s.moveSession(nil, o, outcome, code)
		}
	}
	return "", missing("identity.verification_session", id)
}

// verifiedOutputs are the test person of Stripe's test mode and the report of their
// document, whose images the sandbox serves.
func (s *Sandbox) verifiedOutputs(vs *object) (map[string]any, map[string]any) {
	opts, _ := vs.data["options"].(map[string]any)
	doc, _ := opts["document"].(map[string]any)
	_, idNumber := opts["id_number"]
	idNumber = idNumber || doc["require_id_number"] == true
	address := map[string]any{"line1": "1234 Main St.", "line2": nil, "city": "San Francisco", "state": "CA", "postal_code": "94111", "country": "US"}
	dob := map[string]any{"day": 1, "month": 1, "year": 1901}
	out := map[string]any{"first_name": "Jenny", "last_name": "Rosen", "dob": dob, "address": address,
		"id_number": nil, "id_number_type": nil, "email": nil, "phone": nil}
	if idNumber {
		out["id_number"], out["id_number_type"] = "000000000", "us_ssn"
	}
	id := vs.data["id"].(string)
	files, ok := s.reports[id]
	if !ok {
		files = []string{newID("file"), newID("file")}
	}
	list := make([]any, 0, len(files))
	for _, f := range files {
		if _, ok := s.files[f]; !ok {
			s.files[f] = DocumentImage
		}
		list = append(list, f)
	}
	report := map[string]any{
		"id": newID("vr"), "object": "identity.verification_report", "created": s.clock.Now().Unix(), "livemode": false,
		"type": "document", "verification_session": id, "options": opts,
		"document": map[string]any{
			"status": "verified", "error": nil, "type": "driving_license", "issuing_country": "US",
			"first_name": "Jenny", "last_name": "Rosen", "dob": dob, "address": address, "files": list,
			"expiration_date": map[string]any{"day": 1, "month": 12, "year": 2030},
			"issued_date":     map[string]any{"day": 1, "month": 12, "year": 2020},
		},
	}
	if doc["require_matching_selfie"] == true && len(files) > 0 {
		selfie := newID("file")
		s.files[selfie] = DocumentImage
		report["selfie"] = map[string]any{"status": "verified", "error": nil, "document": files[0], "selfie": selfie}
	}
	return out, report
}

func reportFiles(r map[string]any) []string {
	var out []string
	if d, _ := r["document"].(map[string]any); d != nil {
		for _, f := range asList(d["files"]) {
			if s, ok := f.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

func asList(v any) []any { l, _ := v.([]any); return l }

// SetReportFiles makes the report of the session, once verified, list files as its
// document's images (none: a report without files).
func (s *Sandbox) SetReportFiles(session string, files ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reports[session] = files
}

// SetFileContents makes the sandbox answer content for the contents of file id.
func (s *Sandbox) SetFileContents(id string, content []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[id] = content
}

func (s *Sandbox) fileRoutes(mux *http.ServeMux) {
	s.handle(mux, "POST /v1/files", func(c *call) (map[string]any, error) {
		f := c.fixture
		id := newID("file")
		content, _ := c.params["file.bytes"].([]byte)
		name, _ := c.params["file.name"].(string)
		for k, v := range map[string]any{
			"id": id, "object": "file", "created": s.clock.Now().Unix(), "filename": name, "size": len(content),
			"purpose": str(c.params, "purpose"), "type": strings.TrimPrefix(path.Ext(name), "."), "links": nil,
			"url": fmt.Sprintf("http://%s/v1/files/%s/contents", c.r.Host, id),
		} {
			f[k] = v
		}
		s.put(&object{account: c.account, data: f})
		s.files[id] = content
		return copyOf(f), nil
	})
	s.handle(mux, "GET /v1/files/{id}", func(c *call) (map[string]any, error) {
		o, err := s.get(c, "file", c.r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return copyOf(o.data), nil
	})
}

var page = template.Must(template.New("verify").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>idgate sandbox: verify {{.ID}}</title></head>
<body><h1>Sandbox identity verification</h1>
<p>Session <code>{{.ID}}</code> is <b>{{.Status}}</b>. Choose what the user's verification does, as on Stripe's test page; the sandbox sends the events Stripe would.</p>
{{range .Outcomes}}<form method="post"><input type="hidden" name="outcome" value="{{.}}"><button>{{.}}</button></form>{{end}}
</body></html>`))

// servePages answers what stripe-mock has no path for: file contents (files.stripe.com)
// and the sessions' test verification page. It reports whether it answered.
func (s *Sandbox) servePages(w http.ResponseWriter, r *http.Request) bool {
	if id, ok := strings.CutPrefix(r.URL.Path, "/v1/files/"); ok && strings.HasSuffix(id, "/contents") && r.Method == http.MethodGet {
		id = strings.TrimSuffix(id, "/contents")
		s.mu.Lock()
		content, ok := s.files[id]
		s.mu.Unlock()
		if !ok {
			writeError(w, missing("file upload", id))
			return true
		}
		w.Header().Set("Content-Type", http.DetectContentType(content))
		_, _ = w.Write(content)
		return true
	}
	id, ok := strings.CutPrefix(r.URL.Path, "/sandbox/verify/")
	if !ok {
		return false
	}
	if r.Method == http.MethodPost {
		if _, err := s.Complete(id, r.FormValue("outcome"), r.FormValue("error_code")); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return true
		}
		http.Redirect(w, r, r.URL.Path, http.StatusSeeOther)
		return true
	}
	s.mu.Lock()
	o, found := s.objects[id]
	var st any
	if found && o.data["object"] == "identity.verification_session" {
		st = o.data["status"]
	}
	s.mu.Unlock()
	if st == nil {
		http.NotFound(w, r)
		return true
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = page.Execute(w, map[string]any{"ID": id, "Status": st, "Outcomes": Outcomes})
	return true
}
