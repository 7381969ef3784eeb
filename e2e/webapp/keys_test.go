package webapp

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/keyfob/keyfob/internal/browser"
	"github.com/keyfob/keyfob/internal/testkit"
)

// A new admin's first visit: sign up, create a key and see its secret once,
// use it as an integration and see the usage and the integrations card,
// rename it, roll it with a grace period, delete it, log out and back in.
// The password, the session tokens and the secrets end up in no storage
// they must not be in; axe-core finds nothing serious on any screen.
func TestNewAdminJourney(t *testing.T) {
	a := openApp(t, nil, nil)
	a.AssertAccessible("the log-in form")

	// Sign up through the form.
	email := testkit.UniqueEmail("ada")
	const password = "correct horse battery staple"
	a.typed = append(a.typed, password)
	a.Click("#show-signup")
	a.WaitVisible("#signup-form")
	a.AssertAccessible("the sign-up form")
	a.Fill("#signup-account", "Acme Realty")
	a.Fill("#signup-name", "Ada Owner")
	a.Fill("#signup-email", email)
	a.Fill("#signup-password", password)
	a.Click("#signup-submit")
	a.WaitText("#who", email+" (Owner)")
	a.WaitText("#keys-count", "No API keys yet")
	if a.inDOM(password) {
		t.Error("the password is still in the page after signing up")
	}
	a.AssertAccessible("the empty keys screen")
	first := a.sentToken()

	// Create a key: the secret is shown once, with a copy button and the
	// warning; closing the dialog forgets it.
	a.Click("#create-key")
	a.WaitVisible("#create-dialog")
	a.AssertAccessible("the create dialog")
	a.Fill("#key-name", "Zapier")
	a.Fill("#key-note", "Leads from the website into the CRM")
	a.Click("#create-submit")
	a.WaitVisible("#new-secret")
	secret := browser.MustEval[string](a.Browser, `document.getElementById("new-secret").value`)
	if !strings.HasPrefix(secret, "kf_") {
		t.Fatalf("the dialog shows %q, not a key", secret)
	}
	if w := a.Text("#new-secret-warning"); !strings.Contains(w, "It will not be shown again") {
		t.Errorf("the show-once warning says %q", w)
	}
	a.Click("#new-secret-copy")
	a.WaitText(".copy-status", "Cop")
	a.AssertAccessible("the show-once dialog")
	a.screenshot("app-show-once.png")
	a.Click("#secret-done")
	a.WaitHidden("#create-dialog")
	a.waitKeysLoaded()
	if a.inDOM(secret) {
		t.Error("the secret is still in the page after the dialog closed")
	}
	a.assertNothingLeft(true, []string{first}, []string{secret})
	row := a.row("Zapier")
	if got := a.cell(row, "last-used"); got != "Never" {
		t.Errorf("a new key's Last Used says %q, want Never", got)
	}
	if got := a.Text(row + " td:nth-child(2)"); got != "…"+secret[len(secret)-4:] {
		t.Errorf("the key column says %q, want …%s", got, secret[len(secret)-4:])
	}
	for class, want := range map[string]string{"expires": "Never", "access": "Full", "status": "Active"} {
		if got := a.cell(row, class); !strings.Contains(got, want) {
			t.Errorf("column %s says %q, want %q", class, got, want)
		}
	}
	if note := a.Text(row + " .note"); note != "Leads from the website into the CRM" {
		t.Errorf("the note shows as %q", note)
	}

	// An integration uses it; the table and the card show it.
	for range 3 {
		wantStatus(t, "the new key as Zapier", a.use(secret, "Zapier"), http.StatusOK)
	}
	wantStatus(t, "the new key as Mailchimp", a.use(secret, "Mailchimp Sync"), http.StatusOK)
	a.env.FlushUsage(t)
	a.refresh()
	row = a.row("Zapier")
	if got := a.cell(row, "last-used"); got == "Never" {
		t.Error("after use, Last Used still says Never")
	}
	if label := browser.MustEval[string](a.Browser, `document.querySelector("`+row+` svg.sparkline").getAttribute("aria-label")`); !strings.HasPrefix(label, "4 requests in the last 30 days") {
		t.Errorf("the sparkline says %q", label)
	}
	a.Hover(row + " .key-name")
	card := a.WaitText(".hover-card", "Mailchimp Sync")
	if !regexp.MustCompile(`Zapier\s.*\s3\b`).MatchString(card) || !regexp.MustCompile(`Mailchimp Sync\s.*\s1\b`).MatchString(card) {
		t.Errorf("the integrations card says %q, want Zapier with 3 requests and Mailchimp Sync with 1", card)
	}
	if !strings.Contains(card, "First used") || !strings.Contains(card, "Last used") {
		t.Errorf("the card lacks the first and last use: %q", card)
	}
	a.AssertAccessible("the keys screen with the integrations card")
	a.screenshot("app-hover-card.png")
	a.Hover("#keys-title")
	a.WaitHidden(".hover-card")
	// Focus shows it too, and Escape hides it.
	browser.MustEval[bool](a.Browser, `(document.querySelector("`+row+` .key-name").focus(), true)`)
	a.WaitText(".hover-card", "Zapier")
	a.Press("\x1b", false) // Escape
	a.WaitHidden(".hover-card")

	// Rename, with a note and read-only access.
	a.Click(row + ` button[data-action="edit"]`)
	a.WaitVisible("#edit-dialog")
	a.AssertAccessible("the edit dialog")
	a.Fill("#edit-name", "Zapier (production)")
	browser.MustEval[bool](a.Browser, `(() => { const s = document.getElementById("edit-access"); s.value = "READ_ONLY"; s.dispatchEvent(new Event("change", {bubbles: true})); return true; })()`)
	a.Click("#edit-submit")
	a.WaitHidden("#edit-dialog")
	a.waitKeysLoaded()
	a.WaitText("#keys-table", "Zapier (production)")
	row = a.row("Zapier (production)")
	if got := a.cell(row, "access"); got != "Read-only" {
		t.Errorf("after the edit, Access says %q", got)
	}

	// Roll with a grace period of an hour: the new secret is shown once,
	// with when the previous one stops and when it was last used.
	a.Click(row + ` button[data-action="roll"]`)
	a.WaitVisible("#roll-dialog")
	a.AssertAccessible("the roll dialog")
	if got := browser.MustEval[[]string](a.Browser, `[...document.querySelectorAll("#roll-dialog input[name=grace]")].map(r => r.parentElement.innerText.trim())`); strings.Join(got, "|") != "Now|In 1 hour|In 24 hours|In 7 days" {
		t.Errorf("the grace choices are %q", got)
	}
	a.Click("#grace-3600")
	a.Click("#roll-submit")
	a.WaitVisible("#rolled-secret")
	rolled := browser.MustEval[string](a.Browser, `document.getElementById("rolled-secret").value`)
	if !strings.HasPrefix(rolled, "kf_") || rolled == secret {
		t.Fatalf("the roll shows %q", rolled)
	}
	a.AssertAccessible("the roll's show-once dialog")
	result := a.Text("#roll-result")
	if !strings.Contains(result, "keeps working until") || !strings.Contains(result, "It was last used") {
		t.Errorf("the roll's result says %q, want when the previous secret stops and when it was last used", result)
	}
	a.Click("#roll-done")
	a.WaitHidden("#roll-dialog")
	a.waitKeysLoaded()
	if a.inDOM(rolled) {
		t.Error("the rolled secret is still in the page after the dialog closed")
	}
	wantStatus(t, "the previous secret in its grace", a.use(secret, "Zapier"), http.StatusOK)
	wantStatus(t, "the new secret", a.use(rolled, "Zapier"), http.StatusOK)
	row = a.row("Zapier (production)")
	if got := a.cell(row, "status"); !strings.Contains(got, "Previous secret works until") {
		t.Errorf("after a roll with grace the status says %q", got)
	}

	// Delete: confirmation, then gone, and the key refused.
	a.Click(row + ` button[data-action="delete"]`)
	a.WaitVisible("#delete-dialog")
	a.AssertAccessible("the delete dialog")
	if w := a.Text("#delete-warning"); !strings.Contains(w, "stop working at once") || strings.Contains(w, "mobile") {
		t.Errorf("the delete warning says %q", w)
	}
	a.Click("#delete-confirm")
	a.WaitText("#notice", `Deleted "Zapier (production)".`)
	a.WaitText("#keys-count", "No API keys yet")
	wantStatus(t, "the deleted key", a.use(rolled, "Zapier"), http.StatusUnauthorized)
	wantStatus(t, "the deleted key's previous secret", a.use(secret, "Zapier"), http.StatusUnauthorized)

	// Log out: the token is revoked and forgotten; logging in works.
	a.assertNothingLeft(true, []string{first}, []string{secret, rolled})
	a.logOut()
	wantStatus(t, "the logged-out token", a.tokenStatus(first), http.StatusUnauthorized)
	a.assertNothingLeft(false, []string{first}, []string{secret, rolled})
	a.logIn(email, password)
	second := a.sentToken()
	if second == first {
		t.Error("logging in again reused the old token")
	}
	// A reload keeps the tab signed in (the token is the tab's).
	a.Reload()
	a.WaitText("#who", email)
	a.waitKeysLoaded()
	a.assertNothingLeft(true, []string{first, second}, []string{secret, rolled})
}
