package model

import (
	"io"
	"strconv"
	"time"
)

// AuditAction is what an audit event records.
type AuditAction string

const (
	AuditSignedUp                AuditAction = "SIGNED_UP"
	AuditLoggedIn                AuditAction = "LOGGED_IN"
	AuditLoginFailed             AuditAction = "LOGIN_FAILED"
	AuditLoggedOut               AuditAction = "LOGGED_OUT"
	AuditUserCreated             AuditAction = "USER_CREATED"
	AuditAPIKeyCreated           AuditAction = "API_KEY_CREATED"
	AuditAPIKeyDeleted           AuditAction = "API_KEY_DELETED"
	AuditAPIKeyUpdated           AuditAction = "API_KEY_UPDATED"
	AuditAPIKeyRolled            AuditAction = "API_KEY_ROLLED"
	AuditAPIKeyLeaked            AuditAction = "API_KEY_LEAKED"
	AuditAPIAccessChanged        AuditAction = "API_ACCESS_CHANGED"
	AuditPowerUpChanged          AuditAction = "POWER_UP_CHANGED"
	AuditMobileSessionsLoggedOut AuditAction = "MOBILE_SESSIONS_LOGGED_OUT"
)

// AuditEvent is one entry of an account's audit log: who did what, to
// which key or user, from where. It names a key by id, name and last4,
// never by its secret, and it outlives the key.
type AuditEvent struct {
	ID string `gorm:"primaryKey"`
	// AccountID is nil for a failed log-in with an unknown email: no
	// tenant sees that event.
	AccountID  *string
	Action     AuditAction
	OccurredAt time.Time
	// ActorUserID is nil when nobody was signed in: a failed log-in, or the
	// operator's power-up subcommand.
	ActorUserID *string
	// ActorEmail is the actor's email, or the one typed into a failed log-in.
	ActorEmail   *string
	IP           *string `gorm:"column:ip"`
	UserAgent    *string
	APIKeyID     *string `gorm:"column:api_key_id"`
	APIKeyName   *string `gorm:"column:api_key_name"`
	APIKeyLast4  *string `gorm:"column:api_key_last4"`
	TargetUserID *string
	Detail       *string
}

func (AuditEvent) TableName() string { return "audit_events" }

// UnmarshalGQL accepts only the actions the schema declares. No argument
// takes an action today; gqlgen needs both directions all the same.
func (a *AuditAction) UnmarshalGQL(v any) error {
	s, _ := v.(string)
	switch AuditAction(s) {
	case AuditSignedUp, AuditLoggedIn, AuditLoginFailed, AuditLoggedOut, AuditUserCreated, AuditAPIKeyCreated,
		AuditAPIKeyDeleted, AuditAPIKeyUpdated, AuditAPIKeyRolled, AuditAPIKeyLeaked, AuditAPIAccessChanged, AuditPowerUpChanged, AuditMobileSessionsLoggedOut:
		*a = AuditAction(s)
		return nil
	}
	return InvalidInput("action", "action is not an AuditAction")
}

// MarshalGQL writes the action as its enum name.
func (a AuditAction) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(a))) }
