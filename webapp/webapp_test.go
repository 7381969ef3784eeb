package webapp

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"

	"github.com/keyfob/keyfob/graph"
)

// MaxScriptBytesGzipped bounds all the JavaScript the app ships, together,
// gzipped (issue 19): README.md states the size.
const MaxScriptBytesGzipped = 150 << 10

func serve(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("GET "+Prefix, Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, url string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, body
}

func TestPageHeadersAndCSP(t *testing.T) {
	srv := serve(t)
	res, body := get(t, srv.URL+"/app/", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /app/: %d", res.StatusCode)
	}
	for name, want := range map[string]string{
		"Content-Type":            "text/html; charset=utf-8",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
		"Cache-Control":           "no-store",
		"Content-Security-Policy": ContentSecurityPolicy,
	} {
		if got := res.Header.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	csp := map[string]string{}
	for _, d := range strings.Split(res.Header.Get("Content-Security-Policy"), ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		csp[name] = value
	}
	for directive, want := range map[string]string{
		"default-src": "'none'", "script-src": "'self'", "style-src": "'self'", "connect-src": "'self'",
		"frame-ancestors": "'none'", "base-uri": "'none'", "form-action": "'none'",
	} {
		if csp[directive] != want {
			t.Errorf("CSP %s = %q, want %q", directive, csp[directive], want)
		}
	}
	for _, d := range csp {
		if strings.Contains(d, "unsafe-") || strings.Contains(d, "http") || strings.Contains(d, "*") {
			t.Errorf("CSP allows more than this origin: %q", d)
		}
	}
	// No inline script or style for the policy to refuse: the page's only
	// script and style are its files.
	page := string(body)
	if scripts := regexp.MustCompile(`<script[^>]*>`).FindAllString(page, -1); len(scripts) != 1 || !strings.Contains(scripts[0], `src="/app/app.js"`) {
		t.Errorf("the page's scripts are %q, want only /app/app.js", scripts)
	}
	if regexp.MustCompile(`(?i)\son[a-z]+=|\sstyle=|<style`).MatchString(page) {
		t.Error("the page has an inline handler or style")
	}
}

func TestAssetsServedAndRevalidated(t *testing.T) {
	srv := serve(t)
	for name, ctype := range map[string]string{"app.js": "text/javascript; charset=utf-8", "app.css": "text/css; charset=utf-8"} {
		res, body := get(t, srv.URL+Prefix+name, nil)
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != ctype || len(body) == 0 {
			t.Errorf("%s: %d %q, %d bytes", name, res.StatusCode, res.Header.Get("Content-Type"), len(body))
		}
		if res.Header.Get("Cache-Control") != "no-cache" || res.Header.Get("ETag") == "" {
			t.Errorf("%s: Cache-Control %q, ETag %q", name, res.Header.Get("Cache-Control"), res.Header.Get("ETag"))
		}
		again, _ := get(t, srv.URL+Prefix+name, map[string]string{"If-None-Match": res.Header.Get("ETag")})
		if again.StatusCode != http.StatusNotModified {
			t.Errorf("%s with its ETag: %d, want 304", name, again.StatusCode)
		}
	}
	for _, path := range []string{"index.html", "THIRD_PARTY_LICENSES", "nope.js", "../webapp.go"} {
		if res, _ := get(t, srv.URL+Prefix+path, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, res.StatusCode)
		}
	}
}

func TestShippedJavaScriptAtMost150KBGzipped(t *testing.T) {
	var total int
	for name, body := range Scripts() {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(body)
		_ = zw.Close()
		t.Logf("%s: %d bytes, %d gzipped", name, len(body), buf.Len())
		total += buf.Len()
	}
	if total == 0 {
		t.Fatal("the app ships no JavaScript")
	}
	if total > MaxScriptBytesGzipped {
		t.Errorf("the app ships %d bytes of JavaScript gzipped, over the bound of %d", total, MaxScriptBytesGzipped)
	}
}

// The bundle names no host to load code or data from: every asset is
// embedded, and the app talks only to /graphql on its own origin.
func TestBundleNamesNoOtherHost(t *testing.T) {
	// XML namespaces are names, never fetched.
	namespaces := map[string]bool{
		"http://www.w3.org/1998/Math/MathML": true, "http://www.w3.org/1999/xhtml": true,
		"http://www.w3.org/2000/svg": true, "http://www.w3.org/1999/xlink": true,
	}
	for name, body := range map[string][]byte{"app.js": files["app.js"].body, "app.css": files["app.css"].body, "index.html": files[""].body} {
		for _, u := range regexp.MustCompile(`(?i)(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}[^"'\s)]*`).FindAll(body, -1) {
			if !namespaces[string(u)] {
				t.Errorf("%s names %s", name, u)
			}
		}
		for _, word := range []string{"eval(", "new Function", "localStorage", "document.cookie"} {
			if bytes.Contains(body, []byte(word)) {
				t.Errorf("%s uses %s", name, word)
			}
		}
	}
}

// The page is the source's, unchanged: dist/ is what scripts/build-webapp
// made from frontend/ (the bundle itself needs node to rebuild; .ci/run
// runs the script and fails if the committed build changes).
func TestPageIsTheSource(t *testing.T) {
	src, err := os.ReadFile("frontend/src/index.html")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(src, files[""].body) {
		t.Error("dist/index.html differs from frontend/src/index.html: run scripts/build-webapp")
	}
}

// Every document the app sends validates against the schema the server
// runs, so a schema change that breaks the app fails here.
func TestQueriesValidateAgainstTheSchema(t *testing.T) {
	src, err := os.ReadFile("frontend/src/queries.js")
	if err != nil {
		t.Fatal(err)
	}
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	consts := map[string]string{}
	decl := regexp.MustCompile("(?s)(?:export )?const ([A-Z_]+) = `([^`]*)`;")
	interp := regexp.MustCompile(`\$\{([A-Z_]+)\}`)
	var ops int
	for _, m := range decl.FindAllStringSubmatch(string(src), -1) {
		name := m[1]
		text := interp.ReplaceAllStringFunc(m[2], func(ref string) string {
			v, ok := consts[ref[2:len(ref)-1]]
			if !ok {
				t.Errorf("%s uses %s before it is defined", name, ref)
			}
			return v
		})
		consts[name] = text
		trimmed := strings.TrimSpace(text)
		if !strings.HasPrefix(trimmed, "query") && !strings.HasPrefix(trimmed, "mutation") {
			continue // a fragment of fields
		}
		ops++
		if _, errs := gqlparser.LoadQuery(schema, text); len(errs) > 0 {
			t.Errorf("%s does not validate: %v", name, errs)
		}
	}
	if ops < 10 {
		t.Errorf("found %d operations in queries.js; the pattern no longer matches its declarations", ops)
	}
}
