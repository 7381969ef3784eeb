package config

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/keyfob/keyfob/model"
)

func TestConfigFromEnvAndFlags(t *testing.T) {
	t.Setenv("KEYFOB_RATE_LIMIT", "42")
	t.Setenv("KEYFOB_CACHE_TTL", "7s")
	t.Setenv("PORT", "9999")
	t.Setenv("KEYFOB_CORS_ORIGINS", "https://a.example, https://b.example")
	cfg, rest, err := Load([]string{"-cache-ttl", "9s", "migrate"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.RateLimits.PerKey != 42 || cfg.CacheTTL != 9*time.Second || cfg.Addr != ":9999" || len(cfg.CORSOrigins) != 2 {
		t.Fatalf("config = %+v (a flag beats its env var, env beats the default)", cfg)
	}
	if len(rest) != 1 || rest[0] != "migrate" {
		t.Fatalf("rest = %v", rest)
	}
}

// The outage settings: a look-up bound of 250 ms and riding out outages
// on cached verdicts by default, each settable by flag and variable.
func TestConfigOutageSettings(t *testing.T) {
	cfg, _, err := Load(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DBLookupTimeout != 250*time.Millisecond || cfg.FailClosedOnOutage || cfg.DBMaxConnections != 20 {
		t.Fatalf("defaults: look-up bound %v, fail closed %v, pool %d; want 250ms, false, 20", cfg.DBLookupTimeout, cfg.FailClosedOnOutage, cfg.DBMaxConnections)
	}
	t.Setenv("KEYFOB_DB_LOOKUP_TIMEOUT", "1s")
	t.Setenv("KEYFOB_FAIL_CLOSED_ON_OUTAGE", "true")
	if cfg, _, err = Load(nil, io.Discard); err != nil || cfg.DBLookupTimeout != time.Second || !cfg.FailClosedOnOutage {
		t.Fatalf("from the environment: %+v %v", cfg, err)
	}
	if cfg, _, err = Load([]string{"-db-lookup-timeout", "100ms", "-fail-closed-on-outage=false"}, io.Discard); err != nil ||
		cfg.DBLookupTimeout != 100*time.Millisecond || cfg.FailClosedOnOutage {
		t.Fatalf("flags over the environment: %+v %v", cfg, err)
	}
	// A bound without a unit, or a flag that is no boolean, stops the start.
	for env, value := range map[string]string{"KEYFOB_DB_LOOKUP_TIMEOUT": "250", "KEYFOB_FAIL_CLOSED_ON_OUTAGE": "sometimes"} {
		t.Setenv(env, value)
		if _, _, err := Load(nil, io.Discard); err == nil || !strings.Contains(err.Error(), env) {
			t.Fatalf("%s=%s: err = %v, want an error naming the variable", env, value, err)
		}
		t.Setenv(env, "")
	}
}

func TestConfigRefusesBadValues(t *testing.T) {
	for env, value := range map[string]string{
		"KEYFOB_RATE_LIMIT":                  "lots",
		"KEYFOB_CACHE_TTL":                   "30",
		"KEYFOB_INTROSPECTION":               "perhaps",
		"KEYFOB_LOG_LEVEL":                   "loud",
		"KEYFOB_TRUSTED_PROXIES":             "10.0.0.0/99",
		"KEYFOB_MAX_BODY_BYTES":              "1MiB",
		"KEYFOB_PASSWORD_MEMORY_KIB":         "-1",
		"KEYFOB_MAX_KEYS_PER_USER":           "-3",
		"KEYFOB_MAX_KEYS_PER_ACCOUNT":        "lots",
		"PORT":                               "abc",
		"KEYFOB_CORS_ORIGINS":                "https://crm.example, not a url",
		"KEYFOB_PUBLIC_REVOCATIONS_PER_HOUR": "many",
		"KEYFOB_DB_LOOKUP_TIMEOUT":           "250",
		"KEYFOB_FAIL_CLOSED_ON_OUTAGE":       "sometimes",
		"KEYFOB_DB_MAX_CONNECTIONS":          "twenty",
	} {
		t.Run(env, func(t *testing.T) {
			t.Setenv(env, value)
			if _, _, err := Load(nil, io.Discard); err == nil || !strings.Contains(err.Error(), env) {
				t.Fatalf("%s=%s: err = %v, want an error naming the variable", env, value, err)
			}
		})
	}
}

// GitHub's key URL is the default; a file path or another URL may
// replace it, and the token comes from the environment.
func TestConfigSecretScanning(t *testing.T) {
	cfg, _, err := Load(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.GitHubScanningKeys != "https://api.github.com/meta/public_keys/secret_scanning" || cfg.GitHubScanningToken != "" || cfg.PublicRevocationsPerHour != 60 {
		t.Fatalf("defaults: %q %q %d", cfg.GitHubScanningKeys, cfg.GitHubScanningToken, cfg.PublicRevocationsPerHour)
	}
	t.Setenv("KEYFOB_GITHUB_SECRET_SCANNING_KEYS", "/etc/keyfob/github-keys.json")
	t.Setenv("KEYFOB_GITHUB_SECRET_SCANNING_TOKEN", "ghp_example")
	t.Setenv("KEYFOB_PUBLIC_REVOCATIONS_PER_HOUR", "5")
	if cfg, _, err = Load(nil, io.Discard); err != nil {
		t.Fatal(err)
	}
	if cfg.GitHubScanningKeys != "/etc/keyfob/github-keys.json" || cfg.GitHubScanningToken != "ghp_example" || cfg.PublicRevocationsPerHour != 5 {
		t.Fatalf("from the environment: %q %q %d", cfg.GitHubScanningKeys, cfg.GitHubScanningToken, cfg.PublicRevocationsPerHour)
	}
}

func TestConfigKeyCaps(t *testing.T) {
	cfg, _, err := Load(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.KeyCaps != (model.KeyCaps{PerUser: 200, PerAccount: 2000}) {
		t.Fatalf("default caps %+v, want 200 per user and 2,000 per account", cfg.KeyCaps)
	}
	t.Setenv("KEYFOB_MAX_KEYS_PER_USER", "1000")
	t.Setenv("KEYFOB_MAX_KEYS_PER_ACCOUNT", "5000")
	cfg, _, err = Load([]string{"-max-keys-per-account", "7000"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.KeyCaps != (model.KeyCaps{PerUser: 1000, PerAccount: 7000}) {
		t.Fatalf("caps %+v, want 1000 from the environment and 7000 from the flag", cfg.KeyCaps)
	}
}

func TestFlagsMayFollowTheCommand(t *testing.T) {
	cfg, rest, err := Load([]string{"seed-demo", "-db", "other.db"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SQLitePath != "other.db" || len(rest) != 1 || rest[0] != "seed-demo" {
		t.Fatalf("db %q, rest %v", cfg.SQLitePath, rest)
	}
	cfg, rest, err = Load([]string{"-db", "x.db", "power-up", "enable", "acct_1"}, io.Discard)
	if err != nil || cfg.SQLitePath != "x.db" || strings.Join(rest, " ") != "power-up enable acct_1" {
		t.Fatalf("power-up args: %v %v", rest, err)
	}
	// A newcomer types the flag last, after the command's own arguments.
	cfg, rest, err = Load([]string{"power-up", "enable", "acct_1", "-db", "demo.db"}, io.Discard)
	if err != nil || cfg.SQLitePath != "demo.db" || strings.Join(rest, " ") != "power-up enable acct_1" {
		t.Fatalf("flags after the arguments: db %q, rest %v, err %v", cfg.SQLitePath, rest, err)
	}
	// "--" ends the flags: everything after it is an argument.
	cfg, rest, err = Load([]string{"power-up", "enable", "--", "-db", "y.db"}, io.Discard)
	if err != nil || cfg.SQLitePath != "keyfob.db" || strings.Join(rest, "|") != "power-up|enable|-db|y.db" {
		t.Fatalf("after --: db %q, rest %q, err %v", cfg.SQLitePath, rest, err)
	}
}

// Values that parse but make no sense are refused at start-up, naming the
// flag and its variable, instead of surfacing later as every request
// refused (a zero rate limit) or usage lost at shutdown (a negative timeout).
func TestConfigRefusesSenselessValues(t *testing.T) {
	for flagName, value := range map[string]string{
		"rate-limit":                  "0",
		"failed-auth-per-ip":          "-5",
		"login-failures-per-email":    "0",
		"login-failures-per-ip":       "0",
		"shutdown-timeout":            "-1s",
		"session-ttl":                 "-1h",
		"cache-ttl":                   "0s",
		"negative-cache-ttl":          "-1s",
		"usage-flush-interval":        "0s",
		"rate-limit-window":           "1500ms",
		"max-body-bytes":              "0",
		"max-query-bytes":             "0",
		"max-complexity":              "0",
		"max-depth":                   "0",
		"max-aliases":                 "-1",
		"max-fields":                  "0",
		"max-keys-per-user":           "0",
		"max-keys-per-account":        "-1",
		"password-memory-kib":         "1",
		"public-revocations-per-hour": "0",
		"github-secret-scanning-keys": " ",
		"db-lookup-timeout":           "0s",
		"db-max-connections":          "0",
	} {
		t.Run(flagName, func(t *testing.T) {
			_, _, err := Load([]string{"-" + flagName, value}, io.Discard)
			if err == nil || !strings.Contains(err.Error(), "-"+flagName+" (KEYFOB_") {
				t.Fatalf("-%s %s: err = %v, want an error naming the flag and its variable", flagName, value, err)
			}
		})
	}
	// Past 4 GiB (4194304 KiB) is refused; 2^32 KiB would wrap to 0 in
	// the uint32 argon2id takes.
	for _, kib := range []string{"4194305", "4294967296"} {
		if _, _, err := Load([]string{"-password-memory-kib", kib}, io.Discard); err == nil {
			t.Fatalf("a password memory of %s KiB was accepted", kib)
		}
	}
	if _, _, err := Load([]string{"-rate-limit-window", "1m", "-password-memory-kib", "4194304", "-max-aliases", "0"}, io.Discard); err != nil {
		t.Fatalf("sensible values refused: %v", err)
	}
}

// An origin that can never equal a browser's Origin header would make CORS
// fail in the browser with no word from the server, so it is refused.
func TestCORSOriginsMustBeOrigins(t *testing.T) {
	for _, origin := range []string{"crm.example.com", "https://crm.example.com/", "https://crm.example.com/app", "not a url",
		"https://", "://crm.example.com", "https://user@crm.example.com", "https://*.*.example.com", "https://crm.example.com?x", "*" + "/"} {
		if _, _, err := Load([]string{"-cors-origins", origin}, io.Discard); err == nil || !strings.Contains(err.Error(), "-cors-origins (KEYFOB_CORS_ORIGINS)") {
			t.Errorf("-cors-origins %q: err = %v, want a refusal naming the flag", origin, err)
		}
	}
	for _, origins := range []string{"*", "null", "https://crm.example.com", "http://localhost:5173, https://*.example.com", "HTTPS://CRM.Example.com",
		"http://localhost:*", "https://[::1]:8443", "capacitor://localhost", "chrome-extension://abcdefghijklmnop", "*.example.com"} {
		if _, _, err := Load([]string{"-cors-origins", origins}, io.Discard); err != nil {
			t.Errorf("-cors-origins %q refused: %v", origins, err)
		}
	}
}

func TestPortMustBeAPortNumber(t *testing.T) {
	for _, port := range []string{"65536", "80a", "-1", "+8080", "08080"} {
		t.Setenv("PORT", port)
		if _, _, err := Load(nil, io.Discard); err == nil {
			t.Errorf("PORT=%s accepted", port)
		}
	}
	for _, port := range []string{"0", "1", "65535"} {
		t.Setenv("PORT", port)
		if cfg, _, err := Load(nil, io.Discard); err != nil || cfg.Addr != ":"+port {
			t.Errorf("PORT=%s: addr %v, err %v", port, cfg, err)
		}
	}
}

func TestTrustedProxiesErrorNamesTheFlag(t *testing.T) {
	_, _, err := Load([]string{"-trusted-proxies", "notacidr"}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "-trusted-proxies (KEYFOB_TRUSTED_PROXIES)") {
		t.Fatalf("err = %v", err)
	}
}

// A DATABASE_URL that is not a PostgreSQL URL used to be opened as a
// SQLite file of that name: `migrate` "succeeded" against a new local file.
func TestDatabaseURLMustBePostgres(t *testing.T) {
	for _, value := range []string{"host=db user=keyfob password=hunter2", "postgress://db/keyfob", "sqlite:///tmp/keyfob.db"} {
		t.Setenv("DATABASE_URL", value)
		_, _, err := Load(nil, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "DATABASE_URL") {
			t.Fatalf("DATABASE_URL=%q: err = %v, want an error naming DATABASE_URL", value, err)
		}
		if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "db/keyfob") {
			t.Fatalf("the error echoes the URL, which may hold a password: %v", err)
		}
	}
	t.Setenv("DATABASE_URL", "postgresql://keyfob@db/keyfob")
	if _, _, err := Load(nil, io.Discard); err != nil {
		t.Fatal(err)
	}
}
