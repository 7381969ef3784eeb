package model

import (
	"context"
	"strings"
	"unicode/utf8"
)

// MaxUserAgentLength bounds the user agent kept in the audit log, in bytes.
const MaxUserAgentLength = 512

// RequestInfo is where a request came from, as the audit log records it.
// It travels in the context so that domain methods need not take it.
type RequestInfo struct {
	IP        string
	UserAgent string
}

type requestInfoKey struct{}

// NewContextWithRequestInfo returns ctx carrying info.
func NewContextWithRequestInfo(ctx context.Context, info RequestInfo) context.Context {
	return context.WithValue(ctx, requestInfoKey{}, info)
}

// RequestInfoFromContext returns the request's info; it is empty outside an
// HTTP request, as for the operator's subcommands.
func RequestInfoFromContext(ctx context.Context) RequestInfo {
	info, _ := ctx.Value(requestInfoKey{}).(RequestInfo)
	return info
}

// StorableText makes text a client sent safe to store as it is: invalid
// UTF-8 and NUL bytes, which PostgreSQL refuses in TEXT, are dropped, and
// the rest is cut to at most maxBytes without splitting a character.
func StorableText(s string, maxBytes int) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, ""), "\x00", "")
	if len(s) <= maxBytes {
		return s
	}
	cut := maxBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
