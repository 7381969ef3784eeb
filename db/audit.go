package db

import (
	"context"
	"net/netip"
	"time"

	"gorm.io/gorm"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/model"
)

// recordEvent writes ev in tx, so that the audit log holds an event if and
// only if the change it records commits. It stamps the event's id and time,
// and the client's address and user agent from the context.
func (db *DB) recordEvent(ctx context.Context, tx *gorm.DB, ev model.AuditEvent) error {
	info := model.RequestInfoFromContext(ctx)
	ev.ID, ev.OccurredAt = credential.NewID("evt"), db.now()
	ev.IP, ev.UserAgent = optional(info.IP), optional(info.UserAgent)
	return tx.Create(&ev).Error
}

// userEvent is an event that actor did in their own account.
func userEvent(action model.AuditAction, actor *model.User) model.AuditEvent {
	return model.AuditEvent{
		Action: action, AccountID: optional(actor.AccountID),
		ActorUserID: optional(actor.ID), ActorEmail: optional(actor.Email),
	}
}

// keyEvent is an event that actor did to key, whose owner is its target.
// It names the key by id, name and last4: never by its secret.
func keyEvent(action model.AuditAction, actor *model.User, key *model.APIKey) model.AuditEvent {
	ev := userEvent(action, actor)
	ev.APIKeyID, ev.APIKeyName, ev.APIKeyLast4 = optional(key.ID), optional(key.Name), optional(key.Last4)
	ev.TargetUserID = optional(key.UserID)
	return ev
}

// optional stores "" as NULL.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// switched is a switch's new position, as an event's detail says it.
func switched(enabled bool) string {
	if enabled {
		return "enabled"
	}
	return "disabled"
}

// AuditEvents lists the actor's account's audit log, newest first, after
// the cursor. Only the OWNER and ADMINs may read it.
func (db *DB) AuditEvents(ctx context.Context, actor *model.Actor, first *int, after *string) (*model.EventPage, error) {
	if err := actor.User.RequireManager(); err != nil {
		return nil, err
	}
	account := func(tx *gorm.DB) *gorm.DB {
		return tx.Model(&model.AuditEvent{}).Where("account_id = ?", actor.User.AccountID)
	}
	events, hasNext, total, err := newestFirst[model.AuditEvent](ctx, db, account, "occurred_at", "evt", first, after)
	if err != nil {
		return nil, err
	}
	return &model.EventPage{Events: events, HasNextPage: hasNext, TotalCount: total}, nil
}

// recentLogInAddresses bounds how many of a user's log-in addresses
// LoggedInFrom compares, newest first: more than anyone's usual places, and
// a bound on the work that typing her email can cause.
const recentLogInAddresses = 100

// LoggedInFrom reports whether the user with this normalised email logged
// in from network since the given time, as her LOGGED_IN events record it.
// The audit log is the store, so every instance gives the same answer.
// Addresses are compared by model.NetworkOf: exactly for IPv4, by /64 for
// IPv6.
func (db *DB) LoggedInFrom(ctx context.Context, emailNormalized string, network netip.Prefix, since time.Time) (bool, error) {
	var ips []string
	err := db.gorm.WithContext(ctx).Raw(`SELECT e.ip FROM users u JOIN audit_events e ON e.actor_user_id = u.id
		WHERE u.email_normalized = ? AND e.action = ? AND e.occurred_at >= ? AND e.ip IS NOT NULL
		GROUP BY e.ip ORDER BY MAX(e.occurred_at) DESC LIMIT ?`,
		emailNormalized, model.AuditLoggedIn, since.UTC(), recentLogInAddresses).Scan(&ips).Error
	if err != nil {
		return false, translate(err)
	}
	for _, ip := range ips {
		if n, ok := model.NetworkOf(ip); ok && n == network {
			return true, nil
		}
	}
	return false, nil
}
