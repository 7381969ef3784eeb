package webapp

import (
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp/kb"

	"github.com/keyfob/keyfob/internal/browser"
)

// The create dialog, operated by keyboard alone: Tab reaches the button,
// Enter opens the dialog with the focus in it, every field is set by keys,
// Tab and Shift+Tab stay inside, Enter creates, and closing returns the
// focus to the button. Escape closes the dialog. Focus is always visible.
func TestCreateDialogByKeyboardAlone(t *testing.T) {
	a := openApp(t, nil, nil)
	owner := a.env.SignUp(t, "Keyboard")
	a.logIn(owner.Email, owner.Password)

	// From the top of the page, Tab until the button has the focus.
	browser.MustEval[bool](a.Browser, `(document.activeElement.blur(), true)`)
	for i := 0; a.Focused() != "create-key"; i++ {
		if i == 20 {
			t.Fatalf("20 presses of Tab never reached Create API Key; the focus is on %q", a.Focused())
		}
		a.Press(kb.Tab, false)
		a.assertFocusVisible()
	}
	a.Press(kb.Enter, false)
	a.WaitVisible("#create-dialog")
	a.expectFocus("key-name")
	a.Press("Keyboard key", false)
	a.Press(kb.Tab, false)
	a.expectFocus("key-note")
	a.assertFocusVisible()
	a.Press("Typed, never clicked", false)
	a.Press(kb.Tab, false)
	a.expectFocus("key-expiry")
	a.Press(kb.ArrowDown, false) // Never -> In 30 days
	a.Press(kb.Tab, false)
	a.expectFocus("access-full")
	a.Press(kb.ArrowDown, false) // Full -> Read-only, as radio groups go
	a.expectFocus("access-read")
	a.Press(kb.Tab, false)
	a.expectFocus("button:Cancel")
	a.Press(kb.Tab, false)
	a.expectFocus("create-submit")
	a.Press(kb.Tab, false)
	a.expectFocus("key-name") // the focus stays in the dialog
	a.Press(kb.Tab, true)
	a.expectFocus("create-submit")
	a.assertFocusVisible()
	a.Press(kb.Enter, false)

	a.WaitVisible("#new-secret")
	a.expectFocus("new-secret")
	a.Press(kb.Tab, false)
	a.expectFocus("new-secret-copy")
	a.Press(kb.Enter, false)
	a.WaitText(".copy-status", "Cop")
	a.Press(kb.Tab, false)
	a.expectFocus("secret-done")
	a.Press(kb.Tab, false)
	a.expectFocus("new-secret")
	a.Press(kb.Tab, true)
	a.expectFocus("secret-done")
	a.Press(kb.Enter, false)
	a.WaitHidden("#create-dialog")
	a.expectFocus("create-key")
	a.waitKeysLoaded()

	row := a.row("Keyboard key")
	if got := a.cell(row, "access"); got != "Read-only" {
		t.Errorf("the key's access is %q, want Read-only", got)
	}
	if got := a.cell(row, "expires"); got == "Never" || !regexp.MustCompile(`\d{4}`).MatchString(got) {
		t.Errorf("the key expires %q, want a date 30 days on", got)
	}
	if got := a.Text(row + " .note"); got != "Typed, never clicked" {
		t.Errorf("the note is %q", got)
	}

	// Escape closes it, and the focus goes back.
	a.Press(kb.Enter, false)
	a.WaitVisible("#create-dialog")
	a.expectFocus("key-name")
	a.Press("Never made", false)
	a.Press(kb.Escape, false)
	a.WaitHidden("#create-dialog")
	a.expectFocus("create-key")
	if strings.Contains(strings.Join(a.keyNames(), ","), "Never made") {
		t.Error("Escape created the key")
	}

	// The rest of the screen is reachable too: the key's name (which shows
	// its card) and its actions.
	for i := 0; !strings.HasPrefix(a.Focused(), "name-"); i++ {
		if i == 10 {
			t.Fatalf("Tab never reached the key's name; the focus is on %q", a.Focused())
		}
		a.Press(kb.Tab, false)
	}
	a.WaitVisible(".hover-card")
	a.assertFocusVisible()
	keyID := strings.TrimPrefix(a.Focused(), "name-")
	for _, action := range []string{"edit-", "roll-", "delete-"} {
		a.Press(kb.Tab, false)
		a.expectFocus(action + keyID)
		a.assertFocusVisible()
	}
	a.Press(kb.Enter, false)
	a.WaitVisible("#delete-dialog")
	a.expectFocus("button:Cancel") // the safe choice first
	a.Press(kb.Escape, false)
	a.WaitHidden("#delete-dialog")
	a.expectFocus("delete-" + keyID)
}

// expectFocus waits for the focus to land on want: a dialog moves it in
// an effect, after the render that opened or closed it.
func (a *app) expectFocus(want string) {
	a.t.Helper()
	for i := 0; ; i++ {
		got := a.Focused()
		if got == want {
			return
		}
		if i == 100 {
			a.t.Fatalf("the focus is on %q, want %q", got, want)
		}
		browser.MustEval[bool](a.Browser, `new Promise(r => setTimeout(() => r(true), 20))`)
	}
}

// assertFocusVisible fails unless the focused element draws an outline.
func (a *app) assertFocusVisible() {
	a.t.Helper()
	ok := browser.MustEval[bool](a.Browser, `(() => {
		const el = document.activeElement;
		if (!el || el === document.body) return true;
		const s = getComputedStyle(el);
		return (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== "none";
	})()`)
	if !ok {
		a.t.Errorf("the focus on %q is not visible", a.Focused())
	}
}
