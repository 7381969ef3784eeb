package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/db"
	"github.com/keyfob/keyfob/internal/testkit"
)

var (
	legacySecretPattern = regexp.MustCompile(`\b[0-9a-f]{32}\b`)
	kfSecretPattern     = regexp.MustCompile(`kf_[0-9A-Za-z]{38}`)
)

// tableDump renders every row of every table, ordered, so that two dumps
// are equal exactly when the data is.
func tableDump(t *testing.T, e *testkit.Env) string {
	t.Helper()
	var b strings.Builder
	for _, table := range []string{"accounts", "users", "api_keys", "integration_usages", "sessions"} {
		var rows []map[string]any
		if err := e.Store.Gorm().Table(table).Find(&rows).Error; err != nil {
			t.Fatalf("dump %s: %v", table, err)
		}
		lines := make([]string, len(rows))
		for i, r := range rows {
			keys := make([]string, 0, len(r))
			for k := range r {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			var line strings.Builder
			for _, k := range keys {
				fmt.Fprintf(&line, "%s=%v ", k, r[k])
			}
			lines[i] = line.String()
		}
		sort.Strings(lines)
		fmt.Fprintf(&b, "%s (%d)\n  %s\n", table, len(rows), strings.Join(lines, "\n  "))
	}
	return b.String()
}

func TestSeedDemo(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		out, errOut, err := runCommand(t, e, "seed-demo")
		if err != nil {
			t.Fatalf("seed-demo: %v\n%s\n%s", err, out, errOut)
		}

		// The first run prints the accounts and every secret it made.
		for _, want := range []string{"Demo Realty", testkit.SeedOwnerEmail, testkit.SeedAgentEmail, testkit.SeedOwnerPassword, testkit.SeedAgentPassword, "Default API Key"} {
			if !strings.Contains(out, want) {
				t.Errorf("seed-demo output lacks %q:\n%s", want, out)
			}
		}
		legacy := legacySecretPattern.FindAllString(out, -1)
		if len(legacy) != 1 {
			t.Fatalf("seed-demo printed %d 32-hex secrets, want the Default API Key's one:\n%s", len(legacy), out)
		}
		keys := kfSecretPattern.FindAllString(out, -1)
		if len(keys) < 2 {
			t.Fatalf("seed-demo printed %d kf_ keys, want a few:\n%s", len(keys), out)
		}
		for _, k := range keys {
			if !credential.ValidKey(k) {
				t.Errorf("printed key %q has a bad checksum", k)
			}
		}

		// The documented passwords work.
		ownerToken := e.LogIn(t, testkit.SeedOwnerEmail, testkit.SeedOwnerPassword, "WEB")
		agentToken := e.LogIn(t, testkit.SeedAgentEmail, testkit.SeedAgentPassword, "WEB")

		data := e.MustDo(t, testkit.Request{Auth: testkit.Bearer(ownerToken), Query: `{
		  viewer { id role signedUpAt account { id name } }
		  account { users { email role signedUpAt } }
		  apiKeys(first: 100) { totalCount nodes { name isDefault activeMobileSessions lastUsedAt owner { email }
		    usageByIntegration { integration requestCount firstUsedAt lastUsedAt } dailyUsage { requestCount } } }
		}`})
		if testkit.Dig(data, "viewer", "role") != "OWNER" || testkit.Dig(data, "viewer", "account", "name") != "Demo Realty" {
			t.Errorf("demo owner: %v", testkit.Dig(data, "viewer"))
		}
		if got := testkit.MustTime(t, testkit.Dig(data, "viewer", "signedUpAt")); got.Format("2006-01-02") != "2021-03-15" {
			t.Errorf("demo owner signed up %v, want 2021-03-15", got)
		}
		users, _ := testkit.Dig(data, "account", "users").([]any)
		if len(users) != 2 {
			t.Errorf("Demo Realty has %d users, want the owner and the agent", len(users))
		}
		for _, u := range users {
			if testkit.Dig(u, "email") == testkit.SeedAgentEmail {
				if testkit.Dig(u, "role") != "AGENT" || testkit.MustTime(t, testkit.Dig(u, "signedUpAt")).Year() != 2024 {
					t.Errorf("demo agent: %v", u)
				}
			}
		}
		integrations := map[string]bool{}
		var defaults []any
		for _, k := range testkit.Dig(data, "apiKeys", "nodes").([]any) {
			for _, u := range testkit.Dig(k, "usageByIntegration").([]any) {
				integrations[testkit.Dig(u, "integration").(string)] = true
				if testkit.Dig(u, "requestCount").(float64) < 1 {
					t.Errorf("usage row with no requests: %v", u)
				}
			}
			if testkit.Dig(k, "isDefault") == true {
				defaults = append(defaults, k)
			}
		}
		// The demo's usage shows in the keys' 30-day charts: Zapier's 1,240
		// requests on its key, first used 30 days before its last use, are
		// spread over the last two weeks.
		for _, k := range testkit.Dig(data, "apiKeys", "nodes").([]any) {
			if testkit.Dig(k, "name") != "Zapier" {
				continue
			}
			days, total := 0, 0
			for _, d := range testkit.Dig(k, "dailyUsage").([]any) {
				if n := int(testkit.Dig(d, "requestCount").(float64)); n > 0 {
					days, total = days+1, total+n
				}
			}
			if days < 10 || total < 1000 {
				t.Errorf("the Zapier key's 30-day chart shows %d requests on %d days, want most of its 1,243 over two weeks", total, days)
			}
			for _, u := range testkit.Dig(k, "usageByIntegration").([]any) {
				first, last := testkit.MustTime(t, testkit.Dig(u, "firstUsedAt")), testkit.MustTime(t, testkit.Dig(u, "lastUsedAt"))
				if testkit.Dig(u, "integration") == "Zapier" && (testkit.Dig(u, "requestCount").(float64) != 1240 || last.Sub(first) != 30*24*time.Hour) {
					t.Errorf("Zapier's usage row: %v, want 1240 requests, first used 30 days before its last use", u)
				}
			}
		}
		if len(integrations) < 2 {
			t.Errorf("demo usage comes from %d integrations, want two or three: %v", len(integrations), integrations)
		}
		if len(defaults) != 1 {
			t.Fatalf("demo has %d default keys, want the owner's one", len(defaults))
		}
		def := defaults[0]
		if testkit.Dig(def, "name") != "Default API Key" || testkit.Dig(def, "owner", "email") != testkit.SeedOwnerEmail {
			t.Errorf("default key: %v", def)
		}
		if n, _ := testkit.Dig(def, "activeMobileSessions").(float64); n < 1 {
			t.Errorf("the default key has %v active mobile sessions, want at least one", testkit.Dig(def, "activeMobileSessions"))
		}
		if len(testkit.Dig(def, "usageByIntegration").([]any)) == 0 || testkit.Dig(def, "lastUsedAt") == nil {
			t.Errorf("the default key shows no usage: %v", def)
		}
		if int(testkit.Dig(data, "apiKeys", "totalCount").(float64)) != 1+len(keys) {
			t.Errorf("the owner sees %v keys, but seed-demo printed %d secrets", testkit.Dig(data, "apiKeys", "totalCount"), 1+len(keys))
		}

		// The agent signed up in 2024 and has no default key.
		data = e.MustDo(t, testkit.Request{Auth: testkit.Bearer(agentToken), Query: `{ viewer { role signedUpAt } apiKeys { nodes { isDefault } } }`})
		if testkit.Dig(data, "viewer", "role") != "AGENT" || testkit.MustTime(t, testkit.Dig(data, "viewer", "signedUpAt")).Year() != 2024 {
			t.Errorf("demo agent: %v", data)
		}
		for _, k := range testkit.Dig(data, "apiKeys", "nodes").([]any) {
			if testkit.Dig(k, "isDefault") == true {
				t.Error("the 2024 agent has a Default API Key")
			}
		}

		// Every printed secret authenticates: the legacy one as the owner.
		ownerID := e.MustDo(t, testkit.Request{Auth: testkit.Bearer(ownerToken), Query: `{ viewer { id } }`})["viewer"].(map[string]any)["id"].(string)
		testkit.AssertCredentialWorks(t, e, testkit.Basic(legacy[0], ""), ownerID)
		for _, k := range keys {
			if resp, id := e.ViewerID(t, testkit.Bearer(k)); id == "" {
				t.Errorf("printed key %s does not authenticate: %s", k, resp.Body)
			}
		}
		e.FlushUsage(t)

		// A second run prints no secret and changes nothing.
		before := tableDump(t, e)
		out2, _, err := runCommand(t, e, "seed-demo")
		if err != nil {
			t.Fatalf("second seed-demo: %v\n%s", err, out2)
		}
		if legacySecretPattern.MatchString(out2) || kfSecretPattern.MatchString(out2) {
			t.Errorf("the second run printed a secret:\n%s", out2)
		}
		for _, k := range append(keys, legacy...) {
			if strings.Contains(out2, k) {
				t.Errorf("the second run printed secret %s", k)
			}
		}
		if after := tableDump(t, e); after != before {
			t.Errorf("the second run changed the database:\nbefore:\n%s\nafter:\n%s", before, after)
		}
		// The secrets were printed, not stored.
		dump := tableDump(t, e)
		for _, k := range append(keys, legacy...) {
			if strings.Contains(dump, k) {
				t.Errorf("secret %s is stored in the database", k)
			}
		}

		// Once anything else is in the database, seed-demo refuses.
		e.SignUp(t, "Not Demo")
		before = tableDump(t, e)
		out3, _, err := runCommand(t, e, "seed-demo")
		if err == nil {
			t.Errorf("seed-demo ran on a database with another account:\n%s", out3)
		}
		if after := tableDump(t, e); after != before {
			t.Errorf("the refused seed-demo changed the database")
		}
	})
}

func TestSeedDemoRefusesOtherData(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, first *testkit.Env) {
		for _, c := range []struct {
			name  string
			setup func(t *testing.T, e *testkit.Env)
		}{
			{"another account", func(t *testing.T, e *testkit.Env) { e.SignUp(t, "Real Customer") }},
			{"an account that is only named Demo Realty", func(t *testing.T, e *testkit.Env) {
				e.MustDo(t, testkit.Request{Query: testkit.SignUpMutation, Variables: testkit.SignUpVars("Demo Realty", "Imposter", testkit.UniqueEmail("imposter"), "long enough")})
			}},
			{"the demo account and another", func(t *testing.T, e *testkit.Env) {
				if out, _, err := runCommand(t, e, "seed-demo"); err != nil {
					t.Fatalf("seed-demo: %v\n%s", err, out)
				}
				e.SignUp(t, "Real Customer")
			}},
		} {
			t.Run(c.name, func(t *testing.T) {
				e := testkit.NewEnv(t, first.Kind, nil)
				c.setup(t, e)
				e.FlushUsage(t)
				before := tableDump(t, e)
				out, _, err := runCommand(t, e, "seed-demo")
				if err == nil {
					t.Errorf("seed-demo succeeded on a database with other data:\n%s", out)
				}
				if legacySecretPattern.MatchString(out) || kfSecretPattern.MatchString(out) || strings.Contains(out, testkit.SeedOwnerPassword) {
					t.Errorf("the refused seed-demo printed secrets:\n%s", out)
				}
				if after := tableDump(t, e); after != before {
					t.Errorf("the refused seed-demo changed the database:\nbefore:\n%s\nafter:\n%s", before, after)
				}
				if !strings.HasPrefix(c.name, "the demo account") {
					// The demo's public passwords open nothing here.
					resp := e.Do(t, testkit.Request{Query: testkit.LogInMutation, Variables: map[string]any{"in": map[string]any{"email": testkit.SeedOwnerEmail, "password": testkit.SeedOwnerPassword}}})
					testkit.WantError(t, resp, "UNAUTHENTICATED", "")
				}
			})
		}
	})
}

func TestMigrateCommand(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		for i := 0; i < 2; i++ {
			if out, errOut, err := runCommand(t, e, "migrate"); err != nil {
				t.Fatalf("migrate run %d: %v\n%s\n%s", i+1, err, out, errOut)
			}
		}
		current, err := e.Store.MigrationsCurrent(context.Background())
		if err != nil || !current {
			t.Errorf("MigrationsCurrent = %v, %v after migrate", current, err)
		}
		// The service still works on the migrated database.
		owner := e.SignUp(t, "After Migrate")
		e.CreateKey(t, owner, "Works")
	})

	t.Run("fresh SQLite file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "fresh.db")
		args := []string{"-password-memory-kib", "1024", "-database-url=", "-db", path, "migrate"}
		// The first run says it built the schema, the second that there was
		// nothing to do.
		for i, want := range []string{"applied ", "the schema was already up to date"} {
			var out, errOut strings.Builder
			if err := run(context.Background(), args, &out, &errOut); err != nil {
				t.Fatalf("migrate run %d: %v\n%s", i+1, err, errOut.String())
			}
			if !strings.HasPrefix(out.String(), want) {
				t.Errorf("migrate run %d printed %q, want it to start with %q", i+1, out.String(), want)
			}
		}
		passwords, err := credential.NewPasswords(credential.DefaultPasswordParams)
		if err != nil {
			t.Fatal(err)
		}
		store, err := db.Open(path, db.Options{Passwords: passwords})
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		if current, err := store.MigrationsCurrent(context.Background()); err != nil || !current {
			t.Errorf("MigrationsCurrent = %v, %v", current, err)
		}
	})
}

// SQLite answers a missing directory with "out of memory (14)"; the
// operator should read which directory is missing, and no file appears.
func TestMissingSQLiteDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "no-such-dir")
	path := filepath.Join(dir, "keyfob.db")
	var out, errOut strings.Builder
	err := run(context.Background(), []string{"-database-url=", "-db", path, "migrate"}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), dir+" does not exist") {
		t.Fatalf("err = %v, want one naming the missing directory %s", err, dir)
	}
	if _, statErr := os.Stat(dir); !os.IsNotExist(statErr) {
		t.Fatalf("the directory appeared: %v", statErr)
	}
	// SQLite's own URI form names the same file.
	uri := "file:" + filepath.Join(t.TempDir(), "keyfob.db")
	if err := run(context.Background(), []string{"-password-memory-kib", "1024", "-database-url=", "-db", uri, "migrate"}, &out, &errOut); err != nil {
		t.Fatalf("-db %s: %v", uri, err)
	}
}

func TestUnknownCommand(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		for _, args := range [][]string{{"frobnicate"}, {"Migrate"}, {"seed"}, {"power-ups", "enable", "x"}, {"-no-such-flag", "migrate"}} {
			out, _, err := runCommand(t, e, args...)
			if err == nil {
				t.Errorf("keyfob %q succeeded (stdout %q); want an error", args, out)
			}
		}
	})
}

// A seed that fails part-way leaves nothing behind, so the next run seeds
// the whole demo instead of finding a half-made account and calling it done.
func TestSeedDemoIsAllOrNothing(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		failOnSpareKey := map[string][]string{
			"sqlite": {`CREATE TRIGGER fail_spare_key BEFORE INSERT ON api_keys WHEN NEW.name = 'Spare key'
				BEGIN SELECT RAISE(ABORT, 'injected failure'); END`},
			"postgres": {`CREATE FUNCTION fail_spare_key() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$`,
				`CREATE TRIGGER fail_spare_key BEFORE INSERT ON api_keys FOR EACH ROW WHEN (NEW.name = 'Spare key') EXECUTE FUNCTION fail_spare_key()`},
		}[e.Kind]
		for _, sql := range failOnSpareKey {
			if err := e.Store.Gorm().Exec(sql).Error; err != nil {
				t.Fatal(err)
			}
		}
		empty := tableDump(t, e)
		if out, _, err := runCommand(t, e, "seed-demo"); err == nil {
			t.Fatalf("seed-demo succeeded although the last key could not be created:\n%s", out)
		}
		if after := tableDump(t, e); after != empty {
			t.Fatalf("the failed seed-demo left data behind:\n%s", after)
		}

		drop := map[string]string{"sqlite": "DROP TRIGGER fail_spare_key", "postgres": "DROP TRIGGER fail_spare_key ON api_keys"}[e.Kind]
		if err := e.Store.Gorm().Exec(drop).Error; err != nil {
			t.Fatal(err)
		}
		out, _, err := runCommand(t, e, "seed-demo")
		if err != nil || !strings.Contains(out, "Spare key") {
			t.Fatalf("seed-demo after the failure: %v\n%s", err, out)
		}
		e.LogIn(t, testkit.SeedAgentEmail, testkit.SeedAgentPassword, "WEB")
	})
}

func TestCommandsRefuseStrayArguments(t *testing.T) {
	t.Chdir(t.TempDir()) // were the check to regress, no keyfob.db lands in the package
	for _, args := range [][]string{{"migrate", "extra"}, {"seed-demo", "extra"}, {"healthcheck", "x"}} {
		err := run(context.Background(), args, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "takes no arguments") {
			t.Errorf("%v: err = %v, want a refusal of the stray argument", args, err)
		}
	}
}

func TestHelpListsTheCommands(t *testing.T) {
	var stderr strings.Builder
	err := run(context.Background(), []string{"-h"}, io.Discard, &stderr)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("err = %v, want flag.ErrHelp, which main treats as success", err)
	}
	for _, want := range []string{"seed-demo", "power-up enable|disable", "healthcheck", "-rate-limit", "KEYFOB_RATE_LIMIT"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("-h output lacks %q:\n%s", want, stderr.String())
		}
	}
}

// Values that parse but make no sense are refused at start-up, naming the
// flag and its variable, instead of surfacing later as every request
// refused (a zero rate limit) or usage lost at shutdown (a negative timeout).

// runCommand runs a keyfob command (never "serve") in this process against
// e's database, as the binary's main would.
func runCommand(t *testing.T, e *testkit.Env, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), e.RunArgs(args...), &out, &errOut)
	return out.String(), errOut.String(), err
}

// restricted reads whether an account has the Power-Up, from the database.
func restricted(t *testing.T, e *testkit.Env, accountID string) bool {
	t.Helper()
	var on bool
	if err := e.Store.Gorm().Raw("SELECT api_key_restriction FROM accounts WHERE id = ?", accountID).Scan(&on).Error; err != nil {
		t.Fatal(err)
	}
	return on
}

func TestPowerUpCommand(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Switchboard")
		if restricted(t, e, owner.AccountID) {
			t.Fatal("a new account must start without the Power-Up")
		}

		out, _, err := runCommand(t, e, "power-up", "enable", owner.AccountID)
		if err != nil {
			t.Fatalf("power-up enable: %v", err)
		}
		if !strings.Contains(out, owner.AccountID) || !strings.Contains(out, "enabled") {
			t.Errorf("power-up enable printed %q", out)
		}
		if !restricted(t, e, owner.AccountID) {
			t.Fatal("apiKeyRestriction is false after power-up enable")
		}
		// Enabling twice is harmless, and says so.
		out, _, err = runCommand(t, e, "power-up", "enable", owner.AccountID)
		if err != nil || !strings.Contains(out, "already enabled; nothing changed") {
			t.Errorf("a second power-up enable printed %q (err %v)", out, err)
		}
		if !restricted(t, e, owner.AccountID) {
			t.Fatal("apiKeyRestriction is false after a second enable")
		}

		out, _, err = runCommand(t, e, "power-up", "disable", owner.AccountID)
		if err != nil {
			t.Fatalf("power-up disable: %v", err)
		}
		if !strings.Contains(out, "disabled") {
			t.Errorf("power-up disable printed %q", out)
		}
		if restricted(t, e, owner.AccountID) {
			t.Fatal("apiKeyRestriction is true after power-up disable")
		}

		bad := []struct {
			name string
			args []string
		}{
			{"no verb", []string{"power-up"}},
			{"no account", []string{"power-up", "enable"}},
			{"unknown verb", []string{"power-up", "on", owner.AccountID}},
			{"upper-case verb", []string{"power-up", "ENABLE", owner.AccountID}},
			{"extra argument", []string{"power-up", "enable", owner.AccountID, "extra"}},
			{"unknown account", []string{"power-up", "enable", "acct_doesNotExist0000000"}},
			{"empty account", []string{"power-up", "enable", ""}},
			{"user id, not account id", []string{"power-up", "enable", owner.ID}},
			{"account id with different case", []string{"power-up", "enable", strings.ToUpper(owner.AccountID)}},
		}
		for _, tc := range bad {
			t.Run(tc.name, func(t *testing.T) {
				out, _, err := runCommand(t, e, tc.args...)
				if err == nil {
					t.Errorf("power-up %q succeeded (stdout %q); want an error", tc.args, out)
				}
				if restricted(t, e, owner.AccountID) {
					t.Errorf("power-up %q switched the Power-Up on", tc.args)
				}
			})
		}
	})
}
