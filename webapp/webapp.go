// Package webapp serves the API Keys page: a web app, built on the public
// GraphQL API alone, with which an admin signs in, creates, rolls, renames
// and deletes keys, sees their usage, and manages who may create keys.
//
// Its code is in frontend/ (Preact and htm, bundled by esbuild); the built
// files in dist/ are committed and embedded here, so the binary serves the
// app with no CDN, no third-party request and no node. scripts/build-webapp
// rebuilds dist/ from frontend/, byte for byte.
//
// The page runs under a strict Content-Security-Policy: its only script and
// style are dist/app.js and dist/app.css, and it may connect to its own
// origin alone, where it calls /graphql.
package webapp

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"net/http"
	"path"
	"strings"
	"time"
)

// Prefix is the path the app is served below. Mount the handler on it:
//
//	mux.Handle("GET "+webapp.Prefix, webapp.Handler())
const Prefix = "/app/"

//go:embed dist/index.html dist/app.js dist/app.css
var dist embed.FS

// file is one built file as served.
type file struct {
	body        []byte
	contentType string
	etag        string
}

// files maps a name below Prefix ("" for the page) to its file.
var files = loadFiles()

func loadFiles() map[string]*file {
	types := map[string]string{
		".html": "text/html; charset=utf-8",
		".js":   "text/javascript; charset=utf-8",
		".css":  "text/css; charset=utf-8",
	}
	m := map[string]*file{}
	for _, name := range []string{"index.html", "app.js", "app.css"} {
		body, err := dist.ReadFile("dist/" + name)
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(body)
		m[name] = &file{body: body, contentType: types[path.Ext(name)], etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
	}
	m[""] = m["index.html"]
	return m
}

// Scripts returns every JavaScript file the app ships, by name: what the
// size bound is about.
func Scripts() map[string][]byte {
	out := map[string][]byte{}
	for name, f := range files {
		if strings.HasSuffix(name, ".js") {
			out[name] = f.body
		}
	}
	return out
}

// ContentSecurityPolicy is the page's policy: its own script and style
// only (no inline script, no eval, no inline style), fetches to its own
// origin only (where /graphql is), images only from itself or data: URLs
// (the sparklines are inline SVG, which needs neither), and no framing,
// <base> or form submission anywhere.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
	"img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// Handler serves the app's page at Prefix and its script and style below it.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		name, ok := strings.CutPrefix(r.URL.Path, Prefix)
		f := files[name]
		if !ok || f == nil || name == "index.html" {
			http.NotFound(w, r)
			return
		}
		h.Set("Content-Type", f.contentType)
		if name == "" {
			// The page holds no secret, but a cached copy could outlive an
			// upgrade and ask for a script the server no longer has.
			h.Set("Cache-Control", "no-store")
			h.Set("Content-Security-Policy", ContentSecurityPolicy)
			h.Set("Cross-Origin-Opener-Policy", "same-origin")
		} else {
			// Same names across versions: always revalidate, by ETag.
			h.Set("Cache-Control", "no-cache")
			h.Set("ETag", f.etag)
		}
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(f.body))
	})
}
