package httpapi

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

	"github.com/keyfob/keyfob/internal/config"
	"github.com/keyfob/keyfob/model"
	"github.com/keyfob/keyfob/querylimit"
)

// gqlgen files its own complexity code as a user error (HTTP 200 even under
// application/graphql-response+json); all of the query-shape codes are
// request errors, which the GraphQL-over-HTTP spec answers with 400.
func init() {
	for _, code := range []model.Code{model.CodeComplexityLimit, model.CodeDepthLimit, model.CodeAliasLimit, model.CodeFieldLimit, model.CodeIntrospectionLimit, model.CodeIntrospectionDisabled} {
		errcode.RegisterErrorType(string(code), errcode.KindProtocol)
	}
}

func refuse(w http.ResponseWriter, code model.Code, format string, args ...any) {
	writeError(w, &model.Error{Code: code, Message: fmt.Sprintf(format, args...)})
}

// graphQLOverHTTP enforces the GraphQL-over-HTTP spec's request rules before
// gqlgen sees a request: GET for queries only, POST only as JSON (no form or
// multipart bodies, which browsers send cross-site without a preflight), no
// batches, and bounded sizes. It also corrects gqlgen's status for request
// errors under application/json, where the spec wants 200, not 422.
func (s *Server) graphQLOverHTTP(next http.Handler) http.Handler {
	limits := s.cfg.QueryLimits
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

func checkGET(w http.ResponseWriter, r *http.Request, limits config.QueryLimits) bool {
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
		raw := q.Get(param)
		if !checkObjectParam(w, param, "the "+param+" parameter", []byte(raw), limits) {
			return false
		}
		if raw != "" && !json.Valid([]byte(raw)) {
			refuse(w, model.CodeBadRequest, "the %s parameter must be a JSON object", param)
			return false
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

func checkPOST(w http.ResponseWriter, r *http.Request, limits config.QueryLimits) bool {
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
	if !checkObjectParam(w, "variables", "variables in the request body", params.Variables, limits) ||
		!checkObjectParam(w, "extensions", "extensions in the request body", params.Extensions, limits) {
		return false
	}
	if len(params.Query) > limits.MaxQueryBytes {
		refuse(w, model.CodeBadRequest, "the query is longer than %d bytes", limits.MaxQueryBytes)
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return true
}

// checkObjectParam refuses a variables or extensions value that is not a
// JSON object, or that is larger than the variables limit, before anything
// decodes it: decoded, a mebibyte of "{}" takes twenty times its size.
func checkObjectParam(w http.ResponseWriter, name, where string, raw []byte, limits config.QueryLimits) bool {
	if len(raw) > limits.MaxVariablesBytes {
		code := model.CodeVariablesTooLarge
		if name != "variables" {
			code = model.CodePayloadTooLarge
		}
		refuse(w, code, "%s is larger than %d bytes of JSON", where, limits.MaxVariablesBytes)
		return false
	}
	if len(raw) > 0 && raw[0] != '{' && string(raw) != "null" {
		refuse(w, model.CodeBadRequest, "%s must be a JSON object", where)
		return false
	}
	return true
}

// jsonStatusWriter corrects gqlgen's answers to request errors (a
// document that does not parse or validate, or that a limit refuses) as
// the GraphQL-over-HTTP spec wants them: 200 under application/json, where
// gqlgen uses 422 (application/graphql-response+json's 4xx stay), and no
// "data" entry, since no execution began (gqlgen writes "data": null).
// gqlgen sets a status only for request errors; an executed operation's
// answer is written without one.
type jsonStatusWriter struct {
	http.ResponseWriter
	requestError bool
}

func (w *jsonStatusWriter) WriteHeader(status int) {
	w.requestError = true
	if status == http.StatusUnprocessableEntity && strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		status = http.StatusOK
	}
	w.ResponseWriter.WriteHeader(status)
}

// nullData is how gqlgen's JSON states that nothing executed. Quotes inside
// a JSON string are escaped, so these bytes can only be the member itself.
var nullData = []byte(`"data":null`)

func (w *jsonStatusWriter) Write(body []byte) (int, error) {
	if !w.requestError || !bytes.Contains(body, nullData) {
		return w.ResponseWriter.Write(body)
	}
	var members map[string]json.RawMessage
	if json.Unmarshal(body, &members) != nil {
		return w.ResponseWriter.Write(body)
	}
	delete(members, "data")
	without, err := json.Marshal(members)
	if err != nil {
		return w.ResponseWriter.Write(body)
	}
	if _, err := w.ResponseWriter.Write(without); err != nil {
		return 0, err
	}
	return len(body), nil
}

func (w *jsonStatusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// queryShapeLimit prices each operation before it runs. gqlgen has a
// complexity limit of its own, but it follows every fragment spread anew
// and leaves introspection out; these limits do neither.
type queryShapeLimit struct {
	limits config.QueryLimits
	// validated is gqlgen's query cache: it holds only documents that
	// passed validation, and so, first, the checks below.
	validated graphql.Cache[*ast.QueryDocument]
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
	graphql.OperationContextMutator
} = queryShapeLimit{}

func (queryShapeLimit) ExtensionName() string                   { return "QueryShapeLimit" }
func (queryShapeLimit) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters measures a new document before gqlgen
// validates it. Validation compares the fields of a selection set pairwise
// and follows every fragment spread, so a small document could cost
// seconds, or for ever, before any limit applied. Parsing and measuring
// are linear; a document validated before is neither parsed nor measured
// again.
func (l queryShapeLimit) MutateOperationParameters(ctx context.Context, params *graphql.RawParams) *gqlerror.Error {
	if _, ok := l.validated.Get(ctx, params.Query); ok {
		return nil
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: params.Query})
	if err != nil {
		return nil // gqlgen reports the parse error in its own words
	}
	shape := querylimit.Measure(doc, l.limits.MaxFields)
	if shape.Aliases > l.limits.MaxAliases {
		return limitError(model.CodeAliasLimit, "the operation uses %d aliases; the limit is %d", shape.Aliases, l.limits.MaxAliases)
	}
	if shape.Fields > l.limits.MaxFields {
		return limitError(model.CodeFieldLimit, "the operation selects more than %d fields once its fragments are expanded", l.limits.MaxFields)
	}
	if shape.IntrospectionAliased {
		return limitError(model.CodeIntrospectionLimit, "introspection fields cannot carry aliases: select __schema or __type once, without aliases")
	}
	if shape.Schemas > 1 {
		return limitError(model.CodeIntrospectionLimit, "a document may select __schema only once")
	}
	return nil
}

// pricing is how the schema's lists are costed: a connection by its page
// size, its totalCount as the COUNT query it is, ApiKey.dailyUsage by its
// days (a page of 100 keys with 90 days each is 9,000 entries), and
// Account.users (which has no page size) as if every account had usersCost
// users. users → account → users once grew as the users count to the power
// of the nesting, and a few aliases per level took gigabytes.
var pricing = querylimit.Pricing{
	PageArgument: "first", MaxPage: model.MaxPageSize,
	CountField: "totalCount", CountCost: totalCountCost,
	Unpaged: map[string]int{"Account.users": usersCost},
	SizedBy: map[string]querylimit.SizeArgument{"ApiKey.dailyUsage": {Name: "days", Max: model.MaxDailyUsageDays}},
}

const (
	// usersCost is how many users Account.users is costed as returning.
	usersCost = 100
	// totalCountCost is what a COUNT over a tenant's keys costs; 100 of
	// them in one request took seconds of database time from every other
	// tenant.
	totalCountCost = 100
)

func (l queryShapeLimit) MutateOperationContext(ctx context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	op := rc.Operation
	if op == nil {
		return nil
	}
	if rc.DisableIntrospection && querylimit.SelectsIntrospection(op) {
		return limitError(model.CodeIntrospectionDisabled, "introspection is switched off on this server")
	}
	depth, err := querylimit.Depth(ctx, op)
	if err != nil {
		return gqlerror.Errorf("the request ended before it was checked")
	}
	if depth > l.limits.MaxDepth {
		return limitError(model.CodeDepthLimit, "the operation nests deeper than %d levels", l.limits.MaxDepth)
	}
	cost, err := querylimit.Cost(ctx, op, rc.Variables, pricing)
	if err != nil {
		return gqlerror.Errorf("the request ended before it was checked")
	}
	if cost > l.limits.MaxComplexity {
		return limitError(model.CodeComplexityLimit, "operation has complexity %d, which exceeds the limit of %d", cost, l.limits.MaxComplexity)
	}
	return nil
}

func limitError(code model.Code, format string, args ...any) *gqlerror.Error {
	err := gqlerror.Errorf(format, args...)
	errcode.Set(err, string(code))
	return err
}
