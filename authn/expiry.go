package authn

import (
	"time"

	"github.com/keyfob/keyfob/model"
)

// KeyExpiresAtHeader names, on every answer to a request that a key with an
// expiry authenticated, when that key stops working, so that integrations
// can warn their operators before it does (as GitHub's
// GitHub-Authentication-Token-Expiration does).
const KeyExpiresAtHeader = "X-Keyfob-Key-Expires-At"

// keyExpiryValue is KeyExpiresAtHeader's value for key: its expiry in RFC
// 3339, in UTC, to the instant, as the API's DateTime shows it; "" for a
// key that never expires.
func keyExpiryValue(key *model.APIKey) string {
	if key.ExpiresAt == nil {
		return ""
	}
	return key.ExpiresAt.UTC().Format(time.RFC3339Nano)
}
