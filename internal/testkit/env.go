// Package testkit is the one harness of Keyfob's end-to-end tests: a real
// server over a real database (SQLite, and PostgreSQL when
// TEST_DATABASE_URL is set), or the real binary, with the GraphQL
// requests, query documents and checks that many tests share.
package testkit

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/keyfob/keyfob/db"
	"github.com/keyfob/keyfob/httpapi"
	"github.com/keyfob/keyfob/internal/config"
	"github.com/keyfob/keyfob/internal/pgtest"
)

// Env is one running Keyfob: a real HTTP server over a real database
// (a fresh SQLite file, or a fresh schema in TEST_DATABASE_URL's PostgreSQL).
type Env struct {
	Kind   string // "sqlite" or "postgres"
	DSN    string
	Store  *db.DB
	Server *httpapi.Server
	Config *config.Config // as the server was started with it
	URL    string
	Logs   *SyncBuffer
}

// ForEachDB runs fn against SQLite always and PostgreSQL when
// TEST_DATABASE_URL is set.
func ForEachDB(t *testing.T, fn func(t *testing.T, e *Env)) {
	t.Helper()
	ForEachDBConfigured(t, nil, fn)
}

// ForEachDBConfigured is ForEachDB on servers whose configuration
// configure adjusts.
func ForEachDBConfigured(t *testing.T, configure func(*config.Config), fn func(t *testing.T, e *Env)) {
	t.Helper()
	for _, kind := range DBKinds() {
		t.Run(kind, func(t *testing.T) {
			fn(t, NewEnv(t, kind, configure))
		})
	}
}

// NewEnv starts a server on a fresh database. configure may adjust the
// configuration before the server starts.
func NewEnv(t testing.TB, kind string, configure func(*config.Config)) *Env {
	t.Helper()
	return NewEnvAt(t, kind, nil, configure)
}

// NewEnvAt is NewEnv with the server reading clock (nil for the real one):
// a test moves a fake clock past a session's expiry or a cache entry's TTL
// instead of sleeping.
func NewEnvAt(t testing.TB, kind string, clock clockwork.Clock, configure func(*config.Config)) *Env {
	t.Helper()
	cfg, _, err := config.Load([]string{"-password-memory-kib", "1024"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	switch kind {
	case "sqlite":
		cfg.SQLitePath = filepath.Join(t.TempDir(), "keyfob.db")
	case "postgres":
		cfg.DatabaseURL = pgtest.FreshSchema(t)
	default:
		t.Fatalf("unknown database kind %q", kind)
	}
	// Tests send bursts from one address, which the default share of the
	// execution slots (a quarter of 4 per core) would queue and refuse;
	// the bound has tests of its own.
	cfg.MaxInFlight = 256
	// Under the race detector, on a machine the test packages share, a
	// first look-up that opens a connection can outlive the production
	// bound of 250 ms, and its 503 would fail a test about something else;
	// the bound has tests of its own (the fault tests), which set it.
	cfg.DBLookupTimeout = testLookUpTimeout
	if configure != nil {
		configure(cfg)
	}
	logs := &SyncBuffer{}
	logger := httpapi.NewLogger(logs, slog.LevelDebug)
	store, _, err := cfg.OpenStore(context.Background(), func(o *db.Options) { o.Clock = clock })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	a := httpapi.New(cfg, store, logger)
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(func() {
		srv.Close()
		if err := a.Close(context.Background()); err != nil {
			t.Errorf("closing the app: %v", err)
		}
	})
	return &Env{Kind: kind, DSN: cfg.DSN(), Store: store, Server: a, Config: cfg, URL: srv.URL, Logs: logs}
}

// Response is a GraphQL answer as a client sees it.
type Response struct {
	Status int
	Header http.Header
	Body   string
	Data   map[string]any
	Errors []GQLError
}

type GQLError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Code is the first error's extensions.code, or "" without errors.
func (r *Response) Code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// Request is one GraphQL request; Auth is the whole Authorization header.
type Request struct {
	Query     string
	Variables map[string]any
	Auth      string
	Headers   map[string]string
}

// Do posts a GraphQL request to the server.
func (e *Env) Do(t testing.TB, req Request) *Response {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": req.Query, "variables": req.Variables})
	httpReq, _ := http.NewRequest(http.MethodPost, e.URL+"/graphql", bytes.NewReader(body))
	httpReq.Header.Set("Content-Type", "application/json")
	if req.Auth != "" {
		httpReq.Header.Set("Authorization", req.Auth)
	}
	for k, v := range req.Headers {
		httpReq.Header.Set(k, v)
	}
	return e.Send(t, httpReq)
}

func (e *Env) Send(t testing.TB, httpReq *http.Request) *Response {
	t.Helper()
	resp, err := http.DefaultClient.Do(httpReq)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := &Response{Status: resp.StatusCode, Header: resp.Header, Body: string(raw)}
	var parsed struct {
		Data   map[string]any `json:"data"`
		Errors []GQLError     `json:"errors"`
	}
	if err := json.Unmarshal(raw, &parsed); err != nil {
		t.Fatalf("response is not JSON (status %d): %s", resp.StatusCode, raw)
	}
	out.Data, out.Errors = parsed.Data, parsed.Errors
	return out
}

// MustDo is Do that fails the test on any GraphQL error.
func (e *Env) MustDo(t testing.TB, req Request) map[string]any {
	t.Helper()
	resp := e.Do(t, req)
	if resp.Status != http.StatusOK || len(resp.Errors) > 0 {
		t.Fatalf("%s: status %d: %s", req.Query, resp.Status, resp.Body)
	}
	return resp.Data
}

// Bearer and Basic build Authorization headers.
func Bearer(secret string) string { return "Bearer " + secret }

// FlushUsage writes buffered usage so that tests can read it back.
func (e *Env) FlushUsage(t *testing.T) {
	t.Helper()
	if err := e.Server.FlushUsage(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// User is a signed-up or created user and their session token.
type User struct {
	ID, AccountID, Email, Password, Token string
}

// UniqueEmail returns a fresh address for prefix.
func UniqueEmail(prefix string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:]) + "@example.test"
}

// SignUp creates an account and returns its owner, signed in.
func (e *Env) SignUp(t testing.TB, accountName string) *User {
	t.Helper()
	u := &User{Email: UniqueEmail(strings.ToLower(strings.ReplaceAll(accountName, " ", "-"))), Password: "correct horse battery"}
	data := e.MustDo(t, Request{
		Query:     `mutation($in: SignUpInput!) { signUp(input: $in) { token user { id account { id } } } }`,
		Variables: map[string]any{"in": map[string]any{"accountName": accountName, "name": "Owner of " + accountName, "email": u.Email, "password": u.Password}},
	})
	u.Token = Dig(data, "signUp", "token").(string)
	u.ID = Dig(data, "signUp", "user", "id").(string)
	u.AccountID = Dig(data, "signUp", "user", "account", "id").(string)
	return u
}

// CreateUser adds a colleague as manager and signs them in.
func (e *Env) CreateUser(t *testing.T, manager *User, role string) *User {
	t.Helper()
	u := &User{Email: UniqueEmail(strings.ToLower(role)), Password: "another fine password", AccountID: manager.AccountID}
	data := e.MustDo(t, Request{
		Auth:      Bearer(manager.Token),
		Query:     `mutation($in: CreateUserInput!) { createUser(input: $in) { user { id } } }`,
		Variables: map[string]any{"in": map[string]any{"name": role + " user", "email": u.Email, "password": u.Password, "role": role}},
	})
	u.ID = Dig(data, "createUser", "user", "id").(string)
	u.Token = e.LogIn(t, u.Email, u.Password, "WEB")
	return u
}

// LogIn returns a new session token.
func (e *Env) LogIn(t *testing.T, email, password, client string) string {
	t.Helper()
	data := e.MustDo(t, Request{
		Query:     `mutation($in: LogInInput!) { logIn(input: $in) { token } }`,
		Variables: map[string]any{"in": map[string]any{"email": email, "password": password, "client": client}},
	})
	return Dig(data, "logIn", "token").(string)
}

// CreateKey creates an API key as u and returns its id and secret.
func (e *Env) CreateKey(t testing.TB, u *User, name string) (id, secret string) {
	t.Helper()
	data := e.MustDo(t, Request{
		Auth:      Bearer(u.Token),
		Query:     `mutation($in: CreateApiKeyInput!) { createApiKey(input: $in) { secret apiKey { id } } }`,
		Variables: map[string]any{"in": map[string]any{"name": name}},
	})
	return Dig(data, "createApiKey", "apiKey", "id").(string), Dig(data, "createApiKey", "secret").(string)
}

// Dig walks nested JSON objects by key (and arrays by int index).
func Dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

// SyncBuffer collects log output from concurrent handlers.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// RunArgs are the flags that point a keyfob command at e's database, with
// cheap password hashing.
func (e *Env) RunArgs(args ...string) []string {
	flags := []string{"-password-memory-kib", "1024"}
	if e.Kind == "postgres" {
		flags = append(flags, "-database-url", e.DSN)
	} else {
		flags = append(flags, "-database-url=", "-db", e.DSN)
	}
	return append(flags, args...)
}

// PowerUp switches the API Key Restriction Power-Up as the operator's
// power-up command does (that command has tests of its own, in the root).
func (e *Env) PowerUp(t *testing.T, accountID string, on bool) {
	t.Helper()
	store := e.Store
	if store == nil {
		// A server this process did not start (a binary): reach its
		// database directly, as the command would.
		cfg, _, err := config.Load(e.RunArgs(), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if store, _, err = cfg.OpenStore(context.Background()); err != nil {
			t.Fatal(err)
		}
		defer store.Close()
	}
	if _, _, err := store.SetPowerUp(context.Background(), accountID, on); err != nil {
		t.Fatalf("power-up %v for %s: %v", on, accountID, err)
	}
}

// RowCounts counts the rows of every domain table.
func (e *Env) RowCounts(t *testing.T) map[string]int64 {
	t.Helper()
	counts := map[string]int64{}
	for _, table := range []string{"accounts", "users", "api_keys", "sessions"} {
		var n int64
		if err := e.Store.Gorm().Table(table).Count(&n).Error; err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		counts[table] = n
	}
	return counts
}

// AssertNoLeak fails if a response looks like a crash or leaks internals.
func AssertNoLeak(t *testing.T, resp *Response) {
	t.Helper()
	if resp.Status >= 500 {
		t.Errorf("HTTP %d: %s", resp.Status, resp.Body)
	}
	for _, marker := range []string{"goroutine ", ".go:", "panic", "runtime.", "SELECT ", "INSERT ", "SQLSTATE", "sqlite", "pgx", "gorm"} {
		if strings.Contains(resp.Body, marker) {
			t.Errorf("response leaks %q: %s", marker, resp.Body)
		}
	}
}

// Basic builds an HTTP Basic Authorization header.
func Basic(username, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(username+":"+password))
}

// WantError reports an error unless resp's first error has code and, when
// field is not empty, extensions.field == field. It returns whether it matched.
func WantError(t *testing.T, resp *Response, code, field string) bool {
	t.Helper()
	if resp.Code() != code {
		t.Errorf("extensions.code = %q, want %q (status %d): %s", resp.Code(), code, resp.Status, resp.Body)
		return false
	}
	if field != "" {
		if got, _ := resp.Errors[0].Extensions["field"].(string); got != field {
			t.Errorf("extensions.field = %q, want %q: %s", got, field, resp.Body)
			return false
		}
	}
	return true
}

// MustTime parses a DateTime value from a response.
func MustTime(t *testing.T, v any) time.Time {
	t.Helper()
	s, ok := v.(string)
	if !ok {
		t.Fatalf("DateTime is %#v, not a string", v)
	}
	at, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("DateTime %q: %v", s, err)
	}
	return at
}

// ViewerID runs `{ viewer { id } }` with auth and returns the response and
// the viewer's id ("" when there is none).
func (e *Env) ViewerID(t *testing.T, auth string) (*Response, string) {
	t.Helper()
	resp := e.Do(t, Request{Auth: auth, Query: `{ viewer { id } }`})
	id, _ := Dig(resp.Data, "viewer", "id").(string)
	return resp, id
}

func PGURL() string { return pgtest.URL() }
