package credential

// NewID returns an opaque identifier such as "key_3kTMd9sQh2ZrX8bV1pLw".
// Random ids reveal nothing about how many rows a table holds.
func NewID(prefix string) string {
	return prefix + "_" + randomBase62(20)
}
