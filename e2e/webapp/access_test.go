package webapp

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/keyfob/keyfob/internal/browser"
	"github.com/keyfob/keyfob/internal/testkit"
)

// An agent sees only their own keys, no owners and no audit log, and the
// line that everyone may create keys while the Power-Up is off. With it on,
// the owner's switch for the agent asks first, saying how many keys it
// deletes, then deletes them; switching back needs no confirmation. The
// owner reads the audit log newest first, page by page.
func TestAgentOwnKeysPowerUpAndAuditLog(t *testing.T) {
	a := openApp(t, nil, nil)
	owner := a.env.SignUp(t, "Switches")
	agent := a.env.CreateUser(t, owner, "AGENT")
	a.env.CreateKey(t, owner, "Owner's Zapier")
	a.env.CreateKey(t, agent, "Agent's Mailchimp")
	a.env.CreateKey(t, agent, "Agent's spare")
	// Enough events for two pages of the audit log (20 each).
	for i := range 12 {
		id, _ := a.env.CreateKey(t, owner, fmt.Sprintf("Short-lived %d", i))
		a.env.MustDo(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: `mutation($id: ID!) { deleteApiKey(input: {id: $id}) { deletedApiKeyId } }`, Variables: map[string]any{"id": id}})
	}

	a.logIn(agent.Email, agent.Password)
	if got := strings.Join(a.keyNames(), ","); got != "Agent's spare,Agent's Mailchimp" {
		t.Errorf("the agent sees the keys %q, want only their own two, newest first", got)
	}
	if browser.MustEval[bool](a.Browser, `[...document.querySelectorAll("#keys-table th")].some(th => th.innerText === "Owner")`) {
		t.Error("the agent's table has an Owner column")
	}
	if browser.MustEval[bool](a.Browser, `!!document.getElementById("nav-audit")`) {
		t.Error("the agent is offered the audit log")
	}
	a.Click("#nav-access")
	a.WaitText("#access-line", "Everyone in the account may create API keys")
	a.AssertAccessible("the agent's access screen")
	a.logOut()

	a.env.PowerUp(t, owner.AccountID, true)
	a.logIn(owner.Email, owner.Password)
	a.Click("#nav-access")
	a.WaitText("#access-line", "Power-Up is on")
	sw := fmt.Sprintf(`#users-table button[role=switch][data-user-id=%q]`, agent.ID)
	a.WaitVisible(sw)
	if got := browser.MustEval[string](a.Browser, `document.querySelector('`+sw+`').getAttribute("aria-checked")`); got != "true" {
		t.Fatalf("the agent's switch is aria-checked=%q, want true", got)
	}
	if browser.MustEval[bool](a.Browser, fmt.Sprintf(`!!document.querySelector('#users-table button[role=switch][data-user-id=%q]')`, owner.ID)) {
		t.Error("the owner has a switch; their access cannot be turned off")
	}
	a.AssertAccessible("the owner's access screen")
	a.Click(sw)
	warning := a.WaitText("#access-warning", "deletes")
	if !strings.Contains(warning, "this deletes their 2 keys") {
		t.Errorf("the confirmation says %q, want that it deletes the agent's 2 keys", warning)
	}
	a.AssertAccessible("the access confirmation")
	a.Click("#access-confirm")
	a.WaitText("#notice", "Deleted 2 keys")
	a.WaitText(fmt.Sprintf(`#users-table tr[data-user-id=%q] td:nth-child(3)`, agent.ID), "0")
	a.WaitVisible(sw + `[aria-checked="false"]`)
	if resp := a.env.Do(t, testkit.Request{Auth: testkit.Bearer(agent.Token), Query: `{ viewer { apiKeyCount apiAccess } }`}); testkit.Dig(resp.Data, "viewer", "apiKeyCount") != float64(0) || testkit.Dig(resp.Data, "viewer", "apiAccess") != false {
		t.Errorf("after the switch the agent has %s", resp.Body)
	}
	// Back on: no confirmation, nothing to delete.
	a.Click(sw)
	a.WaitVisible(sw + `[aria-checked="true"]`)
	a.WaitText("#notice", "may create API keys again")
	if browser.MustEval[bool](a.Browser, `!!document.getElementById("access-dialog")`) {
		t.Error("turning access on asked for confirmation")
	}

	// The audit log: the switch just now comes first.
	a.Click("#nav-audit")
	a.WaitText("#audit-count", "Page 1 of")
	firstRow := a.Text("#audit-table tbody tr:first-child")
	if !strings.Contains(firstRow, "API access changed") || !strings.Contains(firstRow, "enabled") {
		t.Errorf("the newest event reads %q, want the access turned on", firstRow)
	}
	a.AssertAccessible("the audit log")
	pages := regexp.MustCompile(`Page 1 of (\d+)`).FindStringSubmatch(a.Text("#audit-count"))
	if pages == nil || pages[1] == "1" {
		t.Fatalf("the audit log has one page: %q", a.Text("#audit-count"))
	}
	pageOne := a.Text("#audit-table tbody")
	a.Click("#audit-older")
	a.WaitText("#audit-count", "Page 2 of")
	if a.Text("#audit-table tbody") == pageOne {
		t.Error("the older page shows the same events")
	}
	if got := a.Text("#audit-table tbody"); !strings.Contains(got, "Key deleted") {
		t.Errorf("page 2 lacks the earlier deletions: %q", got)
	}
	a.Click("#audit-newer")
	a.WaitText("#audit-count", "Page 1 of")
	if a.Text("#audit-table tbody") != pageOne {
		t.Error("back on page 1, the events differ")
	}
	wantStatus(t, "the owner's session", a.tokenStatus(a.sentToken()), http.StatusOK)

	// Off again (nothing left to delete, and the confirmation says so);
	// the agent is then told, in words, that they may not create keys.
	a.Click("#nav-access")
	a.Click(sw)
	a.WaitText("#access-warning", "this deletes their 0 keys")
	a.Click("#access-confirm")
	a.WaitVisible(sw + `[aria-checked="false"]`)
	a.logOut()
	a.logIn(agent.Email, agent.Password)
	a.Click("#nav-access")
	a.WaitText("#own-access", "You may not create API keys")
	a.Click("#nav-keys")
	a.waitKeysLoaded()
	a.Click("#create-key")
	a.Fill("#key-name", "Not allowed")
	a.Click("#create-submit")
	msg := a.WaitText("#create-error", "API access is turned off")
	assertWords(t, msg)
}

// Past 50 keys, "Load more" follows the cursor to the rest.
func TestLoadMoreFollowsTheCursor(t *testing.T) {
	a := openApp(t, nil, nil)
	owner := a.env.SignUp(t, "Many keys")
	for i := range 55 {
		a.env.CreateKey(t, owner, fmt.Sprintf("Key %02d", i))
	}
	a.logIn(owner.Email, owner.Password)
	a.WaitText("#keys-count", "Showing 50 of 55 keys.")
	if names := a.keyNames(); len(names) != 50 || names[0] != "Key 54" {
		t.Fatalf("the first page holds %d keys, first %q", len(names), names[0])
	}
	a.Click("#load-more")
	a.WaitText("#keys-count", "Showing 55 of 55 keys.")
	names := a.keyNames()
	seen := map[string]bool{}
	for _, n := range names {
		seen[n] = true
	}
	if len(names) != 55 || len(seen) != 55 || names[54] != "Key 00" {
		t.Errorf("after Load more the table holds %d keys (%d distinct), last %q", len(names), len(seen), names[len(names)-1])
	}
	if browser.MustEval[bool](a.Browser, `!!document.getElementById("load-more")`) {
		t.Error("Load more is still offered at the end of the list")
	}
	a.AssertAccessible("a long key list")
}
