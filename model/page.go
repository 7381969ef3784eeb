package model

// KeyPage is one page of the API keys a viewer may see, newest first: what
// an ApiKeyConnection shows.
type KeyPage struct {
	Keys        []*APIKey
	HasNextPage bool
	// TotalCount is how many keys the viewer may see in all.
	TotalCount int
}

// KeyPageFields says what a page of keys brings along with each key, read
// in the same statement: what the list's query selects.
type KeyPageFields struct {
	Owner bool // the key's owner
	Usage bool // the key's usage rows (usageByIntegration, lastUsedAt)
}

// EventPage is one page of an account's audit log, newest first: what an
// AuditEventConnection shows.
type EventPage struct {
	Events      []*AuditEvent
	HasNextPage bool
	// TotalCount is how many events the account's log holds in all.
	TotalCount int
}
