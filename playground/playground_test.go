package playground

import (
	"bytes"
	"encoding/json"
	"html"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	pg := Handler("Keyfob", "/graphql")
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", pg)
	mux.Handle("GET "+AssetPrefix, pg)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, url string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, body
}

// parseCSP maps each directive of a Content-Security-Policy to its sources.
func parseCSP(policy string) map[string]string {
	m := map[string]string{}
	for _, d := range strings.Split(policy, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		m[name] = value
	}
	return m
}

var nonceAttr = regexp.MustCompile(`nonce="([^"]+)"`)

func TestPageHeadersAndCSP(t *testing.T) {
	srv := newServer(t)
	res, body := get(t, srv.URL+"/", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	for name, want := range map[string]string{
		"Content-Type":           "text/html; charset=utf-8",
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "no-referrer",
		"Cache-Control":          "no-store",
	} {
		if got := res.Header.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	m := nonceAttr.FindSubmatch(body)
	if m == nil {
		t.Fatal("no nonce in the page")
	}
	nonce := html.UnescapeString(string(m[1]))
	csp := parseCSP(res.Header.Get("Content-Security-Policy"))
	want := map[string]string{
		"default-src":     "'none'",
		"script-src":      "'self'",
		"style-src":       "'self' 'nonce-" + nonce + "'",
		"connect-src":     "'self'",
		"img-src":         "'self' data:",
		"font-src":        "'self' data:",
		"frame-ancestors": "'none'",
		"base-uri":        "'none'",
		"form-action":     "'none'",
	}
	if len(csp) != len(want) {
		t.Errorf("CSP %q has directives %v, want exactly %v", res.Header.Get("Content-Security-Policy"), csp, want)
	}
	for d, v := range want {
		if csp[d] != v {
			t.Errorf("CSP %s = %q, want %q", d, csp[d], v)
		}
	}

	// The nonce is per response.
	res2, body2 := get(t, srv.URL+"/", nil)
	m2 := nonceAttr.FindSubmatch(body2)
	if m2 == nil || string(m2[1]) == nonce || !strings.Contains(res2.Header.Get("Content-Security-Policy"), "'nonce-"+string(m2[1])+"'") {
		t.Errorf("second page's nonce %q: not fresh or not in its CSP", m2)
	}

	// Only GET and HEAD.
	post, err := http.Post(srv.URL+"/", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	post.Body.Close()
	if post.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST / = %d, want 405 (from the mux)", post.StatusCode)
	}
	rec := httptest.NewRecorder()
	Handler("Keyfob", "/graphql").ServeHTTP(rec, httptest.NewRequest(http.MethodPut, "/", nil))
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("PUT straight to the handler = %d, Allow %q", rec.Code, rec.Header().Get("Allow"))
	}
	head, err := http.Head(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	head.Body.Close()
	if head.StatusCode != http.StatusOK || head.Header.Get("Content-Security-Policy") == "" {
		t.Errorf("HEAD / = %d, CSP %q", head.StatusCode, head.Header.Get("Content-Security-Policy"))
	}
}

func TestPageEscapesTitleAndEndpoint(t *testing.T) {
	rec := httptest.NewRecorder()
	Handler(`<b>"Keyfob"</b>`, `/graphql?a="b"&c=<d>`).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	body := rec.Body.String()
	if strings.Contains(body, "<b>") || strings.Contains(body, `"b"`) || strings.Contains(body, "<d>") {
		t.Errorf("title or endpoint not escaped:\n%s", body)
	}
}

func TestAbsoluteEndpointJoinsConnectSrc(t *testing.T) {
	rec := httptest.NewRecorder()
	Handler("Keyfob", "https://api.example.com/graphql").ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	csp := parseCSP(rec.Header().Get("Content-Security-Policy"))
	if csp["connect-src"] != "'self' https://api.example.com" {
		t.Errorf("connect-src = %q", csp["connect-src"])
	}
	for _, bad := range []string{"//evil.example/graphql", "javascript:alert(1)", "ws://x/graphql"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Handler accepted endpoint %q", bad)
				}
			}()
			Handler("Keyfob", bad)
		}()
	}
}

var (
	tagRe  = regexp.MustCompile(`(?is)<(script|link|style|iframe|object|embed|img|base|form)\b([^>]*)>`)
	attrRe = regexp.MustCompile(`(?is)\b(src|href)\s*=\s*"([^"]*)"`)
)

// TestPageLoadsOnlySameOriginAssets: every script and stylesheet the page
// names is one of ours below AssetPrefix, and each is served.
func TestPageLoadsOnlySameOriginAssets(t *testing.T) {
	srv := newServer(t)
	_, page := get(t, srv.URL+"/", nil)
	text := string(page)

	// One non-script data block carries the example operations, as JSON
	// (a browser never executes it, so script-src does not apply); it
	// must be exactly the examples, and is then left out of the checks.
	block := regexp.MustCompile(`(?s)<script type="application/json" id="kf-examples">(.*?)</script>`).FindStringSubmatch(text)
	if block == nil {
		t.Fatal("page has no examples data block")
	}
	var shown []Example
	if err := json.Unmarshal([]byte(block[1]), &shown); err != nil || len(shown) != len(Examples()) {
		t.Errorf("examples data block %.200q: %v, %d examples", block[1], err, len(shown))
	}
	for i, ex := range shown {
		if i < len(examples) && (ex.Query != examples[i].Query || ex.Variables != examples[i].Variables) {
			t.Errorf("example %d in the page differs from %s", i, examples[i].File)
		}
	}
	if strings.Contains(block[1], "<") {
		t.Error("examples data block holds a raw '<': it could close the element")
	}
	text = strings.Replace(text, block[0], "", 1)

	// The Sign in form: submitted by bootstrap.js only, never by the
	// browser (no action; the CSP's form-action 'none' blocks it anyway).
	form := regexp.MustCompile(`(?is)<form\b([^>]*)>`).FindAllStringSubmatch(text, -1)
	if len(form) != 1 || !strings.Contains(form[0][1], `id="kf-sign-in-form"`) || !strings.Contains(form[0][1], `method="post"`) || strings.Contains(form[0][1], "action") {
		t.Errorf("forms %q: want only the Sign in form, method post and no action", form)
	}
	text = regexp.MustCompile(`(?is)<form\b[^>]*>`).ReplaceAllString(text, "")

	for _, s := range []string{"http://", "https://", "//"} {
		if strings.Contains(text, s) {
			t.Errorf("page contains %q:\n%s", s, text)
		}
	}
	if regexp.MustCompile(`(?i)\son[a-z]+\s*=|\sstyle\s*=`).MatchString(text) {
		t.Errorf("page has an inline event handler or style attribute")
	}
	if regexp.MustCompile(`(?is)<script\b[^>]*>\s*[^<\s]`).MatchString(text) {
		t.Errorf("page has an inline script")
	}

	var urls []string
	for _, tag := range tagRe.FindAllStringSubmatch(text, -1) {
		name, attrs := strings.ToLower(tag[1]), tag[2]
		switch name {
		case "script", "link":
		default:
			t.Errorf("page has a <%s> element", name)
			continue
		}
		a := attrRe.FindStringSubmatch(attrs)
		if a == nil {
			t.Errorf("<%s%s> has no src/href", name, attrs)
			continue
		}
		u := a[2]
		if name == "link" && u == "data:," && strings.Contains(attrs, `rel="icon"`) {
			continue // an empty favicon, so the browser asks for no /favicon.ico
		}
		if !strings.HasPrefix(u, AssetPrefix) {
			t.Errorf("<%s> loads %q, not below %s", name, u, AssetPrefix)
			continue
		}
		urls = append(urls, u)
	}
	wantCount := len(assets) // every embedded asset is used by the page
	if len(urls) != wantCount {
		t.Errorf("page references %d assets, %d are embedded: %v", len(urls), wantCount, urls)
	}

	for _, u := range urls {
		res, body := get(t, srv.URL+u, nil)
		name := path.Base(strings.SplitN(u, "?", 2)[0])
		wantType := map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}[path.Ext(name)]
		switch {
		case res.StatusCode != http.StatusOK:
			t.Errorf("%s: status %d", u, res.StatusCode)
		case res.Header.Get("Content-Type") != wantType:
			t.Errorf("%s: Content-Type %q, want %q", u, res.Header.Get("Content-Type"), wantType)
		case res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable":
			t.Errorf("%s: Cache-Control %q", u, res.Header.Get("Cache-Control"))
		case res.Header.Get("X-Content-Type-Options") != "nosniff":
			t.Errorf("%s: no nosniff", u)
		case !bytes.Equal(body, assets[name].body) || len(body) == 0:
			t.Errorf("%s: body differs from the embedded file", u)
		}
	}
}

func TestAssetRequests(t *testing.T) {
	srv := newServer(t)
	a := assets["graphiql.min.js"]

	res, _ := get(t, srv.URL+AssetPrefix+"graphiql.min.js", nil)
	if res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != "no-cache" {
		t.Errorf("unversioned: %d, Cache-Control %q (want no-cache)", res.StatusCode, res.Header.Get("Cache-Control"))
	}
	res, _ = get(t, srv.URL+AssetPrefix+"graphiql.min.js?v=stale", nil)
	if res.Header.Get("Cache-Control") != "no-cache" {
		t.Errorf("stale version: Cache-Control %q (want no-cache)", res.Header.Get("Cache-Control"))
	}
	res, body := get(t, srv.URL+assetURL("graphiql.min.js"), map[string]string{"If-None-Match": `"` + a.version + `"`})
	if res.StatusCode != http.StatusNotModified || len(body) != 0 {
		t.Errorf("If-None-Match: %d with %d bytes, want 304", res.StatusCode, len(body))
	}
	for _, p := range []string{"nope.js", "", "../playground.go", "web/bootstrap.js", "LICENSE.react", "README.md"} {
		res, _ := get(t, srv.URL+AssetPrefix+p, nil)
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("%s%s: status %d, want 404", AssetPrefix, p, res.StatusCode)
		}
	}
}

// reviewedHosts are the only web hosts named anywhere in the embedded files,
// each reviewed: none is used to load code. (The page's CSP would block any
// load from them anyway; this test is a tripwire for bundle upgrades.)
var reviewedHosts = map[string]string{
	"www.w3.org":       "XML namespace names (SVG, XLink, XHTML, MathML) in React DOM and GraphiQL's icons; identifiers, never fetched",
	"github.com":       "GraphiQL's logo link (<a target=_blank rel=noreferrer>) and the text of its React<16 error message",
	"reactjs.org":      "React's production error-decoder link, only in thrown error messages",
	"radix-ui.com":     "docs link in a Radix accessibility console warning",
	"codemirror.net":   "keymap docs link in GraphiQL's short-keys dialog",
	"commonmark.org":   "graphql-js's built-in @specifiedBy/description text",
	"en.wikipedia.org": "graphql-js's Float scalar description (IEEE 754)",
}

var hostRe = regexp.MustCompile(`(?i)(?:https?:)?//([a-z0-9-]+(?:\.[a-z0-9-]+)+)`)

// TestAssetsLoadNoThirdPartyCode greps every embedded file. Names of CDNs
// must not appear at all; web hosts must be reviewed ones. graphiql 4.1.2
// contains the words "jsdelivr, unpkg" in the text of an error thrown for
// React < 16 ("If you are using a CDN source (jsdelivr, unpkg, etc)...")
// which loads nothing; the needles below are host names, so that text does
// not match them.
func TestAssetsLoadNoThirdPartyCode(t *testing.T) {
	needles := []string{"cdn.jsdelivr", "jsdelivr.net", "unpkg.com", "esm.sh", "cdnjs", "skypack", "jspm.io", "googleapis.com", "gstatic.com"}
	loaders := regexp.MustCompile(`(?i)<script[^>]*src\s*=\s*["']?(https?:)?//|importScripts\s*\(|import\s*\(\s*["'](https?:)?//|@import`)
	seen := map[string]bool{}
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		text := string(b)
		lower := strings.ToLower(text)
		for _, n := range needles {
			if i := strings.Index(lower, n); i >= 0 {
				t.Errorf("%s names %q: %q", p, n, excerpt(text, i))
			}
		}
		if loc := loaders.FindStringIndex(text); loc != nil {
			t.Errorf("%s has a remote loader: %q", p, excerpt(text, loc[0]))
		}
		for _, m := range hostRe.FindAllStringSubmatchIndex(text, -1) {
			host := strings.ToLower(text[m[2]:m[3]])
			seen[host] = true
			if _, ok := reviewedHosts[host]; !ok {
				t.Errorf("%s names unreviewed host %q: %q", p, host, excerpt(text, m[0]))
			}
		}
		if path.Ext(p) == ".css" {
			for _, u := range regexp.MustCompile(`url\(\s*["']?([^"')]{0,16})`).FindAllStringSubmatch(text, -1) {
				if !strings.HasPrefix(u[1], "data:") && !strings.HasPrefix(u[1], "#") {
					t.Errorf("%s has url(%s...), want only data: URLs", p, u[1])
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for host := range reviewedHosts {
		if !seen[host] {
			t.Logf("reviewed host %s no longer appears; drop it from reviewedHosts", host)
		}
	}
}

func excerpt(s string, i int) string {
	return s[max(0, i-60):min(len(s), i+80)]
}

// TestHeadersNotPersistedByDefault pins the bootstrap lines that keep pasted
// headers out of localStorage until the admin opts in, and the checkbox.
// TestBootstrapBehaviour runs the bootstrap itself where node is installed.
func TestHeadersNotPersistedByDefault(t *testing.T) {
	b, err := files.ReadFile("web/bootstrap.js")
	if err != nil {
		t.Fatal(err)
	}
	js := string(b)
	for _, want := range []string{
		`var persist = !!local && local.getItem(OPT_IN_KEY) === 'true';`,
		`shouldPersistHeaders: persist,`,
		`showPersistHeadersSettings: false,`,
		`isHeadersEditorEnabled: true,`,
		`storage: local ? headerSafeStorage : null,`,
		`if (!persist) scrub();`,
		`var HEADERS_KEY = NS + 'headers';`,
		`var JSON_KEYS = [NS + 'tabState', NS + 'queries', NS + 'favorites'];`,
	} {
		if !strings.Contains(js, want) {
			t.Errorf("bootstrap.js lacks %q", want)
		}
	}
	rec := httptest.NewRecorder()
	Handler("Keyfob", "/graphql").ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	box := regexp.MustCompile(`<input[^>]*id="kf-remember-headers"[^>]*>`).FindString(rec.Body.String())
	if box == "" || strings.Contains(box, "checked") {
		t.Errorf("remember-headers checkbox %q: missing or ticked by default", box)
	}
	if !strings.Contains(rec.Body.String(), "Remember headers in this browser") {
		t.Error("checkbox label missing")
	}
}

// bootstrapHarness runs web/bootstrap.js under node with stand-ins for the
// DOM, localStorage, React and GraphiQL, and prints what it observed.
const bootstrapHarness = `
const fs = require('fs');
const vm = require('vm');
const src = fs.readFileSync(process.argv[2], 'utf8');

function fakeStorage(init) {
  const m = new Map(Object.entries(init));
  return {
    getItem: (k) => (m.has(k) ? m.get(k) : null),
    setItem: (k, v) => { m.set(k, String(v)); },
    removeItem: (k) => { m.delete(k); },
    key: (i) => [...m.keys()][i] ?? null,
    get length() { return m.size; },
    dump: () => Object.fromEntries(m),
  };
}

function load(init, opts = {}) {
  const local = fakeStorage(init);
  const checkbox = { checked: false, disabled: true, title: '', listeners: {}, addEventListener(t, f) { this.listeners[t] = f; } };
  const mount = { getAttribute: (n) => (n === 'data-endpoint' ? '/graphql' : null) };
  const elements = {};
  // The bar's other elements (Sign in and its form) and the examples'
  // data block: enough of an element for bootstrap.js to wire them up.
  const element = (id) => elements[id] || (elements[id] = {
    id, hidden: false, disabled: false, value: '', listeners: {},
    textContent: id === 'kf-examples' ? '[{"query":"query A { a }","variables":""}]' : '',
    addEventListener(t, f) { this.listeners[t] = f; }, setAttribute() {}, focus() {},
  });
  const renders = [];
  const fetches = [];
  const sandbox = {
    document: {
      currentScript: { nonce: 'NONCE' },
      getElementById: (id) => (id === 'graphiql' ? mount : id === 'kf-remember-headers' ? checkbox : element(id)),
    },
    React: { createElement: (type, props) => ({ type, props }) },
    ReactDOM: { createRoot: () => ({ render: (el) => renders.push(el.props) }) },
    GraphiQL: function GraphiQL() {},
    fetch: (url, init) => {
      fetches.push({ url, init });
      return Promise.resolve({ status: 200, text: () => Promise.resolve('{"data":{"a":1}}') });
    },
  };
  sandbox.window = sandbox;
  if (opts.storageThrows) {
    Object.defineProperty(sandbox, 'localStorage', { get() { throw new Error('SecurityError'); } });
  } else {
    sandbox.localStorage = local;
  }
  vm.runInNewContext(src, sandbox);
  return { local, checkbox, renders, fetches, sandbox, last: () => renders[renders.length - 1] };
}

(async () => {
  const out = {};
  const secret = '{"Authorization":"Bearer SECRET"}';
  const old = {
    'graphiql:headers': secret,
    'graphiql:tabState': JSON.stringify({ activeTabIndex: 0, tabs: [{ id: 'a', title: 't', query: null, variables: null, headers: secret, operationName: null, response: null }] }),
    'graphiql:queries': JSON.stringify({ queries: [{ query: '{a}', headers: secret }] }),
    'graphiql:query': '{a}',
  };

  // Default: not opted in.
  let p = load(old);
  let props = p.last();
  out.defaultProps = {
    shouldPersistHeaders: props.shouldPersistHeaders,
    isHeadersEditorEnabled: props.isHeadersEditorEnabled,
    showPersistHeadersSettings: props.showPersistHeadersSettings,
    storageIsWrapper: props.storage !== null && props.storage !== p.local,
  };
  out.checkbox = { checked: p.checkbox.checked, disabled: p.checkbox.disabled };
  out.nonce = p.sandbox.__webpack_nonce__;
  out.scrubbedOnLoad = p.local.dump();
  // GraphiQL writing through the storage it was given:
  const st = props.storage;
  st.setItem('graphiql:headers', secret);
  st.setItem('graphiql:queries', JSON.stringify({ queries: [{ query: '{b}', headers: secret }] }));
  st.setItem('graphiql:favorites', JSON.stringify({ favorites: [{ query: '{c}', headers: secret }] }));
  st.setItem('graphiql:tabState', 'not json ' + secret);
  st.setItem('graphiql:variables', '{"v":1}');
  out.afterWritesOptedOut = p.local.dump();
  p.local.setItem('graphiql:headers', secret); // written behind the wrapper's back
  out.readHeadersOptedOut = st.getItem('graphiql:headers');

  // The fetcher.
  const result = await props.fetcher({ query: 'query A { a }', variables: null, operationName: 'A' }, { headers: { Authorization: 'Bearer Z' } });
  const f = p.fetches[0];
  out.fetch = { url: f.url, method: f.init.method, headers: f.init.headers, body: JSON.parse(f.init.body), result };
  // An operation name the document no longer defines is left out.
  await props.fetcher({ query: '{ b }', variables: null, operationName: 'A' }, {});
  await props.fetcher({ query: 'query AB { b } query A { a }', variables: null, operationName: 'A' }, {});
  out.staleName = JSON.parse(p.fetches[1].init.body);
  out.currentName = JSON.parse(p.fetches[2].init.body);

  // Tick the box: re-render persisting, opt-in remembered, writes pass.
  p.checkbox.checked = true;
  p.checkbox.listeners.change();
  out.tick = { shouldPersistHeaders: p.last().shouldPersistHeaders, renders: p.renders.length, sameStorage: p.last().storage === st };
  st.setItem('graphiql:headers', secret);
  out.afterWritesOptedIn = p.local.dump();

  // Untick: re-render not persisting, everything scrubbed.
  p.checkbox.checked = false;
  p.checkbox.listeners.change();
  out.untick = { shouldPersistHeaders: p.last().shouldPersistHeaders };
  out.afterUntick = p.local.dump();

  // Opted in on an earlier visit.
  p = load({ 'keyfob:playground:rememberHeaders': 'true', 'graphiql:headers': secret });
  out.optedIn = { shouldPersistHeaders: p.last().shouldPersistHeaders, checked: p.checkbox.checked, headers: p.last().storage.getItem('graphiql:headers') };

  // localStorage unavailable.
  p = load({}, { storageThrows: true });
  out.noStorage = { storage: p.last().storage, shouldPersistHeaders: p.last().shouldPersistHeaders, disabled: p.checkbox.disabled };

  console.log(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
`

// TestBootstrapBehaviour runs bootstrap.js under node, when node is
// installed, to check what the string checks above cannot: the props it
// gives GraphiQL, the storage wrapper, the checkbox, and the fetcher.
func TestBootstrapBehaviour(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed")
	}
	dir := t.TempDir()
	js, err := files.ReadFile("web/bootstrap.js")
	if err != nil {
		t.Fatal(err)
	}
	boot := filepath.Join(dir, "bootstrap.js")
	harness := filepath.Join(dir, "harness.js")
	if err := os.WriteFile(boot, js, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(harness, []byte(bootstrapHarness), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(node, harness, boot).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("node: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	var got struct {
		DefaultProps struct {
			ShouldPersistHeaders, IsHeadersEditorEnabled, ShowPersistHeadersSettings, StorageIsWrapper bool
		}
		Checkbox            struct{ Checked, Disabled bool }
		Nonce               string
		ScrubbedOnLoad      map[string]string
		AfterWritesOptedOut map[string]string
		ReadHeadersOptedOut *string
		Fetch               struct {
			URL, Method string
			Headers     map[string]string
			Body        map[string]any
			Result      map[string]any
		}
		Tick struct {
			ShouldPersistHeaders, SameStorage bool
			Renders                           int
		}
		StaleName, CurrentName map[string]any
		AfterWritesOptedIn     map[string]string
		Untick                 struct{ ShouldPersistHeaders bool }
		AfterUntick            map[string]string
		OptedIn                struct {
			ShouldPersistHeaders, Checked bool
			Headers                       *string
		}
		NoStorage struct {
			Storage                        any
			ShouldPersistHeaders, Disabled bool
		}
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	noSecret := func(what string, m map[string]string) {
		t.Helper()
		for k, v := range m {
			if strings.Contains(v, "SECRET") {
				t.Errorf("%s: localStorage %s = %q holds the header", what, k, v)
			}
		}
	}

	d := got.DefaultProps
	if d.ShouldPersistHeaders || !d.IsHeadersEditorEnabled || d.ShowPersistHeadersSettings || !d.StorageIsWrapper {
		t.Errorf("default GraphiQL props %+v", d)
	}
	if got.Checkbox.Checked || got.Checkbox.Disabled {
		t.Errorf("checkbox %+v, want enabled and unticked", got.Checkbox)
	}
	if got.Nonce != "NONCE" {
		t.Errorf("__webpack_nonce__ = %q", got.Nonce)
	}
	noSecret("load scrubs what an older playground stored", got.ScrubbedOnLoad)
	if got.ScrubbedOnLoad["graphiql:query"] != "{a}" || !strings.Contains(got.ScrubbedOnLoad["graphiql:queries"], "{a}") {
		t.Errorf("scrub lost more than headers: %v", got.ScrubbedOnLoad)
	}
	noSecret("GraphiQL's writes, opted out", got.AfterWritesOptedOut)
	if !strings.Contains(got.AfterWritesOptedOut["graphiql:queries"], "{b}") || got.AfterWritesOptedOut["graphiql:variables"] != `{"v":1}` {
		t.Errorf("opted-out writes lost more than headers: %v", got.AfterWritesOptedOut)
	}
	if got.ReadHeadersOptedOut != nil {
		t.Errorf("opted out, GraphiQL reads stored headers %q", *got.ReadHeadersOptedOut)
	}

	f := got.Fetch
	if f.URL != "/graphql" || f.Method != "POST" || f.Headers["Authorization"] != "Bearer Z" ||
		f.Headers["Content-Type"] != "application/json" ||
		f.Headers["Accept"] != "application/graphql-response+json, application/json" ||
		f.Body["query"] != "query A { a }" || f.Body["operationName"] != "A" || f.Result["data"] == nil {
		t.Errorf("fetch %+v", f)
	}

	if _, ok := got.StaleName["operationName"]; ok || got.StaleName["query"] != "{ b }" {
		t.Errorf("a stale operation name was sent: %v", got.StaleName)
	}
	if got.CurrentName["operationName"] != "A" {
		t.Errorf("the document's own operation name was dropped: %v", got.CurrentName)
	}
	if !got.Tick.ShouldPersistHeaders || !got.Tick.SameStorage || got.Tick.Renders != 2 {
		t.Errorf("after ticking: %+v", got.Tick)
	}
	if got.AfterWritesOptedIn["keyfob:playground:rememberHeaders"] != "true" || !strings.Contains(got.AfterWritesOptedIn["graphiql:headers"], "SECRET") {
		t.Errorf("opted in, headers not stored: %v", got.AfterWritesOptedIn)
	}
	if got.Untick.ShouldPersistHeaders {
		t.Error("after unticking, GraphiQL still persists headers")
	}
	noSecret("after unticking", got.AfterUntick)
	if _, ok := got.AfterUntick["keyfob:playground:rememberHeaders"]; ok {
		t.Error("after unticking, the opt-in is still stored")
	}
	if o := got.OptedIn; !o.ShouldPersistHeaders || !o.Checked || o.Headers == nil || !strings.Contains(*o.Headers, "SECRET") {
		t.Errorf("opted in on an earlier visit: %+v", o)
	}
	if n := got.NoStorage; n.Storage != nil || n.ShouldPersistHeaders || !n.Disabled {
		t.Errorf("without localStorage: %+v", n)
	}
}
