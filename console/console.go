// Package console serves the operators' web console: the built single-page app embedded
// in the binary (dist/, built from this directory's npm project), with a strict
// Content-Security-Policy. It holds no data and needs no key; everything it shows comes
// from the JSON gateway, called with the operator's own credentials.
package console

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed all:dist
var dist embed.FS

// Prefix is where the console is served.
const Prefix = "/console/"

// CSP lets the console load only its own files and call only its own origin.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
	"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Handler serves the embedded console under Prefix: files as they are (those under
// assets/, whose names carry their content hash, cached for a year), and index.html for
// every other path, so that the app's own routes load it. index.html is never cached.
func Handler() http.Handler {
	root, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // the embed pattern guarantees dist exists
	}
	return HandlerFS(root)
}

// HandlerFS is Handler over the built console in root (tests give their own).
func HandlerFS(root fs.FS) http.Handler {
	files := http.FileServerFS(root)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", CSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "the console's files are read with GET", http.StatusMethodNotAllowed)
			return
		}
		name := strings.TrimPrefix(path.Clean("/"+strings.TrimPrefix(r.URL.Path, Prefix)), "/")
		if st, err := fs.Stat(root, name); name == "" || name == "index.html" || err != nil || st.IsDir() {
			h.Set("Cache-Control", "no-store")
			http.ServeFileFS(w, r, root, "index.html")
			return
		}
		if strings.HasPrefix(name, "assets/") {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		}
		r.URL.Path = "/" + name
		files.ServeHTTP(w, r)
	})
}
