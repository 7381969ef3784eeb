package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// In-process benchmarks of whole requests through the real handler
// (`go test -run '^$' -bench . -benchmem`): the GraphQL cost of key
// authentication against an anonymous baseline, without network noise.

func benchRequests(b *testing.B) (http.Handler, string) {
	b.Helper()
	t := &testing.T{}
	e := newTestEnv(t, "sqlite", func(c *config) { c.RateLimits.PerKey = 1 << 30 })
	owner := e.SignUp(t, "Bench")
	_, secret := e.CreateKey(t, owner, "Bench")
	b.Cleanup(func() { e.App.close(b.Context()) })
	return e.App.handler(), secret
}

func benchmarkGraphQL(b *testing.B, query, auth string, h http.Handler) {
	body := jsonBody(query)
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
		if w.Code != http.StatusOK || strings.Contains(w.Body.String(), `"errors"`) {
			b.Fatalf("%d %s", w.Code, w.Body.String())
		}
	}
}

func BenchmarkGraphQLTypenameAnonymous(b *testing.B) {
	h, _ := benchRequests(b)
	benchmarkGraphQL(b, "{ __typename }", "", h)
}

func BenchmarkGraphQLViewerWithKey(b *testing.B) {
	h, secret := benchRequests(b)
	benchmarkGraphQL(b, "{ viewer { id } }", Bearer(secret), h)
}
