package api

import (
	"context"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/keyfob/keyfob/db"
	"github.com/keyfob/keyfob/internal/testkit"
	"github.com/keyfob/keyfob/model"
)

var legacyKeyPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// signUpAt signs up through the domain path with a chosen sign-up date, as
// the operator's seed does, and logs the owner in on the web.
func signUpAt(t *testing.T, e *testkit.Env, at time.Time) (*db.SignUpResult, *testkit.User) {
	t.Helper()
	u := &testkit.User{Email: testkit.UniqueEmail("early"), Password: "correct horse battery"}
	res, err := e.Store.SignUp(context.Background(), db.SignUp{
		AccountName: "Early Realty", Name: "Early Bird", Email: u.Email, Password: u.Password, SignedUpAt: at,
	})
	if err != nil {
		t.Fatalf("SignUp at %v: %v", at, err)
	}
	u.ID, u.AccountID = res.User.ID, res.Account.ID
	u.Token = e.LogIn(t, u.Email, u.Password, "WEB")
	return res, u
}

const defaultKeyQuery = `{ viewer { id signedUpAt } apiKeys { totalCount nodes { id name last4 isDefault lastUsedAt activeMobileSessions owner { id } } } }`

func TestDefaultAPIKeyRule(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		cases := []struct {
			name       string
			signedUpAt time.Time
			wantKey    bool
		}{
			{"long before the cut-off", time.Date(2019, 2, 3, 4, 5, 6, 0, time.UTC), true},
			{"2021-07-30 23:00 UTC", time.Date(2021, 7, 30, 23, 0, 0, 0, time.UTC), true},
			{"last microsecond of 2021-07-30", time.Date(2021, 7, 30, 23, 59, 59, 999999000, time.UTC), true},
			{"2021-07-31 00:00 UTC", time.Date(2021, 7, 31, 0, 0, 0, 0, time.UTC), false},
			{"2021-07-31 midday", time.Date(2021, 7, 31, 12, 0, 0, 0, time.UTC), false},
			{"2024", time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC), false},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				res, u := signUpAt(t, e, tc.signedUpAt)
				data := e.MustDo(t, testkit.Request{Auth: testkit.Bearer(u.Token), Query: defaultKeyQuery})
				if got := testkit.MustTime(t, testkit.Dig(data, "viewer", "signedUpAt")); !got.Equal(tc.signedUpAt) {
					t.Errorf("signedUpAt = %v, want %v", got, tc.signedUpAt)
				}
				if !tc.wantKey {
					if res.DefaultKeySecret != "" {
						t.Errorf("DefaultKeySecret = %q, want none", res.DefaultKeySecret)
					}
					if testkit.Dig(data, "apiKeys", "totalCount") != 0.0 {
						t.Errorf("apiKeys = %v, want none", testkit.Dig(data, "apiKeys"))
					}
					return
				}
				secret := res.DefaultKeySecret
				if !legacyKeyPattern.MatchString(secret) {
					t.Fatalf("DefaultKeySecret = %q, want 32 lowercase hex characters", secret)
				}
				if testkit.Dig(data, "apiKeys", "totalCount") != 1.0 {
					t.Fatalf("apiKeys = %v, want the Default API Key", testkit.Dig(data, "apiKeys"))
				}
				key := testkit.Dig(data, "apiKeys", "nodes", 0)
				if testkit.Dig(key, "name") != "Default API Key" || testkit.Dig(key, "isDefault") != true {
					t.Errorf("key = %v, want isDefault \"Default API Key\"", key)
				}
				if testkit.Dig(key, "last4") != secret[len(secret)-4:] || testkit.Dig(key, "lastUsedAt") != nil ||
					testkit.Dig(key, "owner", "id") != u.ID || testkit.Dig(key, "activeMobileSessions") != 0.0 {
					t.Errorf("key = %v", key)
				}

				// The legacy secret authenticates both ways, as its owner.
				for _, auth := range []string{testkit.Bearer(secret), testkit.Basic(secret, "")} {
					resp := e.Do(t, testkit.Request{Auth: auth, Headers: map[string]string{"X-System": "Legacy CRM"}, Query: `{ viewer { id } }`})
					if resp.Status != http.StatusOK || testkit.Dig(resp.Data, "viewer", "id") != u.ID {
						t.Errorf("%s: status %d: %s", auth[:6], resp.Status, resp.Body)
					}
				}
				for _, auth := range []string{testkit.Basic(secret, "x"), testkit.Bearer(secret[:31]), testkit.Bearer(secret + "0")} {
					if resp, _ := e.ViewerID(t, auth); resp.Status != http.StatusUnauthorized {
						t.Errorf("%q: status %d, want 401", auth, resp.Status)
					}
				}
				e.FlushUsage(t)
				_, rows := usageOf(t, e, u.Token, testkit.Dig(key, "id").(string))
				if len(rows) != 1 || testkit.Dig(rows[0], "integration") != "Legacy CRM" || testkit.Dig(rows[0], "requestCount") != 2.0 {
					t.Errorf("usage of the default key = %v", rows)
				}
			})
		}
	})
}

const mobileCountQuery = `query($id: ID!) { apiKey(id: $id) { activeMobileSessions } }`

func mobileSessions(t *testing.T, e *testkit.Env, token, keyID string) any {
	t.Helper()
	data := e.MustDo(t, testkit.Request{Auth: testkit.Bearer(token), Query: mobileCountQuery, Variables: map[string]any{"id": keyID}})
	return testkit.Dig(data, "apiKey", "activeMobileSessions")
}

func TestMobileSessionsAndDefaultKey(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		res, u := signUpAt(t, e, time.Date(2021, 7, 30, 23, 0, 0, 0, time.UTC))
		data := e.MustDo(t, testkit.Request{Auth: testkit.Bearer(u.Token), Query: `{ apiKeys { nodes { id isDefault } } }`})
		defaultID, _ := testkit.Dig(data, "apiKeys", "nodes", 0, "id").(string)
		if defaultID == "" || testkit.Dig(data, "apiKeys", "nodes", 0, "isDefault") != true {
			t.Fatalf("no default key: %v", data)
		}
		plainID, plainSecret := e.CreateKey(t, u, "Zapier")

		steps := []struct {
			name        string
			act         func(t *testing.T) string // returns a mobile token to keep, or ""
			wantDefault float64
		}{
			{"no mobile sessions yet", func(t *testing.T) string { return "" }, 0},
			{"first mobile log-in", func(t *testing.T) string { return e.LogIn(t, u.Email, u.Password, "MOBILE") }, 1},
			{"a web log-in is not counted", func(t *testing.T) string { e.LogIn(t, u.Email, u.Password, "WEB"); return "" }, 1},
			{"second mobile log-in", func(t *testing.T) string { return e.LogIn(t, u.Email, u.Password, "MOBILE") }, 2},
			{"a logged-out mobile session is not counted", func(t *testing.T) string {
				tok := e.LogIn(t, u.Email, u.Password, "MOBILE")
				e.MustDo(t, testkit.Request{Auth: testkit.Bearer(tok), Query: `mutation { logOut }`})
				return ""
			}, 2},
			{"an expired mobile session is not counted", func(t *testing.T) string {
				e.LogIn(t, u.Email, u.Password, "MOBILE")
				var newest string
				g := e.Store.Gorm()
				if err := g.Table("sessions").Select("id").Where("user_id = ? AND client = ?", u.ID, "MOBILE").
					Order("created_at DESC").Limit(1).Scan(&newest).Error; err != nil || newest == "" {
					t.Fatalf("find newest mobile session: %v", err)
				}
				if err := g.Table("sessions").Where("id = ?", newest).
					Update("expires_at", time.Now().UTC().Add(-time.Minute).Truncate(time.Microsecond)).Error; err != nil {
					t.Fatal(err)
				}
				return ""
			}, 2},
		}
		var mobile []string
		for _, s := range steps {
			t.Run(s.name, func(t *testing.T) {
				if tok := s.act(t); tok != "" {
					mobile = append(mobile, tok)
				}
				if got := mobileSessions(t, e, u.Token, defaultID); got != s.wantDefault {
					t.Errorf("default key activeMobileSessions = %v, want %v", got, s.wantDefault)
				}
				if got := mobileSessions(t, e, u.Token, plainID); got != 0.0 {
					t.Errorf("non-default key activeMobileSessions = %v, want 0", got)
				}
			})
		}
		if len(mobile) != 2 {
			t.Fatalf("%d mobile sessions kept", len(mobile))
		}
		for i, tok := range mobile {
			if _, id := e.ViewerID(t, testkit.Bearer(tok)); id != u.ID {
				t.Fatalf("mobile session %d does not work", i)
			}
		}
		// The same count through the list and through the default key itself.
		data = e.MustDo(t, testkit.Request{Auth: testkit.Basic(res.DefaultKeySecret, ""), Query: `{ apiKeys { nodes { id activeMobileSessions } } }`})
		for _, n := range testkit.Dig(data, "apiKeys", "nodes").([]any) {
			want := 0.0
			if testkit.Dig(n, "id") == defaultID {
				want = 2
			}
			if testkit.Dig(n, "activeMobileSessions") != want {
				t.Errorf("apiKeys: key %v activeMobileSessions = %v, want %v", testkit.Dig(n, "id"), testkit.Dig(n, "activeMobileSessions"), want)
			}
		}

		t.Run("deleting a normal key logs out nothing", func(t *testing.T) {
			data := e.MustDo(t, deleteKeyRequest(testkit.Bearer(u.Token), plainID))
			if testkit.Dig(data, "deleteApiKey", "loggedOutMobileSessions") != 0.0 {
				t.Errorf("payload = %v, want 0 logged out", data)
			}
			for i, tok := range mobile {
				if _, id := e.ViewerID(t, testkit.Bearer(tok)); id != u.ID {
					t.Errorf("mobile session %d logged out by deleting a normal key", i)
				}
			}
			if resp, _ := e.ViewerID(t, testkit.Bearer(plainSecret)); resp.Status != http.StatusUnauthorized {
				t.Errorf("deleted key still works")
			}
			if got := mobileSessions(t, e, u.Token, defaultID); got != 2.0 {
				t.Errorf("default key activeMobileSessions = %v, want 2", got)
			}
		})

		t.Run("deleting the default key logs out the mobile apps", func(t *testing.T) {
			data := e.MustDo(t, deleteKeyRequest(testkit.Bearer(u.Token), defaultID))
			if testkit.Dig(data, "deleteApiKey", "deletedApiKeyId") != defaultID || testkit.Dig(data, "deleteApiKey", "loggedOutMobileSessions") != 2.0 {
				t.Errorf("payload = %v, want 2 logged out", data)
			}
			for i, tok := range mobile {
				resp, _ := e.ViewerID(t, testkit.Bearer(tok))
				if resp.Status != http.StatusUnauthorized {
					t.Errorf("mobile session %d: status %d right after deletion, want 401", i, resp.Status)
				}
				testkit.WantError(t, resp, "UNAUTHENTICATED", "")
			}
			if resp, _ := e.ViewerID(t, testkit.Bearer(res.DefaultKeySecret)); resp.Status != http.StatusUnauthorized {
				t.Errorf("deleted default key still authenticates: %d", resp.Status)
			}
			if _, id := e.ViewerID(t, testkit.Bearer(u.Token)); id != u.ID {
				t.Errorf("the web session was logged out too")
			}
			// A new mobile log-in still works, bound to nothing.
			tok := e.LogIn(t, u.Email, u.Password, "MOBILE")
			if _, id := e.ViewerID(t, testkit.Bearer(tok)); id != u.ID {
				t.Errorf("mobile log-in after deleting the default key does not work")
			}
		})
	})
}

// TestMobileSessionsWithoutDefaultKey: for a user who signed up after the
// cut-off, mobile sessions are bound to no key and no deletion touches them.
func TestMobileSessionsWithoutDefaultKey(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Modern")
		m1 := e.LogIn(t, owner.Email, owner.Password, "MOBILE")
		m2 := e.LogIn(t, owner.Email, owner.Password, "MOBILE")
		keyID, _ := e.CreateKey(t, owner, "Zapier")
		if got := mobileSessions(t, e, owner.Token, keyID); got != 0.0 {
			t.Errorf("activeMobileSessions = %v, want 0", got)
		}
		data := e.MustDo(t, deleteKeyRequest(testkit.Bearer(owner.Token), keyID))
		if testkit.Dig(data, "deleteApiKey", "loggedOutMobileSessions") != 0.0 {
			t.Errorf("payload = %v, want 0 logged out", data)
		}
		for i, tok := range []string{m1, m2} {
			if _, id := e.ViewerID(t, testkit.Bearer(tok)); id != owner.ID {
				t.Errorf("mobile session %d was logged out", i)
			}
		}
	})
}

// A mobile log-in that meets the Default API Key while its deletion is
// being committed waits for it and binds to nothing, instead of inserting a
// session whose foreign key then fails (INTERNAL). PostgreSQL only: SQLite
// runs one writer at a time, so the two cannot overlap there.
func TestMobileLogInWaitsForDefaultKeyDeletion(t *testing.T) {
	e := testkit.NewEnv(t, "postgres", nil)
	res, u := signUpAt(t, e, time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC))
	if res.DefaultKeySecret == "" {
		t.Fatal("no default key")
	}
	raw, err := db.OpenRaw(e.DSN)
	if err != nil {
		t.Fatal(err)
	}
	deleting := raw.Begin()
	if err := deleting.Exec("DELETE FROM api_keys WHERE user_id = ? AND is_default", u.ID).Error; err != nil {
		t.Fatal(err)
	}
	loggedIn := make(chan error, 1)
	go func() {
		_, _, err := e.Store.LogIn(context.Background(), u.Email, u.Password, model.ClientMobile)
		loggedIn <- err
	}()
	time.Sleep(300 * time.Millisecond) // the log-in reaches the key and waits on it
	if err := deleting.Commit().Error; err != nil {
		t.Fatal(err)
	}
	if err := <-loggedIn; err != nil {
		t.Fatalf("mobile log-in racing the default key's deletion: %v", err)
	}
}
