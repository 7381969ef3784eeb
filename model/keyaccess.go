package model

import "net/http"

// Allows reports whether a request with method may use a key with access a.
// A READ_ONLY key may GET, HEAD and OPTIONS only; anything else, including
// a method that is not known for sure, is refused.
func (a KeyAccess) Allows(method string) bool {
	if a == KeyAccessFull {
		return true
	}
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	return false
}

// ErrReadOnlyKey refuses a READ_ONLY key a method it may not use.
var ErrReadOnlyKey = &Error{Code: CodeForbidden, Message: "this API key is read-only: it may only GET, HEAD and OPTIONS"}
