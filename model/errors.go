package model

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Code is the machine-readable reason an operation failed. It reaches
// clients as extensions.code, so each value is part of the public API.
type Code string

const (
	CodeUnauthenticated   Code = "UNAUTHENTICATED"
	CodeForbidden         Code = "FORBIDDEN"
	CodeNotFound          Code = "NOT_FOUND"
	CodeBadUserInput      Code = "BAD_USER_INPUT"
	CodeAPIAccessDisabled Code = "API_ACCESS_DISABLED"
	CodePowerUpRequired   Code = "POWER_UP_REQUIRED"
	CodeRateLimited       Code = "RATE_LIMITED"
	CodeUnavailable       Code = "UNAVAILABLE"
	CodeInternal          Code = "INTERNAL"
)

// Protocol codes: the HTTP request itself is unacceptable, so no GraphQL
// runs. (Parse and validation failures keep gqlgen's own codes.)
const (
	CodeBadRequest           Code = "BAD_REQUEST"
	CodeMethodNotAllowed     Code = "METHOD_NOT_ALLOWED"
	CodePayloadTooLarge      Code = "PAYLOAD_TOO_LARGE"
	CodeUnsupportedMediaType Code = "UNSUPPORTED_MEDIA_TYPE"
	CodeVariablesTooLarge    Code = "VARIABLES_TOO_LARGE"
	// CodeOverloaded: every execution slot is taken (the database being
	// down is UNAVAILABLE).
	CodeOverloaded Code = "OVERLOADED"
)

// Query-shape codes: the operation asks for too much, or for introspection
// while it is off, so it is refused before it runs. COMPLEXITY_LIMIT_EXCEEDED
// is gqlgen's own code, kept so that its clients know it.
const (
	CodeComplexityLimit       Code = "COMPLEXITY_LIMIT_EXCEEDED"
	CodeDepthLimit            Code = "DEPTH_LIMIT_EXCEEDED"
	CodeAliasLimit            Code = "ALIAS_LIMIT_EXCEEDED"
	CodeFieldLimit            Code = "FIELD_LIMIT_EXCEEDED"
	CodeIntrospectionLimit    Code = "INTROSPECTION_LIMIT_EXCEEDED"
	CodeIntrospectionDisabled Code = "INTROSPECTION_DISABLED"
)

// Error is the one error type the domain returns. Anything that is not an
// *Error is treated as internal: logged in full, shown to clients only as
// "internal error".
type Error struct {
	Code    Code
	Message string
	// Field names the input field at fault, for BAD_USER_INPUT.
	Field string
	// RetryAfter is how long until a refused operation would be admitted
	// again, as for RATE_LIMITED; zero when it is not known.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, e.Field)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// RetryAfterSeconds is RetryAfter as clients get it: whole seconds, rounded
// up so that a client that waits that long is admitted, and at least 1.
// It is 0 when RetryAfter is not known.
func (e *Error) RetryAfterSeconds() int {
	if e.RetryAfter <= 0 {
		return 0
	}
	return max(1, int(math.Ceil(e.RetryAfter.Seconds())))
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// InvalidInput reports a bad value in one input field.
func InvalidInput(field, format string, args ...any) *Error {
	return &Error{Code: CodeBadUserInput, Message: fmt.Sprintf(format, args...), Field: field}
}

// ErrorCode returns the code of a domain error, or INTERNAL for anything else.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// The errors below are shared so that every path that refuses for the same
// reason says the same thing: a prober must not learn which check failed.
var (
	ErrUnauthenticated = &Error{Code: CodeUnauthenticated, Message: "authentication required: send a valid session token or API key"}
	ErrNotFound        = &Error{Code: CodeNotFound, Message: "not found"}
	ErrForbidden       = &Error{Code: CodeForbidden, Message: "you are not allowed to do this"}
	ErrUnavailable     = &Error{Code: CodeUnavailable, Message: "the database is unavailable; try again shortly"}
	ErrBadCredentials  = &Error{Code: CodeUnauthenticated, Message: "wrong email or password"}
	ErrEmailRegistered = &Error{Code: CodeBadUserInput, Field: "email", Message: "email is already registered"}
)
