// Package playground serves a GraphiQL page whose code all comes from this
// binary: GraphiQL, React and ReactDOM are embedded (see assets/README.md),
// so the page loads no third-party script and works without internet.
//
// The page runs under a strict Content-Security-Policy with no inline
// script: its bootstrap is an embedded file too (web/bootstrap.js). Its bar
// has Sign in, which calls logIn from a form outside GraphiQL's editors and
// adds the session token to every tab's requests. The token, and headers
// typed into GraphiQL's header editor, stay in memory unless the admin
// ticks "Remember headers in this browser". A first visit opens the
// example operations of examples/, one tab each.
package playground

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
)

// AssetPrefix is the path below which Handler serves its scripts and
// styles. Mount the handler on it as well as on the page's route:
//
//	pg := playground.Handler("Keyfob", "/graphql")
//	mux.Handle("GET /{$}", pg)
//	mux.Handle("GET "+playground.AssetPrefix, pg)
const AssetPrefix = "/playground/assets/"

//go:embed assets/*.js assets/*.css web/bootstrap.js web/playground.css
var files embed.FS

//go:embed web/page.html
var pageHTML string

//go:embed examples
var exampleFiles embed.FS

var pageTemplate = template.Must(template.New("page").Parse(pageHTML))

// asset is one embedded file as served.
type asset struct {
	body        []byte
	contentType string
	version     string // hex prefix of the SHA-256 of body
}

// assets maps a file name, as requested below AssetPrefix, to its content.
var assets = loadAssets()

func loadAssets() map[string]*asset {
	types := map[string]string{
		".js":  "text/javascript; charset=utf-8",
		".css": "text/css; charset=utf-8",
	}
	m := map[string]*asset{}
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		ct, ok := types[path.Ext(p)]
		if !ok {
			return fmt.Errorf("playground: no content type for %s", p)
		}
		name := path.Base(p)
		if m[name] != nil {
			return fmt.Errorf("playground: two assets named %s", name)
		}
		sum := sha256.Sum256(body)
		m[name] = &asset{body: body, contentType: ct, version: hex.EncodeToString(sum[:8])}
		return nil
	})
	if err != nil {
		panic(err)
	}
	return m
}

// Example is one operation the playground opens in a tab of its own when
// the browser has no saved tabs. Each is a file under examples/ (NN-name.graphql,
// and its variables in NN-name.json), the one place its text lives: the
// page shows it and a test validates it against the schema.
type Example struct {
	File      string `json:"-"`         // the .graphql file's name
	Query     string `json:"query"`     // one named operation, with comments
	Variables string `json:"variables"` // JSON, indented; "" for none
}

// examples are the playground's example operations, in file order.
var examples = loadExamples()

// Examples returns the example operations the page offers, in tab order.
func Examples() []Example { return append([]Example(nil), examples...) }

func loadExamples() []Example {
	entries, err := fs.ReadDir(exampleFiles, "examples")
	if err != nil {
		panic(err)
	}
	var out []Example
	for _, e := range entries { // ReadDir sorts by name: the tab order
		name, ok := strings.CutSuffix(e.Name(), ".graphql")
		if !ok {
			continue
		}
		query, err := exampleFiles.ReadFile("examples/" + e.Name())
		if err != nil {
			panic(err)
		}
		ex := Example{File: e.Name(), Query: string(query)}
		if vars, err := exampleFiles.ReadFile("examples/" + name + ".json"); err == nil {
			var indented bytes.Buffer
			if err := json.Indent(&indented, vars, "", "  "); err != nil {
				panic(fmt.Sprintf("playground: examples/%s.json: %v", name, err))
			}
			ex.Variables = indented.String()
		}
		out = append(out, ex)
	}
	if len(out) == 0 {
		panic("playground: no examples")
	}
	return out
}

// assetURL is the versioned URL the page uses for an asset. The version
// changes with the content, which is what lets assets be cached for a year.
func assetURL(name string) string {
	a := assets[name]
	if a == nil {
		panic("playground: no asset " + name)
	}
	return AssetPrefix + name + "?v=" + a.version
}

// Handler serves the GraphiQL page, talking to the GraphQL endpoint, on any
// path it is mounted on, and the page's assets below AssetPrefix. endpoint
// is normally a path on this origin such as "/graphql"; an absolute http(s)
// URL is allowed and its origin is then added to the page's connect-src.
func Handler(title, endpoint string) http.Handler {
	connect := connectSources(endpoint)
	render := func(w io.Writer, nonce string) error {
		return pageTemplate.Execute(w, map[string]any{
			"Title":    title,
			"Endpoint": endpoint,
			"Nonce":    nonce,
			"Asset":    assetURL,
			"Examples": examples,
		})
	}
	if err := render(io.Discard, "check"); err != nil {
		panic(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if name, ok := strings.CutPrefix(r.URL.Path, AssetPrefix); ok {
			serveAsset(w, r, name)
			return
		}
		nonce := newNonce()
		var page bytes.Buffer
		if err := render(&page, nonce); err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", contentSecurityPolicy(connect, nonce))
		h.Set("Cache-Control", "no-store")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Content-Length", strconv.Itoa(page.Len()))
		if r.Method == http.MethodHead {
			return
		}
		_, _ = w.Write(page.Bytes())
	})
}

// newNonce returns 128 random bits for one page's style nonce, in base64url:
// no character of it needs escaping in HTML. crypto/rand's Read never fails.
func newNonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func serveAsset(w http.ResponseWriter, r *http.Request, name string) {
	a := assets[name]
	if a == nil {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("ETag", `"`+a.version+`"`)
	if r.URL.Query().Get("v") == a.version {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		// Unversioned or stale URL: fine to serve, not to keep.
		h.Set("Cache-Control", "no-cache")
	}
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(a.body))
}

// connectSources is the page's connect-src: this origin and, for an
// absolute endpoint, the endpoint's origin.
func connectSources(endpoint string) string {
	connect := "'self'"
	u, err := url.Parse(endpoint)
	switch {
	case err != nil:
		panic(fmt.Sprintf("playground: endpoint %q: %v", endpoint, err))
	case u.Scheme == "" && u.Host == "":
	case (u.Scheme == "http" || u.Scheme == "https") && u.Host != "":
		connect += " " + u.Scheme + "://" + u.Host
	default:
		panic(fmt.Sprintf("playground: endpoint %q must be a path or an http(s) URL", endpoint))
	}
	return connect
}

// contentSecurityPolicy allows only this origin's scripts and styles, and
// fetches to the connect sources. No inline script is allowed. The style
// nonce is for one <style> element GraphiQL's dialogs create at run time
// (react-remove-scroll's scroll lock, which reads the nonce from the global
// __webpack_nonce__ that bootstrap.js sets): without it, every dialog opened
// logs a CSP violation.
func contentSecurityPolicy(connect, nonce string) string {
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self' 'nonce-" + nonce + "'",
		"connect-src " + connect,
		"img-src 'self' data:",
		"font-src 'self' data:",
		"frame-ancestors 'none'",
		"base-uri 'none'",
		"form-action 'none'",
	}, "; ")
}
