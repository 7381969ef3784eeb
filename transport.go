package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/keyfob/keyfob/authn"
	"github.com/keyfob/keyfob/model"
)

// queryLimits bound what one GraphQL request may ask for, so a crafted
// query cannot knock the service over.
type queryLimits struct {
	MaxBodyBytes  int64 // request body, for POST
	MaxQueryBytes int   // the query document itself
	MaxComplexity int   // gqlgen's complexity, list fields costed by `first`
	MaxDepth      int   // nesting of fields, introspection excepted
	MaxAliases    int   // aliased fields in the document
	MaxFields     int   // field selections in the document, as written
}

var defaultQueryLimits = queryLimits{
	MaxBodyBytes: 1 << 20, MaxQueryBytes: 32 << 10, MaxComplexity: 5000, MaxDepth: 10, MaxAliases: 100, MaxFields: 250,
}

// gqlgen files its own complexity code as a user error (HTTP 200 even under
// application/graphql-response+json); all of the query-shape codes are
// request errors, which the GraphQL-over-HTTP spec answers with 400.
func init() {
	for _, code := range []model.Code{model.CodeComplexityLimit, model.CodeDepthLimit, model.CodeAliasLimit, model.CodeFieldLimit, model.CodeIntrospectionDisabled} {
		errcode.RegisterErrorType(string(code), errcode.KindProtocol)
	}
}

func refuse(w http.ResponseWriter, code model.Code, format string, args ...any) {
	authn.WriteError(w, &model.Error{Code: code, Message: fmt.Sprintf(format, args...)})
}

// graphQLOverHTTP enforces the GraphQL-over-HTTP spec's request rules before
// gqlgen sees a request: GET for queries only, POST only as JSON (no form or
// multipart bodies, which browsers send cross-site without a preflight), no
// batches, and bounded sizes. It also corrects gqlgen's status for request
// errors under application/json, where the spec wants 200, not 422.
func (a *app) graphQLOverHTTP(next http.Handler) http.Handler {
	limits := a.cfg.QueryLimits
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
			if !checkGET(w, r, limits) {
				return
			}
		case http.MethodPost:
			if !checkPOST(w, r, limits) {
				return
			}
		case http.MethodOptions:
			w.Header().Set("Allow", "GET, POST, OPTIONS")
			w.WriteHeader(http.StatusNoContent)
			return
		default:
			w.Header().Set("Allow", "GET, POST, OPTIONS")
			refuse(w, model.CodeMethodNotAllowed, "use POST (or GET for queries)")
			return
		}
		next.ServeHTTP(&jsonStatusWriter{ResponseWriter: w}, r)
	})
}

func checkGET(w http.ResponseWriter, r *http.Request, limits queryLimits) bool {
	// URL.Query drops what it cannot decode, and gqlgen then reports the
	// decoding error without a code.
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		refuse(w, model.CodeBadRequest, "the URL's query string is malformed: use &-separated, percent-encoded parameters")
		return false
	}
	query := q.Get("query")
	if len(query) > limits.MaxQueryBytes {
		refuse(w, model.CodeBadRequest, "the query is longer than %d bytes", limits.MaxQueryBytes)
		return false
	}
	for _, param := range []string{"variables", "extensions"} {
		if raw := q.Get(param); raw != "" {
			var obj map[string]any
			if json.Unmarshal([]byte(raw), &obj) != nil {
				refuse(w, model.CodeBadRequest, "the %s parameter must be a JSON object", param)
				return false
			}
		}
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		return true // gqlgen reports the parse error in its own words
	}
	var op *ast.OperationDefinition
	if name := q.Get("operationName"); name != "" {
		op = doc.Operations.ForName(name)
	} else if len(doc.Operations) == 1 {
		op = doc.Operations[0]
	}
	if op != nil && op.Operation != ast.Query {
		w.Header().Set("Allow", "POST")
		refuse(w, model.CodeMethodNotAllowed, "%s operations need POST: GET may only run queries", op.Operation)
		return false
	}
	return true
}

func checkPOST(w http.ResponseWriter, r *http.Request, limits queryLimits) bool {
	// A malformed parameter ("application/json; charset") fails too:
	// gqlgen would refuse it with an uncoded "transport not supported".
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mediaType != "application/json" {
		refuse(w, model.CodeUnsupportedMediaType, "send the request as application/json")
		return false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limits.MaxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			refuse(w, model.CodePayloadTooLarge, "the request body is larger than %d bytes", limits.MaxBodyBytes)
		} else {
			refuse(w, model.CodeBadRequest, "the request body could not be read")
		}
		return false
	}
	if !utf8.Valid(body) {
		// encoding/json would quietly turn bad bytes into U+FFFD and store them.
		refuse(w, model.CodeBadRequest, "the request body must be valid UTF-8")
		return false
	}
	if trimmed := bytes.TrimLeft(body, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '[' {
		refuse(w, model.CodeBadRequest, "batched requests are not supported: send one operation per request")
		return false
	}
	// The shape is checked here so that a wrong type is named; gqlgen
	// would call it invalid JSON (its own message quotes the body, which
	// the error presenter therefore never shows).
	var params struct {
		Query         string          `json:"query"`
		OperationName string          `json:"operationName"`
		Variables     json.RawMessage `json:"variables"`
		Extensions    json.RawMessage `json:"extensions"`
	}
	if err := json.Unmarshal(body, &params); err != nil {
		var typeErr *json.UnmarshalTypeError
		switch {
		case errors.As(err, &typeErr) && typeErr.Field != "":
			refuse(w, model.CodeBadRequest, "%s in the request body must be a string", typeErr.Field)
		case errors.As(err, &typeErr):
			refuse(w, model.CodeBadRequest, "the request body must be a JSON object with a query")
		default:
			refuse(w, model.CodeBadRequest, "the request body is not valid JSON")
		}
		return false
	}
	for _, p := range []struct {
		name string
		raw  json.RawMessage
	}{{"variables", params.Variables}, {"extensions", params.Extensions}} {
		if len(p.raw) > 0 && p.raw[0] != '{' && string(p.raw) != "null" {
			refuse(w, model.CodeBadRequest, "%s in the request body must be a JSON object", p.name)
			return false
		}
	}
	if len(params.Query) > limits.MaxQueryBytes {
		refuse(w, model.CodeBadRequest, "the query is longer than %d bytes", limits.MaxQueryBytes)
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return true
}

// jsonStatusWriter answers request errors with 200 under application/json,
// as the GraphQL-over-HTTP spec asks (gqlgen uses 422 there), and leaves
// application/graphql-response+json's 4xx alone.
type jsonStatusWriter struct {
	http.ResponseWriter
}

func (w *jsonStatusWriter) WriteHeader(status int) {
	if status == http.StatusUnprocessableEntity && strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		status = http.StatusOK
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *jsonStatusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// queryShapeLimit refuses operations nested too deep, with too many aliases
// or with too many fields. gqlgen has complexity limits but none of these.
type queryShapeLimit struct {
	limits queryLimits
	// validated is gqlgen's query cache: it holds only documents that
	// passed validation, and so, first, the counts below.
	validated graphql.Cache[*ast.QueryDocument]
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
	graphql.OperationContextMutator
} = queryShapeLimit{}

func (queryShapeLimit) ExtensionName() string                   { return "QueryShapeLimit" }
func (queryShapeLimit) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters counts fields and aliases before gqlgen
// validates a new document. Validation compares the fields of a selection
// set pairwise, so 30 KB of one repeated alias cost a CPU-second (and
// trailing bytes let 250 KB through, for 25 s) before any limit applied.
// Parsing is linear; a document validated before is not parsed again.
func (l queryShapeLimit) MutateOperationParameters(ctx context.Context, params *graphql.RawParams) *gqlerror.Error {
	if _, ok := l.validated.Get(ctx, params.Query); ok {
		return nil
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: params.Query})
	if err != nil {
		return nil // gqlgen reports the parse error in its own words
	}
	fields, aliases := countSelections(doc)
	if aliases > l.limits.MaxAliases {
		return limitError(model.CodeAliasLimit, "the operation uses %d aliases; the limit is %d", aliases, l.limits.MaxAliases)
	}
	if fields > l.limits.MaxFields {
		return limitError(model.CodeFieldLimit, "the operation selects %d fields; the limit is %d", fields, l.limits.MaxFields)
	}
	return nil
}

func (l queryShapeLimit) MutateOperationContext(_ context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	op := rc.Doc.Operations.ForName(rc.OperationName)
	if op == nil {
		return nil
	}
	if rc.DisableIntrospection && selectsIntrospection(op.SelectionSet) {
		return limitError(model.CodeIntrospectionDisabled, "introspection is switched off on this server")
	}
	if depth := selectionDepth(op.SelectionSet, 0, l.limits.MaxDepth+1); depth > l.limits.MaxDepth {
		return limitError(model.CodeDepthLimit, "the operation nests deeper than %d levels", l.limits.MaxDepth)
	}
	return nil
}

func limitError(code model.Code, format string, args ...any) *gqlerror.Error {
	err := gqlerror.Errorf(format, args...)
	errcode.Set(err, string(code))
	return err
}

// selectsIntrospection reports whether a root selection asks for the schema.
func selectsIntrospection(set ast.SelectionSet) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "__schema" || s.Name == "__type" {
				return true
			}
		case *ast.InlineFragment:
			if selectsIntrospection(s.SelectionSet) {
				return true
			}
		case *ast.FragmentSpread:
			if s.Definition != nil && selectsIntrospection(s.Definition.SelectionSet) {
				return true
			}
		}
	}
	return false
}

// countSelections counts field selections and aliases as written in the
// document (fragments once each), so repeating a field costs like asking it.
func countSelections(doc *ast.QueryDocument) (fields, aliases int) {
	var walk func(ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				fields++
				if s.Alias != "" && s.Alias != s.Name {
					aliases++
				}
				walk(s.SelectionSet)
			case *ast.InlineFragment:
				walk(s.SelectionSet)
			case *ast.FragmentSpread:
				// Validation compares spreads pairwise too, so each counts
				// as a field: 8,000 spreads of two tiny fragments cost half
				// a CPU-second to validate.
				fields++
			}
		}
	}
	for _, op := range doc.Operations {
		walk(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		walk(f.SelectionSet)
	}
	return fields, aliases
}

// selectionDepth is the deepest nesting below set, following fragments,
// stopping once it passes stop. Introspection fields do not count: tools
// such as GraphiQL legitimately nest type references deeply.
func selectionDepth(set ast.SelectionSet, depth, stop int) int {
	deepest := depth
	if depth >= stop {
		return depth
	}
	for _, sel := range set {
		var child int
		switch s := sel.(type) {
		case *ast.Field:
			if strings.HasPrefix(s.Name, "__") {
				continue
			}
			child = selectionDepth(s.SelectionSet, depth+1, stop)
		case *ast.InlineFragment:
			child = selectionDepth(s.SelectionSet, depth, stop)
		case *ast.FragmentSpread:
			if s.Definition != nil {
				child = selectionDepth(s.Definition.SelectionSet, depth, stop)
			}
		}
		deepest = max(deepest, child)
	}
	return deepest
}
