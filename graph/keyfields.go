package graph

import "github.com/keyfob/keyfob/model"

// keyFieldsInLine is off only in tests that compare the two paths.
var keyFieldsInLine = true

// keyFieldReadWithKey reports whether an ApiKey field's resolver answers
// from what the key's own statement read with it (model.KeyRelated), so
// that it never waits on a loader. go generate has _ApiKey resolve such a
// field in line instead of on a goroutine of its own (see
// internal/inorderlists): gqlgen resolves every field with a resolver
// concurrently, which for the key list's owner and usage rows was a
// goroutine per key, and its stack growth, though both were already read
// with the page. A field that would wait stays concurrent, so that a key
// read on its own still waits for its loaders together.
func keyFieldReadWithKey(key *model.APIKey, field string) bool {
	if !keyFieldsInLine {
		return false
	}
	related := key.Related
	switch field {
	case "owner":
		return related != nil && related.Owner != nil
	case "usageByIntegration", "lastUsedAt":
		return related != nil && related.Usage != nil
	}
	return false
}
