package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/keyfob/keyfob/model"
)

// statusOf is the HTTP status that answers a request refused before
// GraphQL runs, by its error code. It is the one place a code becomes a
// status.
func statusOf(code model.Code) int {
	switch code {
	case model.CodeUnauthenticated:
		return http.StatusUnauthorized
	case model.CodeForbidden:
		return http.StatusForbidden
	case model.CodeNotFound:
		return http.StatusNotFound
	case model.CodeBadUserInput, model.CodeBadRequest:
		return http.StatusBadRequest
	case model.CodeRateLimited:
		return http.StatusTooManyRequests
	case model.CodeUnavailable, model.CodeOverloaded:
		return http.StatusServiceUnavailable
	case model.CodeMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case model.CodePayloadTooLarge, model.CodeVariablesTooLarge:
		return http.StatusRequestEntityTooLarge
	case model.CodeUnsupportedMediaType:
		return http.StatusUnsupportedMediaType
	}
	return http.StatusInternalServerError
}

// writeError answers with a GraphQL-shaped error body, so that GraphQL
// clients read a refusal as they read any other error.
func writeError(w http.ResponseWriter, err error) {
	e := asDomain(err)
	ext := map[string]any{"code": e.Code}
	if e.Field != "" {
		ext["field"] = e.Field
	}
	if seconds := e.RetryAfterSeconds(); seconds > 0 {
		ext["retryAfterSeconds"] = seconds
	}
	writeJSON(w, e, map[string]any{
		"errors": []map[string]any{{"message": e.Message, "extensions": ext}},
	})
}

func asDomain(err error) *model.Error {
	var e *model.Error
	if !errors.As(err, &e) {
		e = &model.Error{Code: model.CodeInternal, Message: "internal error"}
	}
	return e
}

// writeJSON answers e's status with body, and the headers that go with
// the code: a challenge for UNAUTHENTICATED, Retry-After when known.
func writeJSON(w http.ResponseWriter, e *model.Error, body any) {
	if e.Code == model.CodeUnauthenticated {
		// Bearer, not Basic: Basic makes browsers pop up a login dialog.
		w.Header().Set("WWW-Authenticate", `Bearer realm="keyfob"`)
	}
	if seconds := e.RetryAfterSeconds(); seconds > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(seconds))
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(statusOf(e.Code))
	_ = json.NewEncoder(w).Encode(body)
}
