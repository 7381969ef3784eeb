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
	if len(header) > maxHeaderSecret*2 {
		return "", KindInvalid
	}
	scheme, value, found := strings.Cut(header, " ")
	if !found {
		return "", KindInvalid
	}
	value = strings.TrimSpace(value)
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		secret = value
	case strings.EqualFold(scheme, "Basic"):
		raw, err := base64.StdEncoding.DecodeString(value)
		if err != nil {
			return "", KindInvalid
		}
		user, password, found := strings.Cut(string(raw), ":")
		if !found || password != "" {
			return "", KindInvalid
		}
		secret = user
	default:
		return "", KindInvalid
	}
	if secret == "" || len(secret) > maxHeaderSecret {
		return "", KindInvalid
	}
	if kind = Classify(secret); kind == KindInvalid {
		return "", KindInvalid
	}
	return secret, kind
}
