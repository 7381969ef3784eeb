package api

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keyfob/keyfob/db"
	"github.com/keyfob/keyfob/internal/config"
	"github.com/keyfob/keyfob/internal/pgtest"
	"github.com/keyfob/keyfob/internal/testkit"
)

// The key list costs the same few statements for 1 key as for 100: owners,
// usage and daily usage come through per-request loaders, never one query
// per key.
func TestKeyListStatementCountIsConstant(t *testing.T) {
	// Usage is flushed by hand: a timed flush landing inside a count would
	// add its statements to the list's.
	flushByHand := func(c *config.Config) { c.UsageFlush = time.Hour }
	testkit.ForEachDBConfigured(t, flushByHand, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Many Keys")
		colleague := e.CreateUser(t, owner, "ADMIN")
		const query = `{ apiKeys(first: 100) { nodes { owner { name } usageByIntegration { integration lastUsedAt requestCount }
			dailyUsage(days: 7) { date requestCount } } } }`
		count := func() int64 {
			warmSession(t, e, owner)
			statements := e.Store.CountStatements()
			data := e.MustDo(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: query})
			n := statements.Load()
			_ = data
			return n
		}
		_, secret := e.CreateKey(t, owner, "first")
		e.MustDo(t, testkit.Request{Auth: testkit.Bearer(secret), Headers: map[string]string{"X-System": "A"}, Query: `{ __typename }`})
		e.FlushUsage(t)
		one := count()
		for i := range 99 {
			u := owner
			if i%2 == 0 {
				u = colleague
			}
			_, secret := e.CreateKey(t, u, fmt.Sprintf("key %d", i))
			if i%10 == 0 {
				e.MustDo(t, testkit.Request{Auth: testkit.Bearer(secret), Headers: map[string]string{"X-System": "B"}, Query: `{ __typename }`})
			}
		}
		e.FlushUsage(t)
		hundred := count()
		data := e.MustDo(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: query})
		if n := len(testkit.Dig(data, "apiKeys", "nodes").([]any)); n != 100 {
			t.Fatalf("listed %d keys, want 100", n)
		}
		t.Logf("statements: %d for 1 key, %d for 100 keys", one, hundred)
		if one != hundred || hundred > 5 {
			t.Fatalf("statements: %d for 1 key, %d for 100 keys; want the same constant, at most 5", one, hundred)
		}
	})
}

// warmSession waits until the server trusts its cache (on PostgreSQL, once
// its revocation listener is up) and has u's session in it, so that a
// count of statements holds only the request's own.
func warmSession(t *testing.T, e *testkit.Env, u *testkit.User) {
	t.Helper()
	<-e.Server.Listening()
	e.MustDo(t, testkit.Request{Auth: testkit.Bearer(u.Token), Query: `{ viewer { id } }`})
}

// tcpCutter forwards TCP to target until cut, so a test can make the
// database unreachable and reachable again without touching the server.
// Stalled, it keeps every connection open but forwards nothing, as a NAT or
// firewall that drops a connection silently does.
type tcpCutter struct {
	ln      net.Listener
	target  string
	mu      sync.Mutex
	cut     bool
	conns   []net.Conn
	stalled atomic.Bool
}

func newTCPCutter(t *testing.T, target string) *tcpCutter {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &tcpCutter{ln: ln, target: target}
	t.Cleanup(func() { ln.Close(); c.setCut(true) })
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			c.mu.Lock()
			if c.cut {
				c.mu.Unlock()
				in.Close()
				continue
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				c.mu.Unlock()
				in.Close()
				continue
			}
			c.conns = append(c.conns, in, out)
			c.mu.Unlock()
			go func() { c.forward(out, in); out.Close() }()
			go func() { c.forward(in, out); in.Close() }()
		}
	}()
	return c
}

func (c *tcpCutter) setCut(cut bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cut = cut
	if cut {
		for _, conn := range c.conns {
			conn.Close()
		}
		c.conns = nil
	}
}

// forward copies src to dst, holding the bytes while stalled.
func (c *tcpCutter) forward(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if err != nil {
			return
		}
		for c.stalled.Load() {
			time.Sleep(10 * time.Millisecond)
		}
		if _, err := dst.Write(buf[:n]); err != nil {
			return
		}
	}
}

func (c *tcpCutter) addr() string { return c.ln.Addr().String() }

// /readyz follows the database: 200 while it answers, 503 while it cannot
// be reached, 200 again once it is back, without a restart.
func TestReadyzFollowsTheDatabase(t *testing.T) {
	if testkit.PGURL() == "" {
		t.Skip("needs TEST_DATABASE_URL")
	}
	dsn := pgtest.FreshSchema(t)
	u, _ := url.Parse(dsn)
	cutter := newTCPCutter(t, u.Host)
	u.Host = cutter.addr()
	q := u.Query()
	q.Set("connect_timeout", "2")
	u.RawQuery = q.Encode()
	e := testkit.NewEnv(t, "postgres", func(c *config.Config) { c.DatabaseURL = u.String() })
	status := func() int {
		got, _, _ := e.Raw(t, "GET", "/readyz", "", "", nil)
		return got
	}
	if got := status(); got != http.StatusOK {
		t.Fatalf("readyz with the database up: %d", got)
	}
	cutter.setCut(true)
	if got := status(); got != http.StatusServiceUnavailable {
		t.Fatalf("readyz with the database unreachable: %d", got)
	}
	resp := e.Do(t, testkit.Request{Query: `mutation { logIn(input: {email: "a@b.co", password: "whatever1"}) { token } }`})
	if resp.Code() != "UNAVAILABLE" {
		t.Fatalf("a request needing the database while it is down: %s", resp.Body)
	}
	if got, _, _ := e.Raw(t, "GET", "/healthz", "", "", nil); got != http.StatusOK {
		t.Fatalf("healthz is about the process, not the database: %d", got)
	}
	cutter.setCut(false)
	deadline := time.Now().Add(10 * time.Second)
	for status() != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("readyz did not recover once the database was reachable again")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestRequestIDAndMetrics(t *testing.T) {
	e := testkit.NewEnv(t, "sqlite", nil)
	owner := e.SignUp(t, "Observed")
	_, secret := e.CreateKey(t, owner, "Metered")
	_, header, _ := e.Raw(t, "POST", "/graphql", "application/json", testkit.JSONBody("query ListKeys { apiKeys { totalCount } }"),
		map[string]string{"Authorization": testkit.Bearer(owner.Token), "X-Request-Id": "client-chosen-id-42"})
	if header.Get("X-Request-Id") != "client-chosen-id-42" {
		t.Fatalf("X-Request-Id not honoured: %v", header)
	}
	_, header, _ = e.Raw(t, "POST", "/graphql", "application/json", testkit.JSONBody("{ __typename }"), nil)
	if len(header.Get("X-Request-Id")) < 16 {
		t.Fatalf("no request id generated: %v", header)
	}
	e.Verify(t, "GET", "", testkit.Bearer(secret), nil)
	e.Verify(t, "GET", "", "Bearer nonsense", nil)
	e.FlushUsage(t)
	// Client-chosen operation names are not labels: the review's squatting
	// of the label's series with made-up names must not hide a real log-in.
	for i := range 150 {
		e.Raw(t, "POST", "/graphql", "application/json", testkit.JSONBody(fmt.Sprintf("query Squat%d { __typename }", i)), nil)
	}
	e.Raw(t, "POST", "/graphql", "application/json", testkit.JSONBody(`mutation LogIn { logIn(input: {email: "nobody@example.test", password: "wrong password"}) { token } }`), nil)
	e.Raw(t, "POST", "/graphql", "application/json", testkit.JSONBody(`{ __schema { queryType { name } } }`), nil)
	e.Raw(t, "POST", "/graphql", "application/json", testkit.JSONBody(`{ a: __typename viewer { id } apiKeys { totalCount } }`), nil)
	e.Raw(t, "POST", "/graphql", "application/json", testkit.JSONBody(`{ nope }`), nil)
	_, _, metrics := e.Raw(t, "GET", "/metrics", "", "", nil)
	for _, want := range []string{
		`keyfob_graphql_requests_total{operation="apiKeys",outcome="ok"} 1`,
		`keyfob_graphql_requests_total{operation="__typename",outcome="ok"} 151`,
		`keyfob_graphql_requests_total{operation="logIn",`,
		`keyfob_graphql_requests_total{operation="introspection",outcome="ok"} 1`,
		`keyfob_graphql_requests_total{operation="multiple",`,
		`keyfob_graphql_requests_total{operation="none",outcome="GRAPHQL_VALIDATION_FAILED"} 1`,
		`keyfob_graphql_request_duration_seconds_bucket{operation="apiKeys"`,
		`keyfob_credential_verifications_total{outcome="ok"}`,
		`keyfob_credential_verifications_total{outcome="malformed"} 1`,
		`keyfob_verification_cache_hits_total`,
		`keyfob_verification_cache_misses_total`,
		`keyfob_usage_flush_pairs_count`,
		`keyfob_usage_flush_lag_seconds_count`,
		`keyfob_usage_flush_errors_total 0`,
		`go_sql_max_open_connections{db_name="keyfob"}`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s\n%s", want, metrics)
		}
	}
	if strings.Contains(metrics, `operation="Squat`) || strings.Contains(metrics, `operation="LogIn"`) {
		t.Errorf("a client's operation name became a label")
	}
	logs := e.Logs.String()
	for _, secretValue := range []string{secret, owner.Token, owner.Password} {
		if strings.Contains(logs, secretValue) {
			t.Fatalf("a secret reached the logs")
		}
	}
	if !strings.Contains(logs, `"request_id":"client-chosen-id-42"`) {
		t.Fatalf("the request id is not in the request log line")
	}
	// A line logged inside the request carries its id too: the reason a
	// credential was refused is in the log only, and must be traceable.
	e.Raw(t, "POST", "/graphql", "application/json", testkit.JSONBody("{ __typename }"),
		map[string]string{"Authorization": "Bearer kf_nonsense", "X-Request-Id": "refused-7"})
	var refusal, request bool
	for line := range strings.Lines(e.Logs.String()) {
		if strings.Contains(line, `"request_id":"refused-7"`) {
			refusal = refusal || strings.Contains(line, `"msg":"authentication refused"`)
			request = request || strings.Contains(line, `"msg":"request"`)
		}
		if strings.Count(line, `"request_id"`) > 1 {
			t.Errorf("request_id twice in one line: %s", line)
		}
	}
	if !refusal || !request {
		t.Fatalf("refusal line with the request id %v, request line %v:\n%s", refusal, request, e.Logs.String())
	}
}

// A listener whose connection goes silent without closing must still be
// noticed, or revocations would reach this instance only through the TTL.
func TestListenerNoticesAStalledConnection(t *testing.T) {
	if testkit.PGURL() == "" {
		t.Skip("needs TEST_DATABASE_URL")
	}
	u, err := url.Parse(testkit.PGURL())
	if err != nil {
		t.Fatal(err)
	}
	cutter := newTCPCutter(t, u.Host)
	u.Host = cutter.addr()

	listening := make(chan bool, 16)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go db.ListenRevocations(ctx, u.String(), db.ListenerEvents{
		Revoked:   func([]string) {},
		Listening: func(ok bool) { listening <- ok },
	}, slog.New(slog.DiscardHandler))

	if ok := <-listening; !ok {
		t.Fatal("the listener did not start")
	}
	time.Sleep(3 * time.Second) // quiet seconds on a healthy connection
	select {
	case ok := <-listening:
		t.Fatalf("a healthy but quiet connection was reported as %v", ok)
	default:
	}
	cutter.stalled.Store(true)
	select {
	case ok := <-listening:
		if ok {
			t.Fatal("reported listening after the connection stalled")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a stalled listener connection went unnoticed for 30 s (the cache TTL)")
	}
	cancel()
	cutter.stalled.Store(false) // let the copies end with the connections
}

// TestKeyListQueryIsOneStatement holds the list that
// scripts/bench-key-list compares with PostGraphile (its committed query:
// totalCount, owners and usage rows) to one SQL statement, whatever the
// number of keys and usage rows, and to the same answer as the keys' own
// loaders give one key at a time.
func TestKeyListQueryIsOneStatement(t *testing.T) {
	testkit.ForEachDBConfigured(t, func(c *config.Config) { c.UsageFlush = time.Hour }, func(t *testing.T, e *testkit.Env) {
		query := benchKeyListQuery(t)
		owner := seedKeyList(t, e, 1, 1)
		list := func() (int64, []any) {
			warmSession(t, e, owner)
			statements := e.Store.CountStatements()
			data := e.MustDo(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: query, Variables: map[string]any{"first": 100}})
			return statements.Load(), testkit.Dig(data, "apiKeys", "nodes").([]any)
		}
		one, _ := list()
		more := seedKeyListFor(t, e, owner, 20, 3)
		many, nodes := list()
		if one != 1 || many != 1 {
			t.Fatalf("statements: %d for 1 key, %d for 21 keys; want 1", one, many)
		}
		if len(nodes) != 21 {
			t.Fatalf("listed %d keys, want 21", len(nodes))
		}
		// The same key read alone, through apiKey(id) and its loaders.
		newest := nodes[0].(map[string]any)
		if newest["id"] != more[len(more)-1] {
			t.Fatalf("newest key %v, want %v", newest["id"], more[len(more)-1])
		}
		alone := e.MustDo(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Variables: map[string]any{"id": newest["id"]},
			Query: `query($id: ID!) { apiKey(id: $id) { id name last4 createdAt owner { name } usageByIntegration { integration firstUsedAt lastUsedAt requestCount } } }`})
		if got, want := fmt.Sprint(testkit.Dig(alone, "apiKey")), fmt.Sprint(newest); got != want {
			t.Fatalf("listed key differs from the key alone:\n list  %s\n alone %s", want, got)
		}
		if usage := newest["usageByIntegration"].([]any); len(usage) != 3 {
			t.Fatalf("newest key has %d usage rows, want 3", len(usage))
		}
	})
}
