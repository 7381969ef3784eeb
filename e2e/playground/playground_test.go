// Package playground tests the GraphiQL playground in Debian's chromium,
// driven by chromedp (internal/browser), against a real Keyfob server on
// SQLite: Sign in, queries, reloads, Sign out, errors in the form, what
// the browser stores, and the example operations of a first visit; and it
// runs those examples against the server, as an admin would.
//
// The browser tests skip where chromium is missing, unless
// KEYFOB_REQUIRE_CHROMIUM is set, as .ci/run does.
package playground

import (
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/keyfob/keyfob/internal/browser"
	"github.com/keyfob/keyfob/internal/config"
	"github.com/keyfob/keyfob/internal/testkit"
	"github.com/keyfob/keyfob/playground"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// page is the playground open in a browser, on a server of its own.
type page struct {
	*browser.Browser
	t   *testing.T
	env *testkit.Env
}

func openPlayground(t *testing.T, configure func(*config.Config)) *page {
	t.Helper()
	b := browser.Start(t) // skips without chromium, before a server starts
	env := testkit.NewEnv(t, "sqlite", configure)
	p := &page{Browser: b, t: t, env: env}
	p.Navigate(env.URL + "/")
	p.waitReady()
	return p
}

// waitReady waits for GraphiQL's editors and the bar's Sign in wiring.
func (p *page) waitReady() {
	p.t.Helper()
	p.WaitVisible(".graphiql-query-editor .CodeMirror")
	p.WaitVisible(".graphiql-execute-button")
	p.WaitText("#kf-session-status", "")
	// bootstrap.js enables the buttons when it has wired them.
	browser.MustEval[bool](p.Browser, `(async () => {
		for (let i = 0; i < 400; i++) {
			const b = document.getElementById("kf-sign-in"), o = document.getElementById("kf-sign-out");
			if (!b.disabled || !o.hidden) return true;
			await new Promise(r => setTimeout(r, 25));
		}
		throw new Error("Sign in never became enabled");
	})()`)
}

func (p *page) signIn(email, password string) {
	p.t.Helper()
	p.Click("#kf-sign-in")
	p.WaitVisible("#kf-sign-in-form")
	p.Fill("#kf-email", email)
	p.Fill("#kf-password", password)
	p.Click("#kf-sign-in-submit")
}

// signedIn signs in and waits until the bar names the user.
func (p *page) signedIn(u *testkit.User, role string) {
	p.t.Helper()
	p.signIn(u.Email, u.Password)
	p.WaitText("#kf-session-status", "Signed in as "+u.Email+" ("+role+")")
	p.WaitHidden("#kf-sign-in-form")
}

// run replaces the active tab's document with query, runs it, and returns
// the response once it contains want.
func (p *page) run(query, want string) string {
	p.t.Helper()
	q, _ := json.Marshal(query)
	browser.MustEval[bool](p.Browser, `(() => {
		document.querySelector(".graphiql-query-editor .CodeMirror").CodeMirror.setValue(`+string(q)+`);
		const r = document.querySelector(".result-window .CodeMirror");
		if (r) r.CodeMirror.setValue("");
		return true;
	})()`)
	p.Click(".graphiql-execute-button")
	return p.response(want)
}

// response waits until the response pane contains want, and returns it.
func (p *page) response(want string) string {
	p.t.Helper()
	w, _ := json.Marshal(want)
	got, err := browser.Eval[string](p.Browser, `(async () => {
		let text = "";
		for (let i = 0; i < 1200; i++) {
			const r = document.querySelector(".result-window .CodeMirror");
			text = r ? r.CodeMirror.getValue() : "";
			if (text && text.includes(`+string(w)+`)) return text;
			await new Promise(r => setTimeout(r, 25));
		}
		return "TIMEOUT: " + text;
	})()`)
	if err != nil || strings.HasPrefix(got, "TIMEOUT: ") {
		p.t.Fatalf("response never contained %q: %v %s", want, err, got)
	}
	return got
}

// editors is the text of every GraphiQL editor on the page.
func (p *page) editors() string {
	p.t.Helper()
	return browser.MustEval[string](p.Browser, `[...document.querySelectorAll(".CodeMirror")].map(e => e.CodeMirror.getValue()).join("\n")`)
}

// sentToken is the bearer token of the page's latest request to
// /graphql that carried one: the session token Sign in got.
func (p *page) sentToken() string {
	p.t.Helper()
	reqs := p.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if strings.HasSuffix(reqs[i].URL, "/graphql") {
			if token, ok := strings.CutPrefix(reqs[i].Headers["authorization"], "Bearer "); ok {
				return token
			}
		}
	}
	p.t.Fatal("the page sent no bearer token")
	return ""
}

// assertNowhere fails unless secret is in no browser storage, no
// GraphiQL editor and not the URL.
func (p *page) assertNowhere(what, secret string) {
	p.t.Helper()
	s := p.Storage()
	if where := s.Find(secret); len(where) > 0 {
		p.t.Errorf("the %s is stored in %v:\n%s", what, where, s)
	}
	if strings.Contains(p.editors(), secret) {
		p.t.Errorf("the %s is in a GraphiQL editor", what)
	}
}

// viewerStatus is the HTTP status of `{ viewer { id } }` sent with token.
func (p *page) viewerStatus(token string) int {
	p.t.Helper()
	resp, _ := p.env.ViewerID(p.t, testkit.Bearer(token))
	return resp.Status
}

const viewerQuery = "{ viewer { email } }"

// screenshotPath is where a test run saves the README's screenshot when
// KEYFOB_PLAYGROUND_SCREENSHOT names a file, and a temporary file else.
func screenshotPath(t *testing.T) string {
	if p := os.Getenv("KEYFOB_PLAYGROUND_SCREENSHOT"); p != "" {
		return p
	}
	return t.TempDir() + "/playground.png"
}

// A first visit: the examples are there, one tab each. Signing in puts the
// user in the bar and the token, not the password, on every tab's requests;
// neither is stored. A reload signs out (nothing remembered), and Sign out
// revokes the token on the server.
func TestSignInQueryReloadSignOut(t *testing.T) {
	p := openPlayground(t, nil)
	owner := p.env.SignUp(t, "Playground")
	_, secret := p.env.CreateKey(t, owner, "Zapier")
	for range 3 {
		p.env.MustDo(t, testkit.Request{Auth: testkit.Bearer(secret), Headers: map[string]string{"X-System": "Zapier"}, Query: `{ account { name } }`})
	}
	p.env.FlushUsage(t)

	// The examples of a fresh profile, one tab each, in order.
	var want []string
	title := regexp.MustCompile(`(?m)^(?:query|mutation) ([A-Za-z0-9_]+)`)
	for _, ex := range playground.Examples() {
		want = append(want, title.FindStringSubmatch(ex.Query)[1])
	}
	tabs := browser.MustEval[[]string](p.Browser, `[...document.querySelectorAll(".graphiql-tab")].map(t => t.innerText.trim())`)
	if strings.Join(tabs, ",") != strings.Join(want, ",") {
		t.Errorf("tabs on a fresh profile %q, want the examples %q", tabs, want)
	}
	if doc := p.editors(); !strings.Contains(doc, "query Viewer") || !strings.Contains(doc, "Sign in at the top right") {
		t.Errorf("the first tab is not the Viewer example:\n%s", doc)
	}
	if got := p.Text("#kf-session-status"); got != "Not signed in" {
		t.Errorf("before signing in the bar says %q", got)
	}

	p.signedIn(owner, "OWNER")
	p.Click(`.graphiql-tab-add`) // a new tab, which starts from the defaults
	if doc := p.editors(); !strings.Contains(doc, "Sign in at the top right") {
		t.Errorf("a new tab's document:\n%s", doc)
	}
	out := p.run(viewerQuery, owner.Email)
	if !strings.Contains(out, `"email": "`+owner.Email+`"`) {
		t.Errorf("viewer answer %s", out)
	}
	token := p.sentToken()
	if token == owner.Token {
		t.Fatal("the page reused the test's token: it did not sign in itself")
	}
	p.assertNowhere("password", owner.Password)
	p.assertNowhere("session token", token)

	// Every tab sends the token: the ListKeys example, run as it is.
	p.Click(".graphiql-tab:nth-child(2) button")
	list := p.run(playground.Examples()[1].Query, `"integration": "Zapier"`)
	if !strings.Contains(list, `"totalCount": 1`) || !strings.Contains(list, `"requestCount": 3`) {
		t.Errorf("ListKeys answer %s", list)
	}
	p.Screenshot(screenshotPath(t))

	// A reload forgets the session: nothing was remembered.
	p.Reload()
	p.waitReady()
	p.WaitText("#kf-session-status", "Not signed in")
	if out := p.run(viewerQuery, "UNAUTHENTICATED"); strings.Contains(out, owner.Email) {
		t.Errorf("after a reload the page still calls as the owner: %s", out)
	}
	p.assertNowhere("session token", token)
	if got := p.viewerStatus(token); got != http.StatusOK {
		t.Errorf("a reload is not a sign-out: the token should live on the server, got %d", got)
	}

	// Sign out revokes the token.
	p.signedIn(owner, "OWNER")
	p.run(viewerQuery, owner.Email)
	second := p.sentToken()
	p.Click("#kf-sign-out")
	p.WaitText("#kf-session-status", "Not signed in")
	p.WaitVisible("#kf-sign-in")
	if got := p.viewerStatus(second); got != http.StatusUnauthorized {
		t.Errorf("after Sign out the token gets %d, want 401", got)
	}
	if out := p.run(viewerQuery, "UNAUTHENTICATED"); strings.Contains(out, owner.Email) {
		t.Errorf("after Sign out the page still calls as the owner: %s", out)
	}
	p.assertNowhere("password", owner.Password)
	p.assertNowhere("session token", second)
	p.AssertOnlyOrigin(p.env.URL)
}

// With "Remember headers in this browser" ticked the session survives a
// reload, stored under the one key the scrub removes when the box is
// unticked; the password is never stored.
func TestRememberedSessionSurvivesReload(t *testing.T) {
	p := openPlayground(t, nil)
	owner := p.env.SignUp(t, "Remembered")

	p.Click("#kf-remember-headers")
	p.signedIn(owner, "OWNER")
	p.run(viewerQuery, owner.Email)
	token := p.sentToken()
	s := p.Storage()
	if where := s.Find(token); len(where) != 1 || where[0] != "localStorage[keyfob:playground:session]" {
		t.Errorf("remembered, the token is stored in %v; want only localStorage[keyfob:playground:session]", where)
	}
	p.assertNowhere("password", owner.Password)

	p.Reload()
	p.waitReady()
	p.WaitText("#kf-session-status", "Signed in as "+owner.Email+" (OWNER)")
	if !browser.MustEval[bool](p.Browser, `document.getElementById("kf-remember-headers").checked`) {
		t.Error("after a reload the box is unticked")
	}
	p.run(viewerQuery, owner.Email)
	if got := p.sentToken(); got != token {
		t.Error("after a reload the page sends another token")
	}

	// Unticking forgets the stored token; this page keeps it in memory
	// until it reloads.
	p.Click("#kf-remember-headers")
	p.assertNowhere("session token", token)
	p.WaitText("#kf-session-status", "Signed in as")
	p.Reload()
	p.waitReady()
	p.WaitText("#kf-session-status", "Not signed in")
	p.assertNowhere("session token", token)
	p.assertNowhere("password", owner.Password)

	// A remembered session the server has ended since is not claimed on
	// the next visit: the page checks it, says so and forgets it.
	p.Click("#kf-remember-headers")
	p.signedIn(owner, "OWNER")
	p.run(viewerQuery, owner.Email)
	third := p.sentToken()
	p.env.MustDo(t, testkit.Request{Auth: testkit.Bearer(third), Query: `mutation { logOut }`})
	p.Reload()
	p.waitReady()
	p.WaitText("#kf-session-status", "Session ended.")
	p.WaitText("#kf-sign-in", "Sign in again")
	p.assertNowhere("ended session's token", third)
	p.AssertOnlyOrigin(p.env.URL)
}

// A refused log-in shows the API's message in the form: UNAUTHENTICATED,
// then RATE_LIMITED with when to try again. The password typed is stored
// nowhere.
func TestFailedLogInShownInTheForm(t *testing.T) {
	p := openPlayground(t, func(c *config.Config) { c.LoginLimits.PerIP = 2 })
	owner := p.env.SignUp(t, "Refused")
	wrong := "not-the-password-" + owner.Password

	p.signIn(owner.Email, wrong)
	msg := p.WaitText("#kf-sign-in-error", "UNAUTHENTICATED")
	if !strings.Contains(msg, "wrong email or password") {
		t.Errorf("form says %q, want the API's message", msg)
	}
	if got := p.Text("#kf-session-status"); got != "Not signed in" {
		t.Errorf("after a failed log-in the bar says %q", got)
	}
	if v := browser.MustEval[string](p.Browser, `document.getElementById("kf-password").value`); v != "" {
		t.Error("the password field still holds the password after the attempt")
	}

	// Until the limit refuses the email.
	for i := 0; i < 4 && !strings.Contains(p.Text("#kf-sign-in-error"), "RATE_LIMITED"); i++ {
		p.Fill("#kf-password", wrong)
		p.Click("#kf-sign-in-submit") // clears the message until the answer comes
		p.WaitText("#kf-sign-in-error", "(")
	}
	msg = p.WaitText("#kf-sign-in-error", "RATE_LIMITED")
	if !regexp.MustCompile(`Try again in \d+ seconds, at `).MatchString(msg) {
		t.Errorf("rate-limited form says %q, want when to try again", msg)
	}
	p.assertNowhere("password", wrong)
	p.assertNowhere("password", owner.Password)
	p.AssertOnlyOrigin(p.env.URL)
}

// When the server refuses the session's token (here: it was logged out
// elsewhere), the bar says the session ended and offers Sign in again. A
// tab whose own Headers set Authorization calls with those instead.
func TestSessionEndedOffersSignInAgain(t *testing.T) {
	p := openPlayground(t, nil)
	owner := p.env.SignUp(t, "Ended")
	_, secret := p.env.CreateKey(t, owner, "Own header")

	p.signedIn(owner, "OWNER")
	p.run(viewerQuery, owner.Email)
	token := p.sentToken()
	p.env.MustDo(t, testkit.Request{Auth: testkit.Bearer(token), Query: `mutation { logOut }`})

	p.run(viewerQuery, "UNAUTHENTICATED")
	p.WaitText("#kf-session-status", "Session ended.")
	if got := p.Text("#kf-sign-in"); got != "Sign in again" {
		t.Errorf("after the session ended the button says %q", got)
	}
	p.signedIn(owner, "OWNER")

	// A tab's own Authorization wins over the session's.
	h, _ := json.Marshal(`{"Authorization": "Bearer ` + secret + `"}`)
	p.Click(`.graphiql-editor-tools button[data-name="headers"]`)
	browser.MustEval[bool](p.Browser, `(() => {
		// The section holds the variables editor, then the headers editor.
		const eds = document.querySelectorAll(".graphiql-editor-tool .CodeMirror");
		if (eds.length !== 2) throw new Error(eds.length + " editors under the query editor, want 2");
		eds[1].CodeMirror.setValue(`+string(h)+`);
		return true;
	})()`)
	p.run(viewerQuery, owner.Email)
	if got := p.sentToken(); got != secret {
		t.Errorf("a tab with its own Authorization sent %q, want its API key", got)
	}
	p.WaitText("#kf-session-status", "Signed in as "+owner.Email)
	p.AssertOnlyOrigin(p.env.URL)
}
