package reliability

// The hostile review's reproductions of unbounded cost: each document,
// variables object or burst is refused or bounded, with the sizes the
// review used. Refusals are asserted by their codes, never by time.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"

	"github.com/keyfob/keyfob/internal/config"
	"github.com/keyfob/keyfob/internal/hostile"
	"github.com/keyfob/keyfob/internal/testkit"
	"github.com/keyfob/keyfob/model"
)

func TestHostileDocumentsAreRefusedBeforeTheyRun(t *testing.T) {
	for _, introspection := range []bool{true, false} {
		t.Run(fmt.Sprintf("introspection=%v", introspection), func(t *testing.T) {
			e := testkit.NewEnv(t, "sqlite", func(c *config.Config) { c.Introspection = introspection })
			owner := e.SignUp(t, "Priced")
			auth := map[string]string{"Authorization": testkit.Bearer(owner.Token), "Accept": "application/graphql-response+json"}
			cases := []struct {
				name, query, code string
			}{
				{"fragment explosion, 40 levels (1.7 KB)", hostile.Doubling(40), string(model.CodeFieldLimit)},
				{"fragment explosion, 26 levels", hostile.Doubling(26), string(model.CodeFieldLimit)},
				{"fragment explosion just past the field limit", hostile.Doubling(8), string(model.CodeFieldLimit)},
				{"aliased introspection, 14 a level", hostile.AliasedIntrospection(14), string(model.CodeFieldLimit)},
				{"aliased introspection, 25 a level", hostile.AliasedIntrospection(25), string(model.CodeFieldLimit)},
				{"aliased introspection within the field limit", hostile.AliasedIntrospection(2), string(model.CodeIntrospectionLimit)},
				{"an aliased __schema", `{ s: __schema { queryType { name } } }`, string(model.CodeIntrospectionLimit)},
				{"an alias under __type", `{ __type(name: "Query") { n: name } }`, string(model.CodeIntrospectionLimit)},
				{"two __schema", `{ __schema { queryType { name } } ...F } fragment F on Query { __schema { types { name } } }`, string(model.CodeIntrospectionLimit)},
				{"100 aliased totalCounts", hostile.AliasedCounts(100), string(model.CodeComplexityLimit)},
			}
			for _, c := range cases {
				status, _, body := e.Raw(t, "POST", "/graphql", "application/json", testkit.JSONBody(c.query), auth)
				if status != http.StatusBadRequest || testkit.ErrorCode(t, body) != c.code {
					t.Errorf("%s: %d %.300s, want 400 %s", c.name, status, body, c.code)
				}
			}
			// Fragments that double within the limit run, and the walks that
			// follow them visit each fragment once.
			want := 200
			status, _, body := e.Raw(t, "POST", "/graphql", "application/json", testkit.JSONBody(hostile.Doubling(7)), auth)
			if status != want || !strings.Contains(body, `"__typename":"Query"`) {
				t.Errorf("128 fields through 7 levels of fragments: %d %.300s", status, body)
			}
		})
	}
}

func TestATotalCountCostsOneCountQuery(t *testing.T) {
	e := testkit.NewEnv(t, "sqlite", nil)
	owner := e.SignUp(t, "Counted")
	resp := e.Do(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: `{ apiKeys(first: 100) { totalCount nodes { name } } }`})
	if resp.Status != 200 || len(resp.Errors) > 0 {
		t.Fatalf("a page of 100 with its totalCount: %d %s", resp.Status, resp.Body)
	}
	resp = e.Do(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: hostile.AliasedCounts(49)})
	if resp.Status != 200 || len(resp.Errors) > 0 {
		t.Fatalf("49 totalCounts (4,949 points): %d %.300s", resp.Status, resp.Body)
	}
	resp = e.Do(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: hostile.AliasedCounts(50)})
	if resp.Code() != string(model.CodeComplexityLimit) {
		t.Fatalf("50 totalCounts (5,050 points): %d %.300s", resp.Status, resp.Body)
	}
}

// standardIntrospectionQueries are the schema queries of GraphiQL 4.1.2
// (the playground's) and graphql-js 16 and 17, by file name.
func standardIntrospectionQueries(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob(testkit.RepoPath("testdata/introspection/*.graphql"))
	if err != nil || len(files) != 3 {
		t.Fatalf("the three standard introspection queries: %v %v", files, err)
	}
	queries := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		queries[filepath.Base(f)] = string(b)
	}
	return queries
}

func TestStandardIntrospectionQueriesPassTheDefaultLimits(t *testing.T) {
	e := testkit.NewEnv(t, "sqlite", nil)
	for name, query := range standardIntrospectionQueries(t) {
		t.Run(name, func(t *testing.T) {
			// As GraphiQL's fetcher sends it when the playground loads the
			// schema: POST, JSON, named IntrospectionQuery, no credentials.
			body, _ := json.Marshal(map[string]any{"query": query, "operationName": "IntrospectionQuery"})
			status, _, answer := e.Raw(t, "POST", "/graphql", "application/json", string(body), nil)
			var parsed struct {
				Data struct {
					Schema struct {
						QueryType struct{ Name string } `json:"queryType"`
						Types     []struct{ Name string }
					} `json:"__schema"`
				} `json:"data"`
				Errors []any `json:"errors"`
			}
			if err := json.Unmarshal([]byte(answer), &parsed); err != nil || status != 200 || len(parsed.Errors) > 0 ||
				parsed.Data.Schema.QueryType.Name != "Query" || len(parsed.Data.Schema.Types) < 20 {
				t.Fatalf("%d %.500s", status, answer)
			}
		})
	}
}

func TestVariablesAndBodiesAreBounded(t *testing.T) {
	e := testkit.NewEnv(t, "sqlite", nil)
	post := func(variables string) (int, string) {
		status, _, body := e.Raw(t, "POST", "/graphql", "application/json", testkit.GQLJSON("{ __typename }", variables), nil)
		return status, body
	}
	cases := []struct {
		name      string
		variables string
		Status    int
		code      string
	}{
		{"the review's 1 MiB of {}", hostile.Variables(1 << 20), http.StatusRequestEntityTooLarge, string(model.CodePayloadTooLarge)},
		{"100 KiB of {}, within the body limit", hostile.Variables(100 << 10), http.StatusRequestEntityTooLarge, string(model.CodeVariablesTooLarge)},
		{"one byte over 64 KiB", hostile.Variables(64<<10 + 1), http.StatusRequestEntityTooLarge, string(model.CodeVariablesTooLarge)},
		{"64 KiB", hostile.Variables(64 << 10), http.StatusOK, ""},
	}
	for _, c := range cases {
		if len(c.variables) > 64<<10 && c.Status == http.StatusOK {
			t.Fatalf("%s: the variables are %d bytes", c.name, len(c.variables))
		}
		status, body := post(c.variables)
		if status != c.Status || c.code != "" && testkit.ErrorCode(t, body) != c.code || c.code == "" && strings.Contains(body, "errors") {
			t.Errorf("POST %s: %d %.200s, want %d %s", c.name, status, body, c.Status, c.code)
		}
	}
	t.Run("GET", func(t *testing.T) {
		q := url.Values{"query": {"{ __typename }"}, "variables": {hostile.Variables(70 << 10)}}
		status, _, body := e.Raw(t, "GET", "/graphql?"+q.Encode(), "", "", nil)
		if status != http.StatusRequestEntityTooLarge || testkit.ErrorCode(t, body) != string(model.CodeVariablesTooLarge) {
			t.Fatalf("GET with 70 KiB of variables: %d %.200s", status, body)
		}
	})
	t.Run("a body just over 256 KiB", func(t *testing.T) {
		body := `{"query":"{ __typename }","extensions":{"pad":"` + strings.Repeat("x", 256<<10) + `"}}`
		status, _, answer := e.Raw(t, "POST", "/graphql", "application/json", body, nil)
		if status != http.StatusRequestEntityTooLarge || testkit.ErrorCode(t, answer) != string(model.CodePayloadTooLarge) {
			t.Fatalf("%d %.200s", status, answer)
		}
	})
	t.Run("the limit is a setting", func(t *testing.T) {
		small := testkit.NewEnv(t, "sqlite", func(c *config.Config) { c.QueryLimits.MaxVariablesBytes = 100 })
		status, _, body := small.Raw(t, "POST", "/graphql", "application/json", testkit.GQLJSON("{ __typename }", hostile.Variables(200)), nil)
		if status != http.StatusRequestEntityTooLarge || testkit.ErrorCode(t, body) != string(model.CodeVariablesTooLarge) {
			t.Fatalf("200 bytes against a limit of 100: %d %.200s", status, body)
		}
	})
}

// TestExecutionSlotsAreBoundedAndShared holds requests inside GraphQL
// execution with a real lock on the keys table, then shows that a client
// gets at most a quarter of the slots, that others still get theirs, and
// that past the bound a request gets 503 OVERLOADED with Retry-After.
func TestExecutionSlotsAreBoundedAndShared(t *testing.T) {
	testkit.RequirePostgres(t)
	e := testkit.NewEnv(t, "postgres", func(c *config.Config) {
		c.MaxInFlight = 8 // a quarter is 2
		c.TrustedProxies = "127.0.0.1/32,::1/128"
		testkit.Generous(c)
	})
	owner := e.SignUp(t, "Crowded")
	g, err := gorm.Open(postgres.Open(e.DSN), &gorm.Config{})
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, _ := g.DB()
	defer sqlDB.Close()
	lock := g.Begin()
	if err := lock.Exec("LOCK TABLE api_keys IN ACCESS EXCLUSIVE MODE").Error; err != nil {
		t.Fatal(err)
	}
	released := false
	release := func() {
		if !released {
			released = true
			lock.Rollback()
		}
	}
	defer release()

	send := func(client, query string) (int, http.Header, string) {
		return e.Raw(t, "POST", "/graphql", "application/json", testkit.JSONBody(query),
			map[string]string{"Authorization": testkit.Bearer(owner.Token), "X-Forwarded-For": client})
	}
	blocked := `{ apiKeys { totalCount } }`
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	hold := func(client string) {
		wg.Go(func() {
			status, _, _ := send(client, blocked)
			mu.Lock()
			statuses[status]++
			mu.Unlock()
		})
	}
	waitingOnLock := func(n int) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			var waiting int64
			g.Raw("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%api_keys%'").Scan(&waiting)
			if waiting >= int64(n) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d queries wait on the lock, want %d", waiting, n)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// Client A takes its quarter; a third request of A's is refused even
	// though six slots are free.
	hold("192.0.2.1")
	hold("192.0.2.1")
	waitingOnLock(2)
	status, header, body := send("192.0.2.1", `{ __typename }`)
	if status != http.StatusServiceUnavailable || testkit.ErrorCode(t, body) != string(model.CodeOverloaded) || header.Get("Retry-After") == "" {
		t.Fatalf("A's third request: %d %s %v", status, body, header)
	}
	// Another client still runs; an IPv6 client's share is its /64's.
	if status, _, body := send("192.0.2.2", `{ __typename }`); status != 200 {
		t.Fatalf("B while A is at its share: %d %s", status, body)
	}
	hold("2001:db8:1:2::1")
	hold("2001:db8:1:2::2")
	waitingOnLock(4)
	if status, _, body := send("2001:db8:1:2::3", `{ __typename }`); status != http.StatusServiceUnavailable {
		t.Fatalf("a third address of the same /64: %d %s", status, body)
	}
	// Fill every slot: then nobody runs.
	hold("192.0.2.3")
	hold("192.0.2.3")
	hold("192.0.2.4")
	hold("192.0.2.4")
	waitingOnLock(8)
	if status, _, body := send("192.0.2.5", `{ __typename }`); status != http.StatusServiceUnavailable || testkit.ErrorCode(t, body) != string(model.CodeOverloaded) {
		t.Fatalf("a new client with every slot taken: %d %s", status, body)
	}
	release()
	wg.Wait()
	if statuses[200] != 8 || len(statuses) != 1 {
		t.Fatalf("the held requests ended %v, want 8 × 200", statuses)
	}
	// Slots are given back: the same clients run again.
	if status, _, body := send("192.0.2.1", `{ __typename }`); status != 200 {
		t.Fatalf("after the burst: %d %s", status, body)
	}
}

// processMemory reads a process's resident memory now and at its peak, in
// bytes, from /proc.
func processMemory(t *testing.T, pid int) (rss, peak int64) {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		var kib int64
		if n, _ := fmt.Sscanf(line, "VmRSS: %d kB", &kib); n == 1 {
			rss = kib << 10
		}
		if n, _ := fmt.Sscanf(line, "VmHWM: %d kB", &kib); n == 1 {
			peak = kib << 10
		}
	}
	return rss, peak
}

// TestHostileBurstsStayWithinMemory sends 60 concurrent requests of each
// worst case the review found, to a binary built without the race
// detector and with the execution bound so high that one client's quarter
// (64 of 256) holds all 60, so that what is measured is memory, not
// refusals. The process must stay under 300 MB.
func TestHostileBurstsStayWithinMemory(t *testing.T) {
	const concurrent, ceiling = 60, 300 << 20
	p := testkit.LaunchBinary(t, testkit.BuildKeyfobPlain(t), filepath.Join(t.TempDir(), "keyfob.db"), "-max-in-flight", "256")
	testkit.WaitHealthy(t, p)
	e := p.Client()
	owner := e.SignUp(t, "Burst")
	largest, err := os.ReadFile(testkit.RepoPath("testdata/largest-introspection.graphql"))
	if err != nil {
		t.Fatal(err)
	}
	fields := "{" + strings.Repeat(" __typename", 32<<10/11-2) + " }"
	// Each answer is "status code", code being the error's ("" for none).
	kinds := []struct {
		name, body string
		auth       bool
		answer     string
	}{
		{"fragment explosion, 40 levels", testkit.JSONBody(hostile.Doubling(40)), false, "200 FIELD_LIMIT_EXCEEDED"},
		{"aliased introspection, 25 a level", testkit.JSONBody(hostile.AliasedIntrospection(25)), false, "200 FIELD_LIMIT_EXCEEDED"},
		{"largest allowed introspection", testkit.JSONBody(string(largest)), false, "200 "},
		{"64 KiB of unused variables", testkit.GQLJSON("{ __typename }", hostile.Variables(64<<10)), false, "200 "},
		{"1 MiB of unused variables", testkit.GQLJSON("{ __typename }", hostile.Variables(1<<20)), false, "413 PAYLOAD_TOO_LARGE"},
		{"32 KiB of fields", testkit.JSONBody(fields), false, "200 FIELD_LIMIT_EXCEEDED"},
		{"100 aliased totalCounts", testkit.JSONBody(hostile.AliasedCounts(100)), true, "200 COMPLEXITY_LIMIT_EXCEEDED"},
	}
	client := &http.Client{Timeout: 60 * time.Second}
	rss, _ := processMemory(t, p.Pid())
	t.Logf("resident after start-up: %.1f MB", float64(rss)/1e6)
	for _, k := range kinds {
		var wg sync.WaitGroup
		var mu sync.Mutex
		answers := map[string]int{}
		for range concurrent {
			wg.Go(func() {
				req, _ := http.NewRequest("POST", p.URL+"/graphql", strings.NewReader(k.body))
				req.Header.Set("Content-Type", "application/json")
				if k.auth {
					req.Header.Set("Authorization", testkit.Bearer(owner.Token))
				}
				answer := "no answer"
				if resp, err := client.Do(req); err == nil {
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					var parsed struct {
						Errors []struct{ Extensions struct{ Code string } }
					}
					_ = json.Unmarshal(body, &parsed)
					code := ""
					if len(parsed.Errors) > 0 {
						code = parsed.Errors[0].Extensions.Code
					}
					answer = fmt.Sprintf("%d %s", resp.StatusCode, code)
				}
				mu.Lock()
				answers[answer]++
				mu.Unlock()
			})
		}
		wg.Wait()
		rss, peak := processMemory(t, p.Pid())
		t.Logf("%d × %s: answers %v; resident %.1f MB, peak %.1f MB", concurrent, k.name, answers, float64(rss)/1e6, float64(peak)/1e6)
		if answers[k.answer] != concurrent {
			t.Errorf("%s: answers %v, want %d × %q", k.name, answers, concurrent, k.answer)
		}
		if peak >= ceiling {
			t.Fatalf("after %s the process peaked at %.1f MB, over %d MB", k.name, float64(peak)/1e6, ceiling>>20)
		}
	}
}
