package webapp

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/keyfob/keyfob/internal/browser"
	"github.com/keyfob/keyfob/internal/testkit"
)

// The seed demo's owner deletes their Default API Key: the confirmation
// says how many mobile sessions it logs out, the result how many it did,
// and the mobile token is refused from then on. On the way, the table
// shows owners, and expired and leaked keys plainly: a key both expired
// and leaked shows as leaked, an expired key offers no roll and a leaked
// one does.
func TestDemoOwnerDeletesTheDefaultKey(t *testing.T) {
	clock := clockwork.NewFakeClockAt(time.Now())
	a := openApp(t, clock, nil)
	demo, err := a.env.Store.SeedDemo(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	owner, agent := demo.Users[0], demo.Users[1]
	// The seed logged the owner in on a phone; a second phone makes two.
	mobile := a.env.LogIn(t, owner.Email, owner.Password, "MOBILE")
	web := a.env.LogIn(t, owner.Email, owner.Password, "WEB")

	// A key that expires in an hour, another that expires and leaks, and
	// one that only leaks; then the server's clock passes the hour.
	makeKey := func(name string, expires *time.Time) (id, secret string) {
		in := map[string]any{"name": name}
		if expires != nil {
			in["expiresAt"] = expires.UTC().Format(time.RFC3339)
		}
		data := a.env.MustDo(t, testkit.Request{Auth: testkit.Bearer(web), Query: `mutation($in: CreateApiKeyInput!) { createApiKey(input: $in) { secret apiKey { id } } }`, Variables: map[string]any{"in": in}})
		return testkit.Dig(data, "createApiKey", "apiKey", "id").(string), testkit.Dig(data, "createApiKey", "secret").(string)
	}
	hour := clock.Now().Add(time.Hour)
	makeKey("Old import", &hour)
	_, bothSecret := makeKey("Forum paste", &hour)
	_, leakedSecret := makeKey("Pushed to GitHub", nil)
	report, _ := json.Marshal(map[string]any{"credentials": []string{bothSecret, leakedSecret}})
	resp, err := http.DefaultClient.Do(testkit.PublicRevokeRequest(a.env.URL, report))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	waitLeaked(t, a.env, web, 2)
	clock.Advance(2 * time.Hour)

	// Some traffic today, for the sparklines.
	for _, k := range demo.Keys {
		for i := range map[string]int{"Zapier": 5, "Website lead form": 2}[k.Name] {
			wantStatus(t, k.Name, a.use(k.Secret, []string{"Zapier", "Website"}[i%2]), http.StatusOK)
		}
	}
	a.env.FlushUsage(t)

	a.logIn(owner.Email, owner.Password)
	if names := a.keyNames(); len(names) != 8 {
		t.Errorf("the demo owner sees %d keys %q, want all 8 of the account", len(names), names)
	}
	if got := a.Text(a.row("Mailchimp sync") + " td.owner"); !strings.Contains(got, agent.Email) {
		t.Errorf("the agent's key shows the owner %q", got)
	}
	expired, both, leaked := a.row("Old import"), a.row("Forum paste"), a.row("Pushed to GitHub")
	for row, want := range map[string]string{expired: "Expired", both: "Leaked", leaked: "Leaked"} {
		if got := a.Text(row + " td.status .badge"); got != want {
			t.Errorf("status %q, want %q", got, want)
		}
	}
	if got := a.cell(leaked, "status"); !strings.Contains(got, "public report") {
		t.Errorf("a leaked key's status says %q, want where it was found", got)
	}
	rolls := func(row string) bool {
		return browser.MustEval[bool](a.Browser, `!!document.querySelector("`+row+` button[data-action=roll]")`)
	}
	if rolls(expired) {
		t.Error("an expired key offers a roll, which the API refuses")
	}
	if !rolls(leaked) {
		t.Error("a leaked key offers no roll")
	}
	a.AssertAccessible("the demo's keys, expired and leaked ones among them")
	a.screenshot("app-keys.png")

	// Rolling the leaked key: no grace to choose, and it is active again.
	a.Click(leaked + ` button[data-action="roll"]`)
	a.WaitText("#roll-leaked", "no grace period")
	a.Click("#roll-submit")
	a.WaitText("#roll-result", "stopped working now")
	a.Click("#roll-done")
	a.waitKeysLoaded()
	a.WaitText(a.row("Pushed to GitHub")+" td.status", "Active")

	// The Default API Key.
	def := a.row("Default API Key")
	if got := a.Text(def + " .tag"); got != "Default" {
		t.Errorf("the Default API Key's tag says %q", got)
	}
	a.Click(def + ` button[data-action="delete"]`)
	warning := a.WaitText("#delete-warning", "mobile")
	if !strings.Contains(warning, "2 active sessions") {
		t.Errorf("the Default key's confirmation says %q, want 2 active sessions", warning)
	}
	a.AssertAccessible("the Default API Key's delete confirmation")
	a.Click("#delete-confirm")
	a.WaitText("#notice", "It logged out 2 mobile app sessions.")
	a.waitKeysLoaded()
	if strings.Contains(strings.Join(a.keyNames(), ","), "Default API Key") {
		t.Error("the Default API Key is still listed")
	}
	wantStatus(t, "the mobile token after the Default key went", a.tokenStatus(mobile), http.StatusUnauthorized)
	wantStatus(t, "the web session after the Default key went", a.tokenStatus(a.sentToken()), http.StatusOK)
}

// waitLeaked waits until n keys are LEAKED: public reports are applied
// after their 202, in the background.
func waitLeaked(t *testing.T, e *testkit.Env, token string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		data := e.MustDo(t, testkit.Request{Auth: testkit.Bearer(token), Query: `{ apiKeys(first: 100) { nodes { status } } }`})
		got := 0
		for _, k := range testkit.Dig(data, "apiKeys", "nodes").([]any) {
			if testkit.Dig(k, "status") == "LEAKED" {
				got++
			}
		}
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d keys LEAKED after 10s, want %d", got, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
