package webapp

import (
	"regexp"
	"strings"
	"testing"

	"github.com/keyfob/keyfob/internal/browser"
	"github.com/keyfob/keyfob/internal/config"
	"github.com/keyfob/keyfob/internal/testkit"
)

// API errors are shown in words near their cause: BAD_USER_INPUT next to
// its field, a session the server ended as the log-in form with a clear
// message, RATE_LIMITED with when to try again. Never raw JSON.
func TestErrorsInWords(t *testing.T) {
	a := openApp(t, nil, func(c *config.Config) { c.LoginLimits.PerIP = 2 })
	owner := a.env.SignUp(t, "Errors")
	a.logIn(owner.Email, owner.Password)

	// A name of spaces only: the API's BAD_USER_INPUT on name, by the field.
	a.Click("#create-key")
	a.WaitVisible("#create-dialog")
	a.Fill("#key-name", "   ")
	a.Click("#create-submit")
	msg := a.WaitText("#key-name-error", "ame")
	assertWords(t, msg)
	if browser.MustEval[string](a.Browser, `document.getElementById("key-name").getAttribute("aria-invalid")`) != "true" {
		t.Error("the name field is not marked invalid")
	}
	if browser.MustEval[bool](a.Browser, `!!document.getElementById("create-error")`) {
		t.Error("the field's error is also shown for the whole form")
	}
	a.AssertAccessible("the create dialog with an error on its name")
	// An expiry in the past: the API's error on expiresAt, by the expiry.
	a.Fill("#key-name", "Dated")
	browser.MustEval[bool](a.Browser, `(() => {
		const s = document.getElementById("key-expiry"); s.value = "date"; s.dispatchEvent(new Event("change", {bubbles: true})); return true; })()`)
	a.WaitVisible("#key-expiry-date")
	browser.MustEval[bool](a.Browser, `(() => {
		const d = document.getElementById("key-expiry-date"); d.value = "2020-01-01"; d.dispatchEvent(new Event("input", {bubbles: true})); return true; })()`)
	a.Click("#create-submit")
	assertWords(t, a.WaitText("#key-expiry-error", "future"))
	a.Press("\x1b", false)
	a.WaitHidden("#create-dialog")
	if got := a.keyNames(); len(got) != 0 {
		t.Errorf("refused creations made keys %q", got)
	}

	// Keyfob cannot be reached: a banner says so, in words, and goes once
	// it answers again.
	restore := a.CutOff("*/graphql")
	a.Click("#refresh-keys")
	assertWords(t, a.WaitText("#banner", "Keyfob cannot be reached"))
	a.AssertAccessible("the keys screen with the banner")
	restore()
	a.refresh()
	a.WaitHidden("#banner")

	// The server ends the session: the next request returns to the form.
	token := a.sentToken()
	a.env.MustDo(t, testkit.Request{Auth: testkit.Bearer(token), Query: `mutation { logOut }`})
	a.Click("#refresh-keys")
	assertWords(t, a.WaitText("#auth-message", "Your session has ended"))
	a.WaitVisible("#login-form")
	a.AssertAccessible("the log-in form after the session ended")
	a.assertNothingLeft(false, []string{token}, nil)

	// Wrong passwords, then the limit with when to try again.
	wrong := "not-the-password-" + owner.Password
	a.typed = append(a.typed, wrong)
	a.Fill("#login-email", owner.Email)
	a.Fill("#login-password", wrong)
	a.Click("#login-submit")
	assertWords(t, a.WaitText("#login-error", "Wrong email or password."))
	if v := browser.MustEval[string](a.Browser, `document.getElementById("login-password").value`); v != "" {
		t.Error("the password field still holds the password after the attempt")
	}
	for i := 0; i < 4 && !strings.Contains(a.Text("#login-error"), "Too many"); i++ {
		a.Fill("#login-password", wrong)
		a.Click("#login-submit")
		a.WaitText("#login-error", ".")
	}
	msg = a.WaitText("#login-error", "Too many attempts")
	if !regexp.MustCompile(`Try again in \d+ seconds?, at \d`).MatchString(msg) {
		t.Errorf("the rate-limited form says %q, want when to try again", msg)
	}
	assertWords(t, msg)
	a.AssertAccessible("the log-in form, rate limited")
	a.assertNothingLeft(false, []string{token}, nil)
}

// assertWords fails on a message that shows JSON or a bare code instead
// of words.
func assertWords(t *testing.T, msg string) {
	t.Helper()
	if strings.ContainsAny(msg, "{}[]") || strings.Contains(msg, "extensions") || regexp.MustCompile(`\b[A-Z]+_[A-Z_]+\b`).MatchString(msg) {
		t.Errorf("the message %q is not in words", msg)
	}
}
