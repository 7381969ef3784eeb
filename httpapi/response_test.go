package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/keyfob/keyfob/graph"
	"github.com/keyfob/keyfob/resolvers"
)

// writeResponse must send json.Marshal's bytes whichever way it takes.
func TestWriteResponseSendsJSONMarshalsBytes(t *testing.T) {
	hasNext := false
	errs := gqlerror.List{{Message: "a <b> & c", Path: ast.Path{ast.PathName("apiKeys")}, Extensions: map[string]any{"code": "NOT_FOUND"}}}
	cases := []struct {
		name   string
		resp   graphql.Response
		asItIs bool // written around the data, without json.Marshal
	}{
		{"plain data", graphql.Response{Data: json.RawMessage(`{"a":"x y","b":[1,2.5,true,null],"c":"q\"uo\\te \u00e9 é"}`)}, true},
		{"data and errors", graphql.Response{Data: json.RawMessage(`{"apiKeys":null}`), Errors: errs}, true},
		{"extensions", graphql.Response{Data: json.RawMessage(`{"a":1}`), Extensions: map[string]any{"cost": 3, "html": "<&>"}}, true},
		{"errors only", graphql.Response{Errors: errs}, false},
		{"null data", graphql.Response{Data: json.RawMessage(`null`), Errors: errs}, true},
		{"HTML characters", graphql.Response{Data: json.RawMessage(`{"name":"R&D <team>"}`)}, false},
		{"line separators", graphql.Response{Data: json.RawMessage("{\"name\":\"a\u2028b\u2029c\"}")}, false},
		{"whitespace outside strings", graphql.Response{Data: json.RawMessage("{\"a\": [1, 2],\n\"b\":\"x\"}")}, false},
		{"incremental delivery", graphql.Response{Data: json.RawMessage(`{"a":1}`), Label: "l", Path: ast.Path{ast.PathIndex(0)}, HasNext: &hasNext}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want, err := json.Marshal(&c.resp)
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			writeResponse(&got, &c.resp)
			if got.String() != string(want) {
				t.Fatalf("writeResponse wrote\n%s\njson.Marshal writes\n%s", got.String(), want)
			}
			if _, _, ok := responseAround(&c.resp); ok != c.asItIs {
				t.Fatalf("written around the data: %v, want %v", ok, c.asItIs)
			}
		})
	}
}

// postJSON answers as gqlgen's POST transport does, status, content type
// and bytes, through the real executor.
func TestPostJSONAnswersAsGqlgensPOST(t *testing.T) {
	s, _ := newTestServer(t)
	serve := func(tr graphql.Transport) http.Handler {
		srv := handler.New(graph.NewExecutableSchema(graph.Config{Resolvers: &resolvers.Resolver{DB: s.store}}))
		srv.AddTransport(tr)
		srv.SetErrorPresenter(s.presentError)
		return srv
	}
	ours, gqlgens := serve(postJSON{}), serve(transport.POST{})
	bodies := []string{
		`{"query":"{ __typename }"}`,
		`{"query":"query Q($n: String) { __typename a: __typename }","variables":{"n":"<x> & y"}}`,
		`{"query":"{ viewer { id } }"}`,
		`{"query":"{ nope }"}`,
		`{"query":"{"}`,
		`{"query":"{ __typename }","operationName":"Missing"}`,
		`{"query": 5}`,
		`not json`,
	}
	for _, body := range bodies {
		for _, accept := range []string{"", "application/json", "application/graphql-response+json", "*/*", "text/html", "application/graphql-response+json, application/json;q=0.9"} {
			answer := func(h http.Handler) (int, string, string) {
				r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
				r.Header.Set("Content-Type", "application/json")
				if accept != "" {
					r.Header.Set("Accept", accept)
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				b, _ := io.ReadAll(w.Result().Body)
				return w.Code, w.Header().Get("Content-Type"), string(b)
			}
			status, contentType, got := answer(ours)
			wantStatus, wantContentType, want := answer(gqlgens)
			if status != wantStatus || contentType != wantContentType || got != want {
				t.Errorf("%s (Accept %q): postJSON answered %d %s %s; gqlgen's POST %d %s %s",
					body, accept, status, contentType, got, wantStatus, wantContentType, want)
			}
		}
	}
}
