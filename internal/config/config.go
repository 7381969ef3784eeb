// Package config is every setting of Keyfob: the flags, the environment
// variables that set their defaults, and the checks that refuse values
// that could never work.
package config

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/alexedwards/argon2id"

	"github.com/keyfob/keyfob/authn"
	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/db"
	"github.com/keyfob/keyfob/leak"
	"github.com/keyfob/keyfob/model"
)

// Config is every setting, each from a flag whose default comes from the
// environment variable named beside it.
type Config struct {
	Addr           string
	DatabaseURL    string
	SQLitePath     string
	SessionTTL     time.Duration
	LogLevel       slog.Level
	Introspection  bool
	Playground     bool
	App            bool // the API Keys web app at /app/
	ShutdownDrain  time.Duration
	LoginLimits    authn.LoginLimits
	PasswordMemory uint32
	CacheTTL       time.Duration
	NegativeTTL    time.Duration
	RateLimits     authn.RateLimits
	RedisURL       string        // empty keeps the rate limits per instance
	RedisTimeout   time.Duration // bound on every call to Redis
	UsageFlush     time.Duration
	TrustedProxies string
	NoopEndpoint   bool
	Development    bool
	CORSOrigins    []string
	QueryLimits    QueryLimits
	MaxInFlight    int // GraphQL requests executing at once
	PprofAddr      string
	KeyCaps        model.KeyCaps
	// GitHubScanningKeys is where GitHub secret scanning's public keys
	// are read from: GitHub's URL, or a local file with the same JSON.
	GitHubScanningKeys  string
	GitHubScanningToken string
	// PublicRevocationsPerHour bounds POST /credentials/revoke per client IP.
	PublicRevocationsPerHour int
	// DBLookupTimeout bounds a credential's look-up on PostgreSQL: past it,
	// the database counts as unable to answer (see FailClosedOnOutage).
	DBLookupTimeout time.Duration
	// DBMaxConnections is the size of PostgreSQL's connection pool.
	DBMaxConnections int
	// FailClosedOnOutage refuses every credential with UNAVAILABLE while the
	// database cannot answer, instead of riding out the outage on cached
	// verdicts until their TTL ends.
	FailClosedOnOutage bool
}

// QueryLimits bound what one GraphQL request may ask for, so that a
// crafted query cannot knock the service over.
type QueryLimits struct {
	MaxBodyBytes      int64 // request body, for POST
	MaxQueryBytes     int   // the query document itself
	MaxVariablesBytes int   // the variables object, as JSON text
	MaxComplexity     int   // cost: a list costs its page size times its items' fields
	MaxDepth          int   // nesting of fields, introspection excepted
	MaxAliases        int   // aliased fields in the document, as written
	MaxFields         int   // field selections, with fragments expanded
}

// DefaultQueryLimits let GraphiQL's and graphql-js's schema queries (220
// fields expanded) and the Admin > API page's list through.
var DefaultQueryLimits = QueryLimits{
	MaxBodyBytes: 256 << 10, MaxQueryBytes: 32 << 10, MaxVariablesBytes: 64 << 10,
	MaxComplexity: 5000, MaxDepth: 10, MaxAliases: 100, MaxFields: 250,
}

// SettingEnv pairs each flag with the environment variable that sets its
// default.
var SettingEnv = [][2]string{
	{"database-url", "DATABASE_URL"},
	{"db", "KEYFOB_DB"},
	{"session-ttl", "KEYFOB_SESSION_TTL"},
	{"log-level", "KEYFOB_LOG_LEVEL"},
	{"introspection", "KEYFOB_INTROSPECTION"},
	{"playground", "KEYFOB_PLAYGROUND"},
	{"app", "KEYFOB_APP"},
	{"shutdown-timeout", "KEYFOB_SHUTDOWN_TIMEOUT"},
	{"login-failures-per-email", "KEYFOB_LOGIN_FAILURES_PER_EMAIL"},
	{"login-failures-per-ip", "KEYFOB_LOGIN_FAILURES_PER_IP"},
	{"cache-ttl", "KEYFOB_CACHE_TTL"},
	{"negative-cache-ttl", "KEYFOB_NEGATIVE_CACHE_TTL"},
	{"db-lookup-timeout", "KEYFOB_DB_LOOKUP_TIMEOUT"},
	{"db-max-connections", "KEYFOB_DB_MAX_CONNECTIONS"},
	{"fail-closed-on-outage", "KEYFOB_FAIL_CLOSED_ON_OUTAGE"},
	{"rate-limit", "KEYFOB_RATE_LIMIT"},
	{"rate-limit-window", "KEYFOB_RATE_LIMIT_WINDOW"},
	{"failed-auth-per-ip", "KEYFOB_FAILED_AUTH_PER_IP"},
	{"redis-url", "KEYFOB_REDIS_URL"},
	{"redis-timeout", "KEYFOB_REDIS_TIMEOUT"},
	{"usage-flush-interval", "KEYFOB_USAGE_FLUSH_INTERVAL"},
	{"trusted-proxies", "KEYFOB_TRUSTED_PROXIES"},
	{"noop-endpoint", "KEYFOB_NOOP_ENDPOINT"},
	{"dev", "KEYFOB_DEV"},
	{"cors-origins", "KEYFOB_CORS_ORIGINS"},
	{"max-body-bytes", "KEYFOB_MAX_BODY_BYTES"},
	{"max-query-bytes", "KEYFOB_MAX_QUERY_BYTES"},
	{"max-complexity", "KEYFOB_MAX_COMPLEXITY"},
	{"max-depth", "KEYFOB_MAX_DEPTH"},
	{"max-aliases", "KEYFOB_MAX_ALIASES"},
	{"pprof-addr", "KEYFOB_PPROF_ADDR"},
	{"max-fields", "KEYFOB_MAX_FIELDS"},
	{"max-variables-bytes", "KEYFOB_MAX_VARIABLES_BYTES"},
	{"max-in-flight", "KEYFOB_MAX_IN_FLIGHT"},
	{"password-memory-kib", "KEYFOB_PASSWORD_MEMORY_KIB"},
	{"max-keys-per-user", "KEYFOB_MAX_KEYS_PER_USER"},
	{"max-keys-per-account", "KEYFOB_MAX_KEYS_PER_ACCOUNT"},
	{"github-secret-scanning-keys", "KEYFOB_GITHUB_SECRET_SCANNING_KEYS"},
	{"github-secret-scanning-token", "KEYFOB_GITHUB_SECRET_SCANNING_TOKEN"},
	{"public-revocations-per-hour", "KEYFOB_PUBLIC_REVOCATIONS_PER_HOUR"},
}

// CommandsUsage lists the commands, for -h and for a mistyped command.
const CommandsUsage = `Usage: keyfob [flags] [command] [arguments]; flags may also follow the command.

Commands:
  serve                            serve the API (the default)
  migrate                          bring the database schema up to date
  seed-demo                        create the "Demo Realty" demo data
  power-up enable|disable <id>     turn the API Key Restriction Power-Up on or off for an account
  healthcheck                      ask a running server's /healthz (for container health checks)

Flags (each also read from the environment variable named beside it):
`

func Load(args []string, stderr io.Writer) (*Config, []string, error) {
	c := &Config{}
	fs := flag.NewFlagSet("keyfob", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, CommandsUsage)
		fs.PrintDefaults()
	}
	fs.StringVar(&c.Addr, "addr", ":8080", "listen address (env PORT sets the port)")
	fs.StringVar(&c.DatabaseURL, "database-url", "", "PostgreSQL URL; empty uses the embedded SQLite file (env DATABASE_URL)")
	fs.StringVar(&c.SQLitePath, "db", "keyfob.db", "SQLite file used when no PostgreSQL URL is set (env KEYFOB_DB)")
	fs.DurationVar(&c.SessionTTL, "session-ttl", 30*24*time.Hour, "how long a session token lasts (env KEYFOB_SESSION_TTL)")
	fs.TextVar(&c.LogLevel, "log-level", slog.LevelInfo, "debug, info, warn or error (env KEYFOB_LOG_LEVEL)")
	fs.BoolVar(&c.Introspection, "introspection", true, "allow GraphQL introspection (env KEYFOB_INTROSPECTION)")
	fs.BoolVar(&c.Playground, "playground", true, "serve the GraphiQL playground at / (env KEYFOB_PLAYGROUND)")
	fs.BoolVar(&c.App, "app", true, "serve the API Keys web app at /app/ (env KEYFOB_APP)")
	fs.DurationVar(&c.ShutdownDrain, "shutdown-timeout", 15*time.Second, "how long a stop waits for requests in flight (env KEYFOB_SHUTDOWN_TIMEOUT)")
	fs.IntVar(&c.LoginLimits.PerEmail, "login-failures-per-email", authn.DefaultLoginLimits.PerEmail, "failed log-ins allowed per email per minute (env KEYFOB_LOGIN_FAILURES_PER_EMAIL)")
	fs.IntVar(&c.LoginLimits.PerIP, "login-failures-per-ip", authn.DefaultLoginLimits.PerIP, "failed log-ins allowed per client IP per minute (env KEYFOB_LOGIN_FAILURES_PER_IP)")
	fs.DurationVar(&c.CacheTTL, "cache-ttl", 30*time.Second, "longest a verified credential is trusted without asking the database (env KEYFOB_CACHE_TTL)")
	fs.DurationVar(&c.NegativeTTL, "negative-cache-ttl", 5*time.Second, "how long an unknown credential is remembered (env KEYFOB_NEGATIVE_CACHE_TTL)")
	fs.DurationVar(&c.DBLookupTimeout, "db-lookup-timeout", 250*time.Millisecond, "on PostgreSQL, longest a credential's look-up may take before the database counts as unable to answer (env KEYFOB_DB_LOOKUP_TIMEOUT)")
	fs.IntVar(&c.DBMaxConnections, "db-max-connections", db.DefaultMaxConnections, "on PostgreSQL, most connections the pool opens (env KEYFOB_DB_MAX_CONNECTIONS)")
	fs.BoolVar(&c.FailClosedOnOutage, "fail-closed-on-outage", false, "refuse every credential with 503 while the database cannot answer, rather than serve cached verdicts until their TTL ends (env KEYFOB_FAIL_CLOSED_ON_OUTAGE)")
	fs.IntVar(&c.RateLimits.PerKey, "rate-limit", authn.DefaultRateLimits.PerKey, "requests allowed per API key per window (env KEYFOB_RATE_LIMIT)")
	fs.DurationVar(&c.RateLimits.KeyWindow, "rate-limit-window", authn.DefaultRateLimits.KeyWindow, "the per-key rate-limit window (env KEYFOB_RATE_LIMIT_WINDOW)")
	fs.IntVar(&c.RateLimits.FailedPerIP, "failed-auth-per-ip", authn.DefaultRateLimits.FailedPerIP, "failed authentications allowed per client IP per minute (env KEYFOB_FAILED_AUTH_PER_IP)")
	fs.StringVar(&c.RedisURL, "redis-url", "", "redis:// or rediss:// URL of a Redis that keeps the rate limits, shared by every instance using it; empty keeps them per instance (env KEYFOB_REDIS_URL)")
	fs.DurationVar(&c.RedisTimeout, "redis-timeout", 50*time.Millisecond, "longest a rate-limit call to Redis may take before the request falls back to this instance's limit (env KEYFOB_REDIS_TIMEOUT)")
	fs.DurationVar(&c.UsageFlush, "usage-flush-interval", time.Second, "how often buffered usage is written (env KEYFOB_USAGE_FLUSH_INTERVAL)")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", "", "comma-separated CIDRs of proxies whose X-Forwarded-For is believed (env KEYFOB_TRUSTED_PROXIES)")
	fs.BoolVar(&c.NoopEndpoint, "noop-endpoint", false, "serve /noop, a handler that does nothing, as the load command's baseline (env KEYFOB_NOOP_ENDPOINT)")
	fs.BoolVar(&c.Development, "dev", false, "development mode: GraphQL validation errors suggest field names (env KEYFOB_DEV)")
	cors := fs.String("cors-origins", "", "comma-separated origins allowed to call /graphql from a browser (env KEYFOB_CORS_ORIGINS)")
	c.QueryLimits = DefaultQueryLimits
	fs.Int64Var(&c.QueryLimits.MaxBodyBytes, "max-body-bytes", DefaultQueryLimits.MaxBodyBytes, "largest GraphQL request body (env KEYFOB_MAX_BODY_BYTES)")
	fs.IntVar(&c.QueryLimits.MaxQueryBytes, "max-query-bytes", DefaultQueryLimits.MaxQueryBytes, "longest GraphQL query document (env KEYFOB_MAX_QUERY_BYTES)")
	fs.IntVar(&c.QueryLimits.MaxComplexity, "max-complexity", DefaultQueryLimits.MaxComplexity, "highest query complexity; a list costs its first argument times its fields (env KEYFOB_MAX_COMPLEXITY)")
	fs.IntVar(&c.QueryLimits.MaxDepth, "max-depth", DefaultQueryLimits.MaxDepth, "deepest field nesting, introspection excepted (env KEYFOB_MAX_DEPTH)")
	fs.IntVar(&c.QueryLimits.MaxAliases, "max-aliases", DefaultQueryLimits.MaxAliases, "most aliases in one query (env KEYFOB_MAX_ALIASES)")
	fs.IntVar(&c.QueryLimits.MaxFields, "max-fields", DefaultQueryLimits.MaxFields, "most field selections in one query, fragments expanded (env KEYFOB_MAX_FIELDS)")
	fs.IntVar(&c.QueryLimits.MaxVariablesBytes, "max-variables-bytes", DefaultQueryLimits.MaxVariablesBytes, "largest variables object, as JSON text (env KEYFOB_MAX_VARIABLES_BYTES)")
	fs.IntVar(&c.MaxInFlight, "max-in-flight", 4*runtime.GOMAXPROCS(0), "GraphQL requests executing at once; one client may hold a quarter (env KEYFOB_MAX_IN_FLIGHT)")
	fs.StringVar(&c.PprofAddr, "pprof-addr", "", "serve Go's profiler on this address (e.g. 127.0.0.1:6060); off when empty (env KEYFOB_PPROF_ADDR)")
	fs.IntVar(&c.KeyCaps.PerUser, "max-keys-per-user", model.DefaultKeyCaps.PerUser, "most API keys one user may hold (env KEYFOB_MAX_KEYS_PER_USER)")
	fs.IntVar(&c.KeyCaps.PerAccount, "max-keys-per-account", model.DefaultKeyCaps.PerAccount, "most API keys one account may hold (env KEYFOB_MAX_KEYS_PER_ACCOUNT)")
	fs.StringVar(&c.GitHubScanningKeys, "github-secret-scanning-keys", leak.GitHubKeysURL, "GitHub secret scanning's public keys: their URL, or a local file with the same JSON (env KEYFOB_GITHUB_SECRET_SCANNING_KEYS)")
	fs.StringVar(&c.GitHubScanningToken, "github-secret-scanning-token", "", "GitHub token sent when fetching those keys, for a higher rate limit; prefer the environment variable (env KEYFOB_GITHUB_SECRET_SCANNING_TOKEN)")
	fs.IntVar(&c.PublicRevocationsPerHour, "public-revocations-per-hour", 60, "POST /credentials/revoke requests allowed per client IP per hour (env KEYFOB_PUBLIC_REVOCATIONS_PER_HOUR)")
	mem := fs.Uint("password-memory-kib", uint(credential.DefaultPasswordParams.Memory), "argon2id memory per password hash, in KiB (env KEYFOB_PASSWORD_MEMORY_KIB)")
	// Each flag's default can come from its environment variable; a bad
	// value there is an error, never silently the default.
	for _, fe := range SettingEnv {
		if v, ok := os.LookupEnv(fe[1]); ok && v != "" {
			if err := fs.Set(fe[0], v); err != nil {
				return nil, nil, fmt.Errorf("%s=%q: %w", fe[1], v, err)
			}
		}
	}
	if port := os.Getenv("PORT"); port != "" {
		if n, err := strconv.ParseUint(port, 10, 16); err != nil || strconv.FormatUint(n, 10) != port {
			return nil, nil, fmt.Errorf("PORT=%q: must be a port number from 0 to 65535 (0 picks a free one)", port)
		}
		c.Addr = ":" + port
	}
	// Flags may come anywhere, before or among the command's arguments:
	// `keyfob power-up enable acct_1 -db demo.db`.
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, nil, err
		}
		if n := len(args) - fs.NArg(); n > 0 && args[n-1] == "--" {
			rest = append(rest, fs.Args()...) // "--" ends the flags for good
			break
		}
		if fs.NArg() == 0 {
			break
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
	for _, o := range strings.Split(*cors, ",") {
		if o = strings.TrimSpace(o); o != "" {
			if !isOrigin(o) {
				return nil, nil, fmt.Errorf("%s: %q is not an origin: write scheme and host, such as https://crm.example.com, https://*.example.com or *", SettingName("cors-origins"), o)
			}
			c.CORSOrigins = append(c.CORSOrigins, o)
		}
	}
	c.LoginLimits.Window = authn.DefaultLoginLimits.Window
	c.RateLimits.FailedWindow = authn.DefaultRateLimits.FailedWindow
	if _, err := ParseCIDRs(c.TrustedProxies); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", SettingName("trusted-proxies"), err)
	}
	// Anything else would be taken for a SQLite file name and quietly
	// created, so a mistyped URL would leave production on an empty local
	// file. The value itself is not echoed: it may hold a password.
	if c.DatabaseURL != "" && !db.IsPostgres(c.DatabaseURL) {
		return nil, nil, errors.New("DATABASE_URL (-database-url) must be a postgres:// or postgresql:// URL; leave it empty to use the embedded SQLite file (-db)")
	}
	if *mem < minPasswordMemory || *mem > maxPasswordMemory {
		return nil, nil, fmt.Errorf("%s must be between %d and %d KiB (the default, %d, is OWASP's recommendation)",
			SettingName("password-memory-kib"), minPasswordMemory, maxPasswordMemory, credential.DefaultPasswordParams.Memory)
	}
	c.PasswordMemory = uint32(*mem)
	if err := c.Validate(); err != nil {
		return nil, nil, err
	}
	return c, rest, nil
}

// isOrigin reports whether o can match a browser's Origin header as rs/cors
// compares them: "*", "null", or scheme://host[:port] with at most one "*"
// anywhere (http://localhost:*, https://*.example.com, *.example.com).
// What it refuses, such as a trailing slash, a path, a space or a bare
// host name, would never match, and CORS would fail without a word.
func isOrigin(o string) bool {
	if o == "*" || o == "null" {
		return true
	}
	const notInHost = "/?#@ \t"
	if strings.Count(o, "*") > 1 {
		return false
	}
	scheme, host, found := strings.Cut(o, "://")
	if !found { // only a pattern that supplies the scheme itself: *.example.com
		return strings.HasPrefix(o, "*") && len(o) > 1 && !strings.ContainsAny(o, notInHost)
	}
	validScheme := scheme == "*" || scheme != "" && strings.IndexFunc(scheme, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '+' || r == '.' || r == '-')
	}) < 0
	return validScheme && host != "" && !strings.ContainsAny(host, notInHost)
}

// The argon2id memory bounds: below 1 MiB a hash costs an attacker next to
// nothing (tests go that low for speed); above 4 GiB one log-in would
// exhaust a server.
const (
	minPasswordMemory = 1024
	maxPasswordMemory = 4 << 20
)

// Validate refuses settings that parse but make no sense, such as a
// negative TTL or a zero rate limit, which would otherwise surface later
// as every request refused or usage lost at shutdown.
func (c *Config) Validate() error {
	positive := []struct {
		flag string
		ok   bool
	}{
		{"session-ttl", c.SessionTTL > 0},
		{"shutdown-timeout", c.ShutdownDrain > 0},
		{"cache-ttl", c.CacheTTL > 0},
		{"negative-cache-ttl", c.NegativeTTL > 0},
		{"db-lookup-timeout", c.DBLookupTimeout > 0},
		{"db-max-connections", c.DBMaxConnections > 0},
		{"usage-flush-interval", c.UsageFlush > 0},
		{"rate-limit", c.RateLimits.PerKey > 0},
		{"failed-auth-per-ip", c.RateLimits.FailedPerIP > 0},
		{"login-failures-per-email", c.LoginLimits.PerEmail > 0},
		{"login-failures-per-ip", c.LoginLimits.PerIP > 0},
		{"max-body-bytes", c.QueryLimits.MaxBodyBytes > 0},
		{"max-query-bytes", c.QueryLimits.MaxQueryBytes > 0},
		{"max-complexity", c.QueryLimits.MaxComplexity > 0},
		{"max-depth", c.QueryLimits.MaxDepth > 0},
		{"max-fields", c.QueryLimits.MaxFields > 0},
		{"max-variables-bytes", c.QueryLimits.MaxVariablesBytes > 0},
		{"max-in-flight", c.MaxInFlight > 0},
		{"max-keys-per-user", c.KeyCaps.PerUser > 0},
		{"max-keys-per-account", c.KeyCaps.PerAccount > 0},
		{"public-revocations-per-hour", c.PublicRevocationsPerHour > 0},
		{"redis-timeout", c.RedisTimeout > 0},
	}
	for _, p := range positive {
		if !p.ok {
			return fmt.Errorf("%s must be greater than zero", SettingName(p.flag))
		}
	}
	if strings.TrimSpace(c.GitHubScanningKeys) == "" {
		return fmt.Errorf("%s must be a URL or a file path (the default is %s)", SettingName("github-secret-scanning-keys"), leak.GitHubKeysURL)
	}
	if c.QueryLimits.MaxAliases < 0 {
		return fmt.Errorf("%s must be zero (no aliases) or more", SettingName("max-aliases"))
	}
	if c.RedisURL != "" {
		if err := authn.ValidateRedisURL(c.RedisURL); err != nil {
			return fmt.Errorf("%s %w", SettingName("redis-url"), err)
		}
	}
	// X-RateLimit-Window states the window in whole seconds.
	if w := c.RateLimits.KeyWindow; w < time.Second || w%time.Second != 0 {
		return fmt.Errorf("%s must be a whole number of seconds, at least 1s", SettingName("rate-limit-window"))
	}
	return nil
}

// SettingName names a setting by its flag and its environment variable.
func SettingName(flag string) string {
	for _, fe := range SettingEnv {
		if fe[0] == flag {
			return "-" + flag + " (" + fe[1] + ")"
		}
	}
	return "-" + flag
}

// DSN is the database the service uses: PostgreSQL when a URL is set, the
// embedded SQLite file otherwise.
func (c *Config) DSN() string {
	if c.DatabaseURL != "" {
		return c.DatabaseURL
	}
	return c.SQLitePath
}

// PasswordParams are the argon2id parameters, with the configured memory.
func (c *Config) PasswordParams() argon2id.Params {
	p := credential.DefaultPasswordParams
	p.Memory = c.PasswordMemory
	return p
}

// OpenStore connects to the configured database and migrates it: every
// command, and the test harness, wants a current schema. adjust may change
// the store's options first (the test harness gives it a fake clock).
func (c *Config) OpenStore(ctx context.Context, adjust ...func(*db.Options)) (store *db.DB, migrationsApplied int, err error) {
	passwords, err := credential.NewPasswords(c.PasswordParams())
	if err != nil {
		return nil, 0, err
	}
	opts := db.Options{Passwords: passwords, SessionTTL: c.SessionTTL, KeyCaps: c.KeyCaps, MaxConnections: c.DBMaxConnections}
	for _, a := range adjust {
		a(&opts)
	}
	store, err = db.Open(c.DSN(), opts)
	if err != nil {
		return nil, 0, err
	}
	applied, err := store.Migrate(ctx)
	if err != nil {
		store.Close()
		return nil, 0, err
	}
	return store, applied, nil
}

// DatabaseKind names the database for the start-up log line.
func (c *Config) DatabaseKind() string {
	if c.DatabaseURL != "" {
		return "postgres"
	}
	return "sqlite:" + c.SQLitePath
}

// ParseCIDRs parses a comma-separated list of CIDRs (or bare addresses).
func ParseCIDRs(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !strings.Contains(s, "/") {
			addr, err := netip.ParseAddr(s)
			if err != nil {
				return nil, err
			}
			out = append(out, netip.PrefixFrom(addr, addr.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// TrustedProxyPrefixes are the proxies whose X-Forwarded-For is believed.
func (c *Config) TrustedProxyPrefixes() []netip.Prefix {
	prefixes, _ := ParseCIDRs(c.TrustedProxies) // Load refused any that do not parse
	return prefixes
}
