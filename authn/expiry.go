package authn

import (
	"net/http"
	"time"

	"github.com/keyfob/keyfob/model"
)

// KeyExpiresAtHeader names, on every answer to a request that a key with an
// expiry authenticated, when that key stops working, so that integrations
// can warn their operators before it does (as GitHub's
// GitHub-Authentication-Token-Expiration does).
const KeyExpiresAtHeader = "X-Keyfob-Key-Expires-At"

// setKeyExpiry names key's expiry in the answer, if it has one: RFC 3339 in
// UTC, to the instant, as the API's DateTime shows it.
func setKeyExpiry(w http.ResponseWriter, key *model.APIKey) {
	if key.ExpiresAt != nil {
		w.Header().Set(KeyExpiresAtHeader, key.ExpiresAt.UTC().Format(time.RFC3339Nano))
	}
}
