package credential

import (
	"encoding/base64"
	"strings"
)

// maxHeaderSecret bounds what we bother to decode: no valid secret is longer.
const maxHeaderSecret = 512

// FromAuthorization extracts the secret from an Authorization header value.
// Integrations send an API key as the Basic username with an empty password
// (as the CRM's REST API takes it) or as a Bearer token; people send a
// session token as Bearer. ok is false for anything malformed.
func FromAuthorization(header string) (secret string, ok bool) {
	if len(header) > maxHeaderSecret*2 {
		return "", false
	}
	scheme, value, found := strings.Cut(header, " ")
	if !found {
		return "", false
	}
	value = strings.TrimSpace(value)
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		secret = value
	case strings.EqualFold(scheme, "Basic"):
		raw, err := base64.StdEncoding.DecodeString(value)
		if err != nil {
			return "", false
		}
		user, password, found := strings.Cut(string(raw), ":")
		if !found || password != "" {
			return "", false
		}
		secret = user
	default:
		return "", false
	}
	if secret == "" || len(secret) > maxHeaderSecret || Classify(secret) == KindInvalid {
		return "", false
	}
	return secret, true
}
