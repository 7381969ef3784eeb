package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// postJSON is gqlgen's POST transport (transport.POST, whose Supports it
// keeps) with one change: an executed operation's answer is written
// around its data, not through json.Marshal. gqlgen's executor has
// already written the data as compact JSON; json.Marshal scans all of it
// again, byte by byte, to validate and compact it, and copies it: about a
// tenth of the CPU of a long key list. The bytes sent are json.Marshal's
// (writeResponse falls back to it for anything it would change), so that
// clients, tests and jsonStatusWriter see the same answers.
type postJSON struct{ transport.POST }

var _ graphql.Transport = postJSON{}

func (postJSON) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	contentType := responseContentType(r)
	w.Header().Add("Content-Type", contentType)

	start := graphql.Now()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeResponse(w, exec.DispatchError(ctx, gqlerror.List{gqlerror.Errorf("could not read request body: %+v", err)}))
		return
	}
	params := &graphql.RawParams{}
	decoder := json.NewDecoder(bytes.NewReader(body))
	decoder.UseNumber()
	if err := decoder.Decode(params); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		gqlErr := gqlerror.Errorf("json request body could not be decoded: %+v body:%s", err, string(body))
		writeResponse(w, exec.DispatchError(ctx, gqlerror.List{gqlErr}))
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	rc, opErr := exec.CreateOperationContext(ctx, params)
	if opErr != nil {
		w.WriteHeader(requestErrorStatus(contentType, opErr))
		writeResponse(w, exec.DispatchError(graphql.WithOperationContext(ctx, rc), opErr))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	writeResponse(w, responses(ctx))
}

// responseContentType is gqlgen's choice for a POST transport without
// explicit headers: application/json unless the client asks only for
// application/graphql-response+json (or for nothing it names).
func responseContentType(r *http.Request) string {
	const graphQLResponse = "application/graphql-response+json"
	accept := r.Header.Get("Accept")
	if accept == "" {
		return "application/json"
	}
	for part := range strings.SplitSeq(accept, ",") {
		mediaType, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mediaType {
		case "*/*", "application/*", "application/json":
			return "application/json"
		case graphQLResponse:
			return graphQLResponse
		}
	}
	return graphQLResponse
}

// requestErrorStatus is gqlgen's status for a request error: 422 under
// application/json (which jsonStatusWriter turns into 200), 400 under
// application/graphql-response+json, 200 for an error that is not a
// request error.
func requestErrorStatus(contentType string, errs gqlerror.List) int {
	if errcode.GetErrorKind(errs) != errcode.KindProtocol {
		return http.StatusOK
	}
	if contentType == "application/json" {
		return http.StatusUnprocessableEntity
	}
	return http.StatusBadRequest
}

// writeResponse writes resp as json.Marshal would. When the data needs no
// compacting or HTML escaping (json.Marshal's two changes to a
// json.RawMessage), it is written as it is, between the members that
// json.Marshal would write before and after it; otherwise the whole
// response goes through json.Marshal.
func writeResponse(w io.Writer, resp *graphql.Response) {
	if head, tail, ok := responseAround(resp); ok {
		_, _ = w.Write(head)
		_, _ = w.Write(resp.Data)
		_, _ = w.Write(tail)
		return
	}
	b, err := json.Marshal(resp)
	if err != nil {
		panic(fmt.Errorf("unable to marshal %s: %w", string(resp.Data), err))
	}
	_, _ = w.Write(b)
}

// responseAround returns the JSON that goes before and after resp.Data,
// or false if resp.Data or a member it does not write (those of
// incremental delivery) needs json.Marshal.
func responseAround(resp *graphql.Response) (head, tail []byte, ok bool) {
	if len(resp.Data) == 0 || resp.Label != "" || resp.Path != nil || resp.HasNext != nil || !marshalsAsIs(resp.Data) {
		return nil, nil, false
	}
	head = append(head, '{')
	if len(resp.Errors) > 0 {
		errs, err := json.Marshal(resp.Errors)
		if err != nil {
			return nil, nil, false
		}
		head = append(append(append(head, `"errors":`...), errs...), ',')
	}
	head = append(head, `"data":`...)
	if len(resp.Extensions) > 0 {
		ext, err := json.Marshal(resp.Extensions)
		if err != nil {
			return nil, nil, false
		}
		tail = append(append(tail, `,"extensions":`...), ext...)
	}
	return head, append(tail, '}'), true
}

// marshalsAsIs reports whether json.Marshal would copy data unchanged: it
// has no whitespace outside strings (which compacting drops) and none of
// the characters json.Marshal escapes for HTML (<, >, &, U+2028, U+2029).
// The data is gqlgen's own output, so it is taken to be valid JSON.
func marshalsAsIs(data []byte) bool {
	inString := false
	for i := 0; i < len(data); i++ {
		c := data[i]
		if !marshalSensitive[c] {
			continue
		}
		switch {
		case c == '<' || c == '>' || c == '&':
			return false
		case c == 0xE2:
			if i+2 < len(data) && data[i+1] == 0x80 && data[i+2]&^1 == 0xA8 {
				return false
			}
		case inString:
			if c == '\\' {
				i++
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		default: // whitespace outside a string
			return false
		}
	}
	return !inString
}

// marshalSensitive marks the bytes marshalsAsIs looks at; the rest (most
// of an answer) it passes over with one look-up each.
var marshalSensitive = func() (t [256]bool) {
	for _, c := range []byte("<>&\xe2\"\\ \t\n\r") {
		t[c] = true
	}
	return t
}()
