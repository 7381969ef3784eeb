// Package model holds Keyfob's domain: its types, the rules that govern them
// and the error codes every transport reports.
package model

import (
	"io"
	"strconv"
	"time"
)

// Account is a tenant: one CRM account. Nothing of one account is ever
// visible to another.
type Account struct {
	ID   string `gorm:"primaryKey"`
	Name string
	// APIKeyRestriction is the "API Key Restriction Power-Up", a paid add-on
	// that operators switch; tenants cannot change it themselves.
	APIKeyRestriction bool
	CreatedAt         time.Time
}

// Role is a user's standing in their account.
type Role string

const (
	RoleOwner Role = "OWNER"
	RoleAdmin Role = "ADMIN"
	RoleAgent Role = "AGENT"
)

// IsManager reports whether the role may see and manage every key of the account.
func (r Role) IsManager() bool { return r == RoleOwner || r == RoleAdmin }

// User is a person in one account.
type User struct {
	ID        string `gorm:"primaryKey"`
	AccountID string
	Role      Role
	Name      string
	// Email is kept as the user typed it; EmailNormalized is what uniqueness
	// and log-in compare, since SQLite only folds ASCII case.
	Email           string
	EmailNormalized string
	PasswordHash    string
	SignedUpAt      time.Time
	// StoredAPIAccess is the owner's per-user choice under the Power-Up. It
	// is kept while the Power-Up is off so that turning it back on restores it.
	StoredAPIAccess bool `gorm:"column:api_access"`
	CreatedAt       time.Time
}

// APIKey is an integration's credential. Only a hash of its secret is kept.
type APIKey struct {
	ID         string `gorm:"primaryKey"`
	AccountID  string
	UserID     string
	Name       string
	SecretHash string
	Last4      string
	IsDefault  bool
	// Note says what the key is for, beyond its name; nil when it has none.
	Note *string
	// Access is what the key's requests may do. The cached actor of a
	// verified request carries its key, access included, so whatever
	// changes a key revokes the key's cache entries.
	Access KeyAccess
	// ExpiresAt is when the key stops working; nil is never. It is set
	// when the key is made and never changes.
	ExpiresAt *time.Time
	// PreviousSecretHash is the hash of the secret the key had before its
	// last roll, and PreviousSecretExpiresAt when that secret stops
	// working: both nil while no previous secret is live.
	PreviousSecretHash      *string
	PreviousSecretExpiresAt *time.Time
	// PreviousSecretLastUsedAt is when the previous secret was last
	// presented since the roll, as the usage flushes write it; nil if not.
	PreviousSecretLastUsedAt *time.Time
	// LeakReportedAt is when the key's current secret was reported found
	// in public (a secret scanner's report, or anyone's), LeakSource who
	// or what found it and LeakURL where, if known: all nil while the key
	// has not leaked, and again once it is rolled. A leaked key stays
	// listed but no longer works.
	LeakReportedAt *time.Time
	LeakSource     *string
	LeakURL        *string `gorm:"column:leak_url"`
	CreatedAt      time.Time
	// Related holds what the statement that read the key read with it
	// (a page of the key list does); nil when it read the key alone.
	Related *KeyRelated `gorm:"-"`
}

// KeyRelated is what was read with a key. A nil Owner or Usage was not
// read; a key never used has an empty, non-nil Usage.
type KeyRelated struct {
	Owner *User
	// Usage is most recently used first.
	Usage []*IntegrationUsage
}

// PreviousSecretLive reports whether the key's previous secret still works
// at now: until its grace ends, and no longer than the key itself.
func (k *APIKey) PreviousSecretLive(now time.Time) bool {
	return k.PreviousSecretHash != nil && k.PreviousSecretExpiresAt != nil &&
		now.Before(*k.PreviousSecretExpiresAt) && !k.Expired(now)
}

// LiveHashes are the hashes of the key's secrets that work at now: the
// current one, and the previous one during its grace. Whatever changes or
// removes the key revokes them all.
func (k *APIKey) LiveHashes(now time.Time) []string {
	hashes := []string{k.SecretHash}
	if k.PreviousSecretHash != nil && k.PreviousSecretExpiresAt != nil && now.Before(*k.PreviousSecretExpiresAt) {
		hashes = append(hashes, *k.PreviousSecretHash)
	}
	return hashes
}

// Expired reports whether the key no longer works at now: at its expiry
// and after.
func (k *APIKey) Expired(now time.Time) bool {
	return k.ExpiresAt != nil && !now.Before(*k.ExpiresAt)
}

// Status is the key's status at now. A leak outranks an expiry: it is
// the one that calls for action (a roll), and says why.
func (k *APIKey) Status(now time.Time) APIKeyStatus {
	if k.Leaked() {
		return APIKeyStatusLeaked
	}
	if k.Expired(now) {
		return APIKeyStatusExpired
	}
	return APIKeyStatusActive
}

// TableName keeps GORM from naming the table "api_keys" from "APIKey" by accident of casing.
func (APIKey) TableName() string { return "api_keys" }

// KeyAccess is what a key's requests may do.
type KeyAccess string

const (
	KeyAccessFull     KeyAccess = "FULL"
	KeyAccessReadOnly KeyAccess = "READ_ONLY"
)

// IntegrationUsage is how one integration has used one key.
type IntegrationUsage struct {
	APIKeyID     string `gorm:"primaryKey;column:api_key_id"`
	Integration  string `gorm:"primaryKey"`
	FirstUsedAt  time.Time
	LastUsedAt   time.Time
	RequestCount int
}

func (IntegrationUsage) TableName() string { return "integration_usages" }

// ClientKind says which app a session belongs to.
type ClientKind string

const (
	ClientWeb    ClientKind = "WEB"
	ClientMobile ClientKind = "MOBILE"
)

// Session is a signed-in user's bearer token, stored as a hash.
type Session struct {
	ID        string `gorm:"primaryKey"`
	UserID    string
	AccountID string
	TokenHash string
	Client    ClientKind
	// APIKeyID binds a mobile session to its user's Default API Key, so that
	// deleting that key logs the mobile apps out.
	APIKeyID  *string `gorm:"column:api_key_id"`
	CreatedAt time.Time
	ExpiresAt time.Time
	RevokedAt *time.Time
}

// UnmarshalGQL accepts only the roles the schema declares.
func (r *Role) UnmarshalGQL(v any) error {
	s, _ := v.(string)
	switch Role(s) {
	case RoleOwner, RoleAdmin, RoleAgent:
		*r = Role(s)
		return nil
	}
	return InvalidInput("role", "role must be OWNER, ADMIN or AGENT")
}

// MarshalGQL writes the role as its enum name.
func (r Role) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(r))) }

// UnmarshalGQL accepts only the client kinds the schema declares.
func (c *ClientKind) UnmarshalGQL(v any) error {
	s, _ := v.(string)
	switch ClientKind(s) {
	case ClientWeb, ClientMobile:
		*c = ClientKind(s)
		return nil
	}
	return InvalidInput("client", "client must be WEB or MOBILE")
}

// MarshalGQL writes the client kind as its enum name.
func (c ClientKind) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(c))) }

// UnmarshalGQL accepts only the accesses the schema declares.
func (a *KeyAccess) UnmarshalGQL(v any) error {
	s, _ := v.(string)
	if err := CheckKeyAccess(KeyAccess(s)); err != nil {
		return err
	}
	*a = KeyAccess(s)
	return nil
}

// MarshalGQL writes the access as its enum name.
func (a KeyAccess) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(a))) }
