package api

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/keyfob/keyfob/internal/config"
	"github.com/keyfob/keyfob/internal/hostile"
	"github.com/keyfob/keyfob/internal/testkit"
	"github.com/keyfob/keyfob/model"
)

// Each abuse limit answers with a coded error and the status the
// GraphQL-over-HTTP spec gives for the response's media type.
func TestQueryLimits(t *testing.T) {
	e := testkit.NewEnv(t, "sqlite", nil)
	owner := e.SignUp(t, "Limits")
	auth := map[string]string{"Authorization": testkit.Bearer(owner.Token)}

	var aliases strings.Builder
	aliases.WriteString("{")
	for i := range 101 {
		aliases.WriteString(" a" + strings.Repeat("x", i%3) + testkit.Itoa(i) + ": viewer { id }")
	}
	aliases.WriteString(" }")
	deep := "{ viewer " + strings.Repeat("{ account { users ", 6) + "{ id }" + strings.Repeat(" } }", 6) + " }"
	duplicated := "{ viewer {" + strings.Repeat(" id", 500) + " } }"
	page := "apiKeys(first: 100) { nodes { owner { account { users { id name email role } } } usageByIntegration { integration requestCount lastUsedAt firstUsedAt } } }"
	complex := "{ a: " + page + " b: " + page + " c: " + page + " d: " + page + " }"

	cases := []struct {
		name, query, code string
	}{
		{"101 aliases", aliases.String(), string(model.CodeAliasLimit)},
		{"deep nesting", deep, string(model.CodeDepthLimit)},
		{"500 duplicated fields", duplicated, string(model.CodeFieldLimit)},
		{"complexity", complex, string(model.CodeComplexityLimit)},
		// users inside users grew as the users count to the power of the
		// nesting: 3 aliases a level took 1.9 GB for a 12-user account.
		{"users within users", "{ viewer { account { users { account { users { id } } } } } }", string(model.CodeComplexityLimit)},
		{"aliased users within users", "{ account { a: users { account { users { id } } } b: users { id } } }", string(model.CodeComplexityLimit)},
		// Too many aliases are refused before validation, whose cost grows
		// with the square of a selection set's fields: the alias limit
		// answers even though the document does not validate.
		{"aliases checked before validation", "{" + strings.Repeat(" a: __typename", 2000) + " nope }", string(model.CodeAliasLimit)},
		// Validation compares fragment spreads pairwise as well.
		{"spreads checked before validation", "{" + strings.Repeat(" ...F ...G", 2000) + " nope } fragment F on Query { __typename } fragment G on Query { __typename }", string(model.CodeFieldLimit)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for accept, status := range map[string]int{"application/json": 200, "application/graphql-response+json": 400} {
				h := map[string]string{"Accept": accept, "Authorization": auth["Authorization"]}
				got, header, body := e.Raw(t, "POST", "/graphql", "application/json", testkit.JSONBody(c.query), h)
				if got != status || testkit.ErrorCode(t, body) != c.code {
					t.Fatalf("Accept %s: %d %s, want %d %s", accept, got, body, status, c.code)
				}
				if !strings.HasPrefix(header.Get("Content-Type"), accept) {
					t.Fatalf("Accept %s answered as %s", accept, header.Get("Content-Type"))
				}
			}
		})
	}

	t.Run("one list of users is affordable", func(t *testing.T) {
		q := "{ account { users { id name email role apiAccess } } apiKeys(first: 50) { nodes { id name last4 createdAt lastUsedAt owner { name } usageByIntegration { integration lastUsedAt requestCount } } } }"
		if got, _, body := e.Raw(t, "POST", "/graphql", "application/json", testkit.JSONBody(q), auth); got != 200 || strings.Contains(body, "errors") {
			t.Fatalf("the Admin > API page's query: %d %s", got, body)
		}
	})
	t.Run("introspection is not limited by depth", func(t *testing.T) {
		q := `{ __schema { types { name fields { name type { name ofType { name ofType { name ofType { name ofType { name ofType { name ofType { name ofType { name } } } } } } } } } } } }`
		if got, _, body := e.Raw(t, "POST", "/graphql", "application/json", testkit.JSONBody(q), nil); got != 200 || strings.Contains(body, "errors") {
			t.Fatalf("deep introspection: %d %s", got, body)
		}
	})
	t.Run("oversized body", func(t *testing.T) {
		big := `{"query":"{ __typename }","variables":{"pad":"` + strings.Repeat("x", 1<<20) + `"}}`
		got, _, body := e.Raw(t, "POST", "/graphql", "application/json", big, nil)
		if got != http.StatusRequestEntityTooLarge || testkit.ErrorCode(t, body) != "PAYLOAD_TOO_LARGE" {
			t.Fatalf("oversized body: %d %s", got, body)
		}
	})
	t.Run("long query", func(t *testing.T) {
		q := "{ __typename " + strings.Repeat("# padding\n", 4000) + "}"
		got, _, body := e.Raw(t, "POST", "/graphql", "application/json", testkit.JSONBody(q), nil)
		if got != http.StatusBadRequest || testkit.ErrorCode(t, body) != "BAD_REQUEST" {
			t.Fatalf("long query: %d %s", got, body)
		}
	})
	t.Run("array batch", func(t *testing.T) {
		batch := "[" + testkit.JSONBody("{ __typename }") + "," + testkit.JSONBody("{ __typename }") + "]"
		got, _, body := e.Raw(t, "POST", "/graphql", "application/json", batch, nil)
		if got != http.StatusBadRequest || testkit.ErrorCode(t, body) != "BAD_REQUEST" || !strings.Contains(body, "batch") {
			t.Fatalf("batch: %d %s", got, body)
		}
	})
	t.Run("suggestions off outside development", func(t *testing.T) {
		dev := testkit.NewEnv(t, "sqlite", func(c *config.Config) { c.Development = true })
		for _, query := range []string{
			"{ viewr { id } }",                     // a field
			`{ apiKeys(frist: 1) { totalCount } }`, // an argument
			`mutation { logIn(input: {emial: "a@b.co", password: "x"}) { token } }`,                // an input field
			`mutation { logIn(input: {email: "a@b.co", password: "x", client: MOBIL}) { token } }`, // an enum value
		} {
			_, _, body := e.Raw(t, "POST", "/graphql", "application/json", testkit.JSONBody(query), nil)
			if strings.Contains(body, "Did you mean") || testkit.ErrorCode(t, body) != "GRAPHQL_VALIDATION_FAILED" {
				t.Errorf("%s: %s", query, body)
			}
			if _, _, body := dev.Raw(t, "POST", "/graphql", "application/json", testkit.JSONBody(query), nil); !strings.Contains(body, "Did you mean") {
				t.Errorf("development mode should suggest for %s: %s", query, body)
			}
		}
	})
}

func TestGraphQLOverHTTP(t *testing.T) {
	e := testkit.NewEnv(t, "sqlite", nil)
	owner := e.SignUp(t, "Transport")
	auth := map[string]string{"Authorization": testkit.Bearer(owner.Token)}
	keysBefore := e.RowCounts(t)["api_keys"]

	t.Run("GET runs queries", func(t *testing.T) {
		got, _, body := e.Raw(t, "GET", "/graphql?query="+url.QueryEscape("{ viewer { id } }"), "", "", auth)
		if got != 200 || !strings.Contains(body, owner.ID) {
			t.Fatalf("GET query: %d %s", got, body)
		}
	})
	t.Run("GET mutation is 405 and runs nothing", func(t *testing.T) {
		q := url.QueryEscape(`mutation { createApiKey(input: {name: "via GET"}) { secret } }`)
		got, header, body := e.Raw(t, "GET", "/graphql?query="+q, "", "", auth)
		if got != http.StatusMethodNotAllowed || testkit.ErrorCode(t, body) != "METHOD_NOT_ALLOWED" || header.Get("Allow") != "POST" {
			t.Fatalf("GET mutation: %d %v %s", got, header, body)
		}
		named := url.QueryEscape(`query Q { viewer { id } } mutation M { logOut }`)
		if got, _, _ := e.Raw(t, "GET", "/graphql?operationName=M&query="+named, "", "", auth); got != http.StatusMethodNotAllowed {
			t.Fatalf("GET of a named mutation: %d", got)
		}
		if n := e.RowCounts(t)["api_keys"]; n != keysBefore {
			t.Fatalf("a GET mutation created a key")
		}
		e.MustDo(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: `{ viewer { id } }`}) // the session survived logOut over GET
	})
	t.Run("GET with bad variables", func(t *testing.T) {
		got, _, body := e.Raw(t, "GET", "/graphql?query="+url.QueryEscape("{ __typename }")+"&variables=%7Bnope", "", "", nil)
		if got != http.StatusBadRequest || testkit.ErrorCode(t, body) != "BAD_REQUEST" {
			t.Fatalf("bad variables: %d %s", got, body)
		}
	})
	t.Run("a malformed query string or content type is coded", func(t *testing.T) {
		for _, rawQuery := range []string{"query=%ZZ", "query=%7B__typename%7D;x"} {
			got, _, body := e.Raw(t, "GET", "/graphql?"+rawQuery, "", "", nil)
			if got != http.StatusBadRequest || testkit.ErrorCode(t, body) != "BAD_REQUEST" {
				t.Errorf("GET ?%s: %d %s", rawQuery, got, body)
			}
		}
		got, _, body := e.Raw(t, "POST", "/graphql", "application/json; charset", testkit.JSONBody("{ __typename }"), nil)
		if got != http.StatusUnsupportedMediaType || testkit.ErrorCode(t, body) != "UNSUPPORTED_MEDIA_TYPE" {
			t.Errorf("malformed Content-Type: %d %s", got, body)
		}
		if got, _, body := e.Raw(t, "POST", "/graphql", "application/json; charset=utf-8", testkit.JSONBody("{ __typename }"), nil); got != 200 || !strings.Contains(body, `"Query"`) {
			t.Errorf("a well-formed charset parameter: %d %s", got, body)
		}
	})
	t.Run("form-encoded and multipart POSTs are refused", func(t *testing.T) {
		form := url.Values{"query": {`mutation { createApiKey(input: {name: "csrf"}) { secret } }`}}.Encode()
		got, _, body := e.Raw(t, "POST", "/graphql", "application/x-www-form-urlencoded", form, auth)
		if got != http.StatusUnsupportedMediaType || testkit.ErrorCode(t, body) != "UNSUPPORTED_MEDIA_TYPE" {
			t.Fatalf("form POST: %d %s", got, body)
		}
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("operations", testkit.JSONBody(`mutation { createApiKey(input: {name: "csrf"}) { secret } }`))
		mw.Close()
		if got, _, _ := e.Raw(t, "POST", "/graphql", mw.FormDataContentType(), buf.String(), auth); got != http.StatusUnsupportedMediaType {
			t.Fatalf("multipart POST: %d", got)
		}
		if got, _, _ := e.Raw(t, "POST", "/graphql", "text/plain", testkit.JSONBody("{ __typename }"), nil); got != http.StatusUnsupportedMediaType {
			t.Fatalf("text/plain POST: %d", got)
		}
		if n := e.RowCounts(t)["api_keys"]; n != keysBefore {
			t.Fatalf("a refused POST created a key")
		}
	})
	t.Run("a body of the wrong shape is named, not called invalid JSON", func(t *testing.T) {
		for body, want := range map[string]string{
			`{"query": 5}`: "query in the request body must be a string",
			`{"query": "{ __typename }", "operationName": true}`: "operationName in the request body must be a string",
			`{"query": "{ __typename }", "variables": "x"}`:      "variables in the request body must be a JSON object",
			`{"query": "{ __typename }", "extensions": [1]}`:     "extensions in the request body must be a JSON object",
			`"{ __typename }"`:              "the request body must be a JSON object with a query",
			`{"query": "{ __typename }"`:    "the request body is not valid JSON",
			`{"query": "{ __typename }"} x`: "the request body is not valid JSON",
		} {
			got, _, resp := e.Raw(t, "POST", "/graphql", "application/json", body, nil)
			if got != http.StatusBadRequest || testkit.ErrorCode(t, resp) != "BAD_REQUEST" || !strings.Contains(resp, want) {
				t.Errorf("%s: %d %s; want 400 BAD_REQUEST %q", body, got, resp, want)
			}
		}
		if got, _, resp := e.Raw(t, "POST", "/graphql", "application/json", `{"query": "{ __typename }", "variables": null, "operationName": null}`, nil); got != 200 || !strings.Contains(resp, `"Query"`) {
			t.Errorf("null variables and operationName are allowed: %d %s", got, resp)
		}
	})
	t.Run("a number that is no Int is named as such", func(t *testing.T) {
		for _, value := range []string{"1.5", "1e20"} {
			body := `{"query": "query($f: Int) { apiKeys(first: $f) { totalCount } }", "variables": {"f": ` + value + `}}`
			_, _, resp := e.Raw(t, "POST", "/graphql", "application/json", body, auth)
			if testkit.ErrorCode(t, resp) != "GRAPHQL_VALIDATION_FAILED" || !strings.Contains(resp, "variable $f must be an Int") {
				t.Errorf("first: %s gave %s", value, resp)
			}
		}
	})
	t.Run("paths and methods nothing serves answer coded JSON", func(t *testing.T) {
		for _, path := range []string{"/nope", "/graphql/", "/auth", "/healthz/x", "/playground/assets/nope.js", "/noop"} {
			got, header, body := e.Raw(t, "GET", path, "", "", nil)
			if got != http.StatusNotFound || testkit.ErrorCode(t, body) != "NOT_FOUND" || !strings.HasPrefix(header.Get("Content-Type"), "application/json") {
				t.Errorf("GET %s: %d %s %s", path, got, header.Get("Content-Type"), body)
			}
		}
		got, header, body := e.Raw(t, "POST", "/healthz", "", "", nil)
		if got != http.StatusMethodNotAllowed || testkit.ErrorCode(t, body) != "METHOD_NOT_ALLOWED" || !strings.Contains(header.Get("Allow"), "GET") {
			t.Errorf("POST /healthz: %d %v %s", got, header, body)
		}
	})
	t.Run("other methods", func(t *testing.T) {
		got, header, _ := e.Raw(t, "OPTIONS", "/graphql", "", "", nil)
		if got != http.StatusNoContent || header.Get("Allow") != "GET, POST, OPTIONS" {
			t.Fatalf("OPTIONS: %d %v", got, header)
		}
		if got, _, body := e.Raw(t, "PUT", "/graphql", "application/json", testkit.JSONBody("{ __typename }"), nil); got != http.StatusMethodNotAllowed || testkit.ErrorCode(t, body) != "METHOD_NOT_ALLOWED" {
			t.Fatalf("PUT: %d %s", got, body)
		}
	})
	t.Run("status by media type", func(t *testing.T) {
		for _, c := range []struct {
			accept, query string
			Status        int
			contentType   string
		}{
			{"application/json", "{ nope }", 200, "application/json"},
			{"application/graphql-response+json", "{ nope }", 400, "application/graphql-response+json"},
			{"application/json", "{ broken", 200, "application/json"},
			{"application/graphql-response+json", "{ broken", 400, "application/graphql-response+json"},
			{"application/graphql-response+json", "{ __typename }", 200, "application/graphql-response+json"},
			{"", "{ __typename }", 200, "application/json"},
		} {
			got, header, body := e.Raw(t, "POST", "/graphql", "application/json", testkit.JSONBody(c.query), map[string]string{"Accept": c.accept})
			if got != c.Status || !strings.HasPrefix(header.Get("Content-Type"), c.contentType) {
				t.Fatalf("Accept %q, %q: %d %s %s", c.accept, c.query, got, header.Get("Content-Type"), body)
			}
		}
	})
}

func TestCORS(t *testing.T) {
	// By default no origin may call from a browser: any page could
	// otherwise run logIn from its visitors' browsers and read the answer.
	closed := testkit.NewEnv(t, "sqlite", nil)
	for _, method := range []string{"OPTIONS", "POST"} {
		_, header, _ := closed.Raw(t, method, "/graphql", "application/json", testkit.JSONBody("{ __typename }"), map[string]string{
			"Origin": "https://evil.example.net", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type",
		})
		if got := header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Fatalf("%s with no -cors-origins allowed origin %q", method, got)
		}
	}

	e := testkit.NewEnv(t, "sqlite", func(c *config.Config) { c.CORSOrigins = []string{"https://app.example.com"} })
	preflight := func(origin string) http.Header {
		_, header, _ := e.Raw(t, "OPTIONS", "/graphql", "", "", map[string]string{
			"Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization, content-type, x-system",
		})
		return header
	}
	allowed := preflight("https://app.example.com")
	if allowed.Get("Access-Control-Allow-Origin") != "https://app.example.com" ||
		!strings.Contains(strings.ToLower(allowed.Get("Access-Control-Allow-Headers")), "authorization") ||
		allowed.Get("Access-Control-Allow-Credentials") != "" {
		t.Fatalf("allowed origin preflight: %v", allowed)
	}
	if refused := preflight("https://evil.example.net"); refused.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("refused origin preflight got %v", refused)
	}
	_, header, _ := e.Raw(t, "POST", "/graphql", "application/json", testkit.JSONBody("{ __typename }"), map[string]string{"Origin": "https://app.example.com"})
	if header.Get("Access-Control-Allow-Origin") != "https://app.example.com" {
		t.Fatalf("actual request from an allowed origin: %v", header)
	}
}

func TestIntrospectionAndPlaygroundSwitches(t *testing.T) {
	on := testkit.NewEnv(t, "sqlite", nil)
	if got, _, body := on.Raw(t, "GET", "/", "", "", nil); got != 200 || !strings.Contains(body, "<html") {
		t.Fatalf("playground on by default: %d", got)
	}
	if _, _, body := on.Raw(t, "POST", "/graphql", "application/json", testkit.JSONBody("{ __schema { queryType { name } } }"), nil); !strings.Contains(body, `"Query"`) {
		t.Fatalf("introspection on by default: %s", body)
	}
	off := testkit.NewEnv(t, "sqlite", func(c *config.Config) { c.Introspection, c.Playground = false, false })
	if got, _, _ := off.Raw(t, "GET", "/", "", "", nil); got != http.StatusNotFound {
		t.Fatalf("playground off: %d", got)
	}
	if _, _, body := off.Raw(t, "POST", "/graphql", "application/json", testkit.JSONBody("{ __schema { queryType { name } } }"), nil); strings.Contains(body, `"Query"`) || testkit.ErrorCode(t, body) != string(model.CodeIntrospectionDisabled) {
		t.Fatalf("introspection off: %s", body)
	}
	if _, _, body := off.Raw(t, "POST", "/graphql", "application/json", testkit.JSONBody("{ __typename }"), nil); !strings.Contains(body, `"Query"`) {
		t.Fatalf("__typename is not introspection: %s", body)
	}
}

// A request error (a document that does not parse, does not validate, or
// that a limit refuses) gets a response without a data entry, under both
// media types, since no execution began; an operation that executed keeps
// its data, null or not.
func TestRequestErrorsHaveNoDataEntry(t *testing.T) {
	e := testkit.NewEnv(t, "sqlite", nil)
	members := func(t *testing.T, body string) map[string]json.RawMessage {
		t.Helper()
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			t.Fatalf("not JSON: %s", body)
		}
		return m
	}
	for _, accept := range []string{"application/json", "application/graphql-response+json"} {
		for _, c := range []struct{ name, query, code string }{
			{"parse failure", "{ viewer { id }", "GRAPHQL_PARSE_FAILED"},
			{"validation failure", "{ nope }", "GRAPHQL_VALIDATION_FAILED"},
			{"refused by a limit", hostile.Doubling(40), "FIELD_LIMIT_EXCEEDED"},
		} {
			for _, method := range []string{"POST", "GET"} {
				var status int
				var body string
				if method == "POST" {
					status, _, body = e.Raw(t, "POST", "/graphql", "application/json", testkit.JSONBody(c.query), map[string]string{"Accept": accept})
				} else {
					status, _, body = e.Raw(t, "GET", "/graphql?query="+url.QueryEscape(c.query), "", "", map[string]string{"Accept": accept})
				}
				m := members(t, body)
				if _, has := m["data"]; has || testkit.ErrorCode(t, body) != c.code {
					t.Errorf("%s %s under %s: %d %s, want errors only, code %s", method, c.name, accept, status, body, c.code)
				}
			}
		}
		// Executed: an error inside execution keeps "data".
		status, _, body := e.Raw(t, "POST", "/graphql", "application/json", testkit.JSONBody("{ apiKeys { totalCount } }"), map[string]string{"Accept": accept})
		if _, has := members(t, body)["data"]; !has || status != 200 {
			t.Errorf("an executed operation under %s lost its data entry: %d %s", accept, status, body)
		}
	}
}
