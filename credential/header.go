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
// session token as Bearer. It also says which of the two the secret is
// (checksum verified), so the hot path classifies a secret once; anything
// malformed is KindInvalid.
func FromAuthorization(header string) (secret string, kind Kind) {
	secret, ok := SecretFromAuthorization(header)
	if !ok {
		return "", KindInvalid
	}
	if kind = Classify(secret); kind == KindInvalid {
		return "", KindInvalid
	}
	return secret, kind
}

// SecretFromAuthorization is FromAuthorization without the secret's
// classification (its checksum, the costliest step): for a caller that
// can tell a secret already known from its hash alone, and classifies
// only the others. ok is false when the header holds no secret at all.
func SecretFromAuthorization(header string) (secret string, ok bool) {
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
	if secret == "" || len(secret) > maxHeaderSecret {
		return "", false
	}
	return secret, true
}

// IsSessionToken reports whether secret is shaped as a session token is
// at first sight, by its prefix alone: a secret that Classify found to be
// a credential of some kind is a session token exactly when it is.
func IsSessionToken(secret string) bool { return strings.HasPrefix(secret, SessionPrefix) }
