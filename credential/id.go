package credential

// NewID returns an opaque identifier such as "key_3kTMd9sQh2ZrX8bV1pLw".
// Random ids reveal nothing about how many rows a table holds.
func NewID(prefix string) string {
	return prefix + "_" + randomBase62(20)
}

// ValidID reports whether id has the shape NewID(prefix) gives. Anything
// else names nothing, so callers answer NOT_FOUND without a look-up (and
// without sending PostgreSQL bytes, such as NUL, that it would refuse).
func ValidID(prefix, id string) bool {
	return len(id) == len(prefix)+1+20 && id[:len(prefix)] == prefix && id[len(prefix)] == '_' && isBase62(id[len(prefix)+1:])
}
