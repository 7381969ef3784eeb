package main

import (
	"io"
	"strings"
	"testing"
	"time"
)

func TestConfigFromEnvAndFlags(t *testing.T) {
	t.Setenv("KEYFOB_RATE_LIMIT", "42")
	t.Setenv("KEYFOB_CACHE_TTL", "7s")
	t.Setenv("PORT", "9999")
	t.Setenv("KEYFOB_CORS_ORIGINS", "https://a.example, https://b.example")
	cfg, rest, err := loadConfig([]string{"-cache-ttl", "9s", "migrate"}, io.Discard)
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

func TestConfigRefusesBadValues(t *testing.T) {
	for env, value := range map[string]string{
		"KEYFOB_RATE_LIMIT":          "lots",
		"KEYFOB_CACHE_TTL":           "30",
		"KEYFOB_INTROSPECTION":       "perhaps",
		"KEYFOB_LOG_LEVEL":           "loud",
		"KEYFOB_TRUSTED_PROXIES":     "10.0.0.0/99",
		"KEYFOB_MAX_BODY_BYTES":      "1MiB",
		"KEYFOB_PASSWORD_MEMORY_KIB": "-1",
	} {
		t.Run(env, func(t *testing.T) {
			t.Setenv(env, value)
			if _, _, err := loadConfig(nil, io.Discard); err == nil || !strings.Contains(err.Error(), env) {
				t.Fatalf("%s=%s: err = %v, want an error naming the variable", env, value, err)
			}
		})
	}
}

func TestFlagsMayFollowTheCommand(t *testing.T) {
	cfg, rest, err := loadConfig([]string{"seed-demo", "-db", "other.db"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SQLitePath != "other.db" || len(rest) != 1 || rest[0] != "seed-demo" {
		t.Fatalf("db %q, rest %v", cfg.SQLitePath, rest)
	}
	cfg, rest, err = loadConfig([]string{"-db", "x.db", "power-up", "enable", "acct_1"}, io.Discard)
	if err != nil || cfg.SQLitePath != "x.db" || strings.Join(rest, " ") != "power-up enable acct_1" {
		t.Fatalf("power-up args: %v %v", rest, err)
	}
}

// A DATABASE_URL that is not a PostgreSQL URL used to be opened as a
// SQLite file of that name: `migrate` "succeeded" against a new local file.
func TestDatabaseURLMustBePostgres(t *testing.T) {
	for _, value := range []string{"host=db user=keyfob password=hunter2", "postgress://db/keyfob", "sqlite:///tmp/keyfob.db"} {
		t.Setenv("DATABASE_URL", value)
		_, _, err := loadConfig(nil, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "DATABASE_URL") {
			t.Fatalf("DATABASE_URL=%q: err = %v, want an error naming DATABASE_URL", value, err)
		}
		if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "db/keyfob") {
			t.Fatalf("the error echoes the URL, which may hold a password: %v", err)
		}
	}
	t.Setenv("DATABASE_URL", "postgresql://keyfob@db/keyfob")
	if _, _, err := loadConfig(nil, io.Discard); err != nil {
		t.Fatal(err)
	}
}
