// Package webapp tests the API Keys web app (/app/) in Debian's chromium,
// driven by chromedp (internal/browser), against a real Keyfob server on
// SQLite: signing up and in, the key table and its integrations card,
// creating, using, renaming, rolling and deleting keys, the Default API
// Key's mobile sessions, what an agent sees, the Power-Up's switches, the
// audit log, errors in words, the keyboard, axe-core on every screen, and
// what the browser keeps. The app speaks only the public API, which
// e2e/api tests on both databases.
//
// Every test fails on a CSP violation, console error, uncaught exception
// or request to another origin. The tests skip where chromium is missing,
// unless KEYFOB_REQUIRE_CHROMIUM is set, as .ci/run does.
package webapp

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jonboulle/clockwork"

	"github.com/keyfob/keyfob/internal/browser"
	"github.com/keyfob/keyfob/internal/config"
	"github.com/keyfob/keyfob/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// app is the web app open in a browser, on a server of its own.
type app struct {
	*browser.Browser
	t   *testing.T
	env *testkit.Env
	// typed holds every password this test typed into the page, which
	// must end up in no storage at all.
	typed []string
}

func openApp(t *testing.T, clock clockwork.Clock, configure func(*config.Config)) *app {
	t.Helper()
	b := browser.Start(t) // skips without chromium, before a server starts
	env := testkit.NewEnvAt(t, "sqlite", clock, configure)
	a := &app{Browser: b, t: t, env: env}
	a.Navigate(env.URL + "/app/")
	a.WaitVisible("#login-form")
	t.Cleanup(func() {
		if !t.Failed() {
			a.AssertOnlyOrigin(env.URL)
		}
	})
	return a
}

// logIn signs in through the form and waits for the keys screen.
func (a *app) logIn(email, password string) {
	a.t.Helper()
	a.typed = append(a.typed, password)
	a.Fill("#login-email", email)
	a.Fill("#login-password", password)
	a.Click("#login-submit")
	a.WaitText("#who", email)
	a.WaitVisible("#keys-count")
	a.waitKeysLoaded()
}

func (a *app) logOut() {
	a.t.Helper()
	a.Click("#logout")
	a.WaitText("#auth-message", "You have logged out.")
}

// waitKeysLoaded waits until the key list has answered.
func (a *app) waitKeysLoaded() {
	a.t.Helper()
	browser.MustEval[bool](a.Browser, `(async () => {
		for (let i = 0; i < 1200; i++) {
			const s = document.getElementById("keys-screen");
			if (s && s.getAttribute("aria-busy") === "false") return true;
			await new Promise(r => setTimeout(r, 25));
		}
		throw new Error("the key list never loaded");
	})()`)
}

// refresh reads the key list afresh and waits for the answer.
func (a *app) refresh() {
	a.t.Helper()
	a.Click("#refresh-keys")
	a.waitKeysLoaded()
}

// row is the selector of the table row of the key named name.
func (a *app) row(name string) string {
	a.t.Helper()
	id := browser.MustEval[string](a.Browser, fmt.Sprintf(`(() => {
		for (const tr of document.querySelectorAll("#keys-table tbody tr[data-key-id]")) {
			if (tr.querySelector(".key-name").firstChild.textContent.trim() === %q) return tr.dataset.keyId;
		}
		return "";
	})()`, name))
	if id == "" {
		a.t.Fatalf("no row for the key %q; the table holds %q", name, a.keyNames())
	}
	return "#keys-table tr[data-key-id='" + id + "']"
}

// keyNames are the names in the key table, in order.
func (a *app) keyNames() []string {
	a.t.Helper()
	return browser.MustEval[[]string](a.Browser, `[...document.querySelectorAll("#keys-table tbody tr[data-key-id] .key-name")].map(b => b.firstChild.textContent.trim())`)
}

// cell is the text of a row's cell, by its class.
func (a *app) cell(row, class string) string {
	a.t.Helper()
	return a.Text(row + " td." + class)
}

// sentToken is the bearer token of the page's latest request to /graphql
// that carried one.
func (a *app) sentToken() string {
	a.t.Helper()
	reqs := a.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if strings.HasSuffix(reqs[i].URL, "/graphql") {
			if token, ok := strings.CutPrefix(reqs[i].Headers["authorization"], "Bearer "); ok {
				return token
			}
		}
	}
	a.t.Fatal("the page sent no bearer token")
	return ""
}

// inDOM reports whether text is anywhere in the page: its markup and the
// values of its fields.
func (a *app) inDOM(text string) bool {
	a.t.Helper()
	return browser.MustEval[bool](a.Browser, fmt.Sprintf(`(() => {
		const t = %q;
		if (document.documentElement.outerHTML.includes(t)) return true;
		return [...document.querySelectorAll("input, textarea")].some(el => el.value.includes(t));
	})()`, text))
}

// assertNothingLeft checks what the browser keeps: no password in any
// storage at all; no token or key secret in localStorage, IndexedDB,
// Cache Storage, cookies or the URL. sessionStorage may hold the session
// token while signed in (it is the tab's), and nothing once signed out.
func (a *app) assertNothingLeft(signedIn bool, tokens, secrets []string) {
	a.t.Helper()
	s := a.Storage()
	for _, pw := range a.typed {
		if where := s.Find(pw); len(where) > 0 {
			a.t.Errorf("a password typed into the page is kept in %v:\n%s", where, s)
		}
	}
	check := func(what, value string, sessionOK bool) {
		for _, where := range s.Find(value) {
			if sessionOK && where == "sessionStorage[keyfob:app:session]" {
				continue
			}
			a.t.Errorf("a %s is kept in %s:\n%s", what, where, s)
		}
	}
	for i, tok := range tokens {
		check("session token", tok, signedIn && i == len(tokens)-1)
	}
	for _, sec := range secrets {
		check("key secret", sec, false)
	}
	if !signedIn && len(s.Session) > 0 {
		a.t.Errorf("signed out, sessionStorage still holds %v", s.Session)
	}
}

// screenshot saves a PNG for the README when KEYFOB_APP_SCREENSHOTS names
// a directory (docs/ for the README's), and into the test's temporary
// directory otherwise, so the step always runs.
func (a *app) screenshot(name string) {
	a.t.Helper()
	dir := os.Getenv("KEYFOB_APP_SCREENSHOTS")
	if dir == "" {
		dir = a.t.TempDir()
	}
	a.Screenshot(filepath.Join(dir, name))
}

// use calls /graphql with a key secret as an integration named system.
func (a *app) use(secret, system string) int {
	a.t.Helper()
	resp := a.env.Do(a.t, testkit.Request{Auth: testkit.Bearer(secret), Headers: map[string]string{"X-System": system}, Query: `{ viewer { id } }`})
	return resp.Status
}

// tokenStatus is the status of `{ viewer { id } }` sent with token.
func (a *app) tokenStatus(token string) int {
	a.t.Helper()
	resp, _ := a.env.ViewerID(a.t, testkit.Bearer(token))
	return resp.Status
}

func wantStatus(t *testing.T, what string, got, want int) {
	t.Helper()
	if got != want {
		t.Errorf("%s: status %d, want %d", what, got, want)
	}
}

// The app is at /app/ unless -app=false, under its CSP; the playground
// stays at /. No browser needed.
func TestServedAtAppBehindTheFlag(t *testing.T) {
	get := func(e *testkit.Env, path string) *http.Response {
		t.Helper()
		resp, err := http.Get(e.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	on := testkit.NewEnv(t, "sqlite", nil)
	if resp := get(on, "/app/"); resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("GET /app/: %d, CSP %q", resp.StatusCode, resp.Header.Get("Content-Security-Policy"))
	}
	if resp := get(on, "/app/app.js"); resp.StatusCode != http.StatusOK {
		t.Errorf("GET /app/app.js: %d", resp.StatusCode)
	}
	if resp := get(on, "/"); resp.StatusCode != http.StatusOK {
		t.Errorf("the playground at /: %d", resp.StatusCode)
	}
	off := testkit.NewEnv(t, "sqlite", func(c *config.Config) { c.App = false })
	for _, path := range []string{"/app/", "/app/app.js"} {
		if resp := get(off, path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("with -app=false, GET %s: %d, want 404", path, resp.StatusCode)
		}
	}
}
