package console_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/idgate/idgate/console"
)

// Every answer carries the security headers; index.html (and every path that is not a
// file: the app's own routes) is never cached; hashed assets are cached for good.
func TestHandler(t *testing.T) {
	srv := httptest.NewServer(console.Handler())
	t.Cleanup(srv.Close)
	for _, tc := range []struct {
		method, path string
		status       int
		cache, body  string
	}{
		{"GET", "/console/", 200, "no-store", "console not built"},
		{"GET", "/console/customers/cust_123", 200, "no-store", "console not built"},
		{"GET", "/console/assets/missing-abc123.js", 200, "no-store", "console not built"},
		{"GET", "/console/../../etc/passwd", 400, "", "invalid URL path"},
		{"HEAD", "/console/review", 200, "no-store", ""},
		{"POST", "/console/", 405, "", ""},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, srv.URL+tc.path, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status || !strings.Contains(string(body), tc.body) {
				t.Fatalf("%d %q, want %d with %q", resp.StatusCode, body, tc.status, tc.body)
			}
			if got := resp.Header.Get("Cache-Control"); got != tc.cache {
				t.Errorf("Cache-Control %q, want %q", got, tc.cache)
			}
			for h, want := range map[string]string{
				"Content-Security-Policy":    console.CSP,
				"X-Content-Type-Options":     "nosniff",
				"Referrer-Policy":            "no-referrer",
				"Cross-Origin-Opener-Policy": "same-origin",
			} {
				if got := resp.Header.Get(h); got != want {
					t.Errorf("%s %q, want %q", h, got, want)
				}
			}
		})
	}
}

// A file under assets/ is served as itself with a year's immutable caching; other files
// as themselves without it.
func TestHandlerAssets(t *testing.T) {
	h := console.HandlerFS(fstest.MapFS{
		"index.html":           {Data: []byte("<!doctype html><title>app</title>")},
		"assets/app-1a2b3c.js": {Data: []byte("console.log(1)")},
		"favicon.svg":          {Data: []byte("<svg/>")},
	})
	for path, want := range map[string][2]string{
		"/console/assets/app-1a2b3c.js": {"console.log(1)", "public, max-age=31536000, immutable"},
		"/console/favicon.svg":          {"<svg/>", ""},
		"/console/assets/":              {"<title>app</title>", "no-store"},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), want[0]) || rec.Header().Get("Cache-Control") != want[1] {
			t.Errorf("%s: %d %q Cache-Control %q, want %q %q", path, rec.Code, rec.Body, rec.Header().Get("Cache-Control"), want[0], want[1])
		}
	}
	if ct := func() string {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/console/assets/app-1a2b3c.js", nil))
		return rec.Header().Get("Content-Type")
	}(); !strings.Contains(ct, "javascript") {
		t.Errorf("assets/app-1a2b3c.js served as %q", ct)
	}
}
