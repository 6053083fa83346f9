package testenv

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"sync"
)

// DocumentImage is what the proxy answers for the contents of a file it knows and was
// given no contents for: a PNG signature and a label, enough to follow the bytes.
var DocumentImage = []byte("\x89PNG\r\n\x1a\nidgate test identity document")

// stripeFiles stands in for files.stripe.com's GET /v1/files/{id}/contents, which
// stripe-mock does not serve (its spec has no such path, it answers "Unrecognized request
// URL"). The proxy answers it itself, for the files it knows only: those a test gave
// contents to and those listed in a verification report it forwarded. It also lets a test
// choose which document files a session's expanded last_verification_report lists, since
// stripe-mock answers every session with the same fixture report. Every other call,
// uploads to POST /v1/files included, still goes through stripe-mock's validation.
type stripeFiles struct {
	mu       sync.Mutex
	contents map[string][]byte   // file id → its contents
	reports  map[string][]string // session id → its report's document files
}

var contentsPath = regexp.MustCompile(`^/v1/files/([^/]+)/contents$`)

// SetFileContents makes the proxy answer the contents of file id with content.
func (p *StripeProxy) SetFileContents(id string, content []byte) {
	p.files.mu.Lock()
	defer p.files.mu.Unlock()
	if p.files.contents == nil {
		p.files.contents = map[string][]byte{}
	}
	p.files.contents[id] = content
}

// SetReportFiles makes the expanded last_verification_report of the session list files as
// its document's images (none: a report without files); files with no contents of their
// own answer DocumentImage.
func (p *StripeProxy) SetReportFiles(session string, files ...string) {
	p.files.mu.Lock()
	defer p.files.mu.Unlock()
	if p.files.reports == nil {
		p.files.reports = map[string][]string{}
	}
	p.files.reports[session] = files
}

// serveContents answers a file contents request, reporting whether it was one.
func (f *stripeFiles) serveContents(w http.ResponseWriter, r *http.Request) (int, bool) {
	m := contentsPath.FindStringSubmatch(r.URL.Path)
	if m == nil || r.Method != http.MethodGet {
		return 0, false
	}
	f.mu.Lock()
	content, ok := f.contents[m[1]]
	f.mu.Unlock()
	if !ok {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"error":{"type":"invalid_request_error","code":"resource_missing","message":"No such file upload: '`+m[1]+`'"}}`)
		return http.StatusNotFound, true
	}
	w.Header().Set("Content-Type", "image/png")
	_, _ = w.Write(content)
	return http.StatusOK, true
}

// applyReport lays the test's document files over a retrieved session's expanded report
// and remembers the files the report lists.
func (f *stripeFiles) applyReport(r *http.Request, body []byte) []byte {
	rest, ok := strings.CutPrefix(r.URL.Path, "/v1/identity/verification_sessions/")
	if !ok || strings.Contains(rest, "/") || r.Method != http.MethodGet {
		return body
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil {
		return body
	}
	var report map[string]json.RawMessage
	if json.Unmarshal(obj["last_verification_report"], &report) != nil || report == nil {
		return body // not expanded
	}
	var doc map[string]any
	if json.Unmarshal(report["document"], &doc) != nil || doc == nil {
		return body
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if files, ok := f.reports[rest]; ok {
		doc["files"] = files
	}
	if f.contents == nil {
		f.contents = map[string][]byte{}
	}
	if files, ok := doc["files"].([]any); ok {
		for _, id := range files {
			if s, ok := id.(string); ok && f.contents[s] == nil {
				f.contents[s] = DocumentImage
			}
		}
	}
	for _, id := range f.reports[rest] {
		if f.contents[id] == nil {
			f.contents[id] = DocumentImage
		}
	}
	report["document"], _ = json.Marshal(doc)
	obj["last_verification_report"], _ = json.Marshal(report)
	var buf bytes.Buffer
	_ = json.NewEncoder(&buf).Encode(obj)
	return buf.Bytes()
}

// parseMultipart reads a multipart upload's fields into rec.Form and its file into
// rec.Upload.
func parseMultipart(rec *StripeRequest, contentType string, body []byte) {
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	rec.Form = map[string][]string{}
	for {
		part, err := mr.NextPart()
		if err != nil {
			return
		}
		b, _ := io.ReadAll(part)
		if part.FileName() != "" {
			rec.Upload, rec.UploadName = b, part.FileName()
			continue
		}
		rec.Form.Add(part.FormName(), string(b))
	}
}
