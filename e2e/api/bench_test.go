package api

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/db"
	"github.com/keyfob/keyfob/internal/config"
	"github.com/keyfob/keyfob/internal/hostile"
	"github.com/keyfob/keyfob/internal/testkit"
	"github.com/keyfob/keyfob/model"
)

// In-process benchmarks of whole requests through the real handler
// (`go test -run '^$' -bench . -benchmem`): the GraphQL cost of key
// authentication against an anonymous baseline, without network noise.

func benchRequests(b *testing.B) (http.Handler, string) {
	b.Helper()
	e := testkit.NewEnv(b, "sqlite", func(c *config.Config) { c.RateLimits.PerKey = 1 << 30 })
	owner := e.SignUp(b, "Bench")
	_, secret := e.CreateKey(b, owner, "Bench")
	return e.Server.Handler(), secret
}

func benchmarkGraphQL(b *testing.B, query, auth string, h http.Handler) {
	benchmarkDocument(b, query, auth, "", h)
}

// benchmarkDocument sends query as benchmarkGraphQL does, wanting the
// error code code, or no error when code is "".
func benchmarkDocument(b *testing.B, query, auth, code string, h http.Handler) {
	body := testkit.JSONBody(query)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-System", "Bench")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK || code == "" && strings.Contains(w.Body.String(), `"errors"`) ||
			code != "" && !strings.Contains(w.Body.String(), `"code":"`+code+`"`) {
			b.Fatalf("%d %.300s", w.Code, w.Body.String())
		}
	}
}

// BenchmarkHostileDocuments prices the review's documents beside
// { __typename }: the refused ones must cost about what it does, and the
// largest introspection document allowed shows what the limits let through.
func BenchmarkHostileDocuments(b *testing.B) {
	h, _ := benchRequests(b)
	read := func(path string) string {
		content, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		return string(content)
	}
	for _, c := range []struct{ name, query, code string }{
		{"Typename", "{ __typename }", ""},
		{"FragmentExplosion40Levels", hostile.Doubling(40), "FIELD_LIMIT_EXCEEDED"},
		{"AliasedIntrospection14", hostile.AliasedIntrospection(14), "FIELD_LIMIT_EXCEEDED"},
		{"GraphiQLIntrospection", read(testkit.RepoPath("testdata/introspection/graphiql-4.1.2.graphql")), ""},
		{"LargestIntrospection", read(testkit.RepoPath("testdata/largest-introspection.graphql")), ""},
	} {
		b.Run(c.name, func(b *testing.B) { benchmarkDocument(b, c.query, "", c.code, h) })
	}
}

func BenchmarkGraphQLTypenameAnonymous(b *testing.B) {
	h, _ := benchRequests(b)
	benchmarkGraphQL(b, "{ __typename }", "", h)
}

func BenchmarkGraphQLViewerWithKey(b *testing.B) {
	h, secret := benchRequests(b)
	benchmarkGraphQL(b, "{ viewer { id } }", testkit.Bearer(secret), h)
}

// BenchmarkUsageFlush10kPairs is one usage flush on PostgreSQL as the load
// command's default spread makes it every second: 10,000 (key,
// integration) pairs already written before, so every row is an update.
// It needs TEST_DATABASE_URL.
func BenchmarkUsageFlush10kPairs(b *testing.B) {
	if testkit.PGURL() == "" {
		b.Skip("set TEST_DATABASE_URL to a PostgreSQL database")
	}
	const keys = 1000
	e := testkit.NewEnv(b, "postgres", func(c *config.Config) {
		c.UsageFlush = time.Hour
		c.KeyCaps = model.KeyCaps{PerUser: keys, PerAccount: keys}
	})
	owner := e.SignUp(b, "Flush")
	var incs []db.UsageIncrement
	at := time.Now().UTC()
	for k := range keys {
		id, _ := e.CreateKey(b, owner, "Flush "+strconv.Itoa(k))
		for m := range 10 {
			incs = append(incs, db.UsageIncrement{APIKeyID: id, Integration: "integration-" + strconv.Itoa(m), Requests: 1, FirstUsedAt: at, LastUsedAt: at})
		}
	}
	if err := e.Store.RecordUsage(b.Context(), credential.NewID("flush"), incs); err != nil {
		b.Fatal(err) // the first flush inserts; the measured ones update
	}
	b.ResetTimer()
	for b.Loop() {
		if err := e.Store.RecordUsage(b.Context(), credential.NewID("flush"), incs); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkKeyList is the key list of scripts/bench-key-list, in-process:
// the committed query, on PostgreSQL, at both of its sizes. It needs
// TEST_DATABASE_URL.
func BenchmarkKeyList(b *testing.B) {
	if testkit.PGURL() == "" {
		b.Skip("set TEST_DATABASE_URL to a PostgreSQL database")
	}
	for _, size := range []struct{ keys, integrations int }{{50, 5}, {100, 20}} {
		b.Run(strconv.Itoa(size.keys)+"x"+strconv.Itoa(size.integrations), func(b *testing.B) {
			e := testkit.NewEnv(b, "postgres", func(c *config.Config) { c.UsageFlush = time.Hour })
			owner := seedKeyList(b, e, size.keys, size.integrations)
			body := testkit.JSONBodyVars(benchKeyListQuery(b), map[string]any{"first": size.keys})
			h := e.Server.Handler()
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", testkit.Bearer(owner.Token))
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK || strings.Contains(w.Body.String(), `"errors"`) {
					b.Fatalf("%d %.300s", w.Code, w.Body.String())
				}
			}
		})
	}
}

// benchKeyListQuery is Keyfob's section of the committed comparison queries.
func benchKeyListQuery(t testing.TB) string {
	raw, err := os.ReadFile(testkit.RepoPath("cmd/keyfob-vs-postgraphile/queries.graphql"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(raw), "#### keyfob\n")
	query, _, _ := strings.Cut(rest, "#### ")
	if strings.TrimSpace(query) == "" {
		t.Fatal("queries.graphql has no keyfob section")
	}
	return query
}

// seedKeyList gives one owner keys keys, each used by integrations
// integrations, flushed.
func seedKeyList(t testing.TB, e *testkit.Env, keys, integrations int) *testkit.User {
	owner := e.SignUp(t, "Key List")
	seedKeyListFor(t, e, owner, keys, integrations)
	return owner
}

// seedKeyListFor gives owner keys more keys, each used by integrations
// integrations, flushed, and returns their ids, oldest first.
func seedKeyListFor(t testing.TB, e *testkit.Env, owner *testkit.User, keys, integrations int) []string {
	var incs []db.UsageIncrement
	var ids []string
	at := time.Now().UTC()
	for k := range keys {
		id, _ := e.CreateKey(t, owner, "List "+strconv.Itoa(k))
		ids = append(ids, id)
		for m := range integrations {
			incs = append(incs, db.UsageIncrement{APIKeyID: id, Integration: "integration-" + strconv.Itoa(m), Requests: k + m + 1,
				FirstUsedAt: at.Add(-time.Hour), LastUsedAt: at.Add(-time.Duration(m) * time.Second)})
		}
	}
	if err := e.Store.RecordUsage(t.Context(), credential.NewID("flush"), incs); err != nil {
		t.Fatal(err)
	}
	return ids
}
