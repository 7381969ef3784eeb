package db

import (
	"context"

	"gorm.io/gorm"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/model"
)

// recordEvent writes ev in tx, so that the audit log holds an event if and
// only if the change it records commits. It stamps the event's id and time,
// and the client's address and user agent from the context.
func recordEvent(ctx context.Context, tx *gorm.DB, ev model.AuditEvent) error {
	info := model.RequestInfoFromContext(ctx)
	ev.ID, ev.OccurredAt = credential.NewID("evt"), now()
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

// EventPage is one page of an account's audit log, newest first.
type EventPage struct {
	Events      []*model.AuditEvent
	HasNextPage bool
	TotalCount  int
}

// AuditEvents lists the actor's account's audit log, newest first, after
// the cursor. Only the OWNER and ADMINs may read it.
func (db *DB) AuditEvents(ctx context.Context, actor *model.Actor, first *int, after *string) (*EventPage, error) {
	if err := actor.RequireManager(); err != nil {
		return nil, err
	}
	account := db.gorm.WithContext(ctx).Model(&model.AuditEvent{}).Where("account_id = ?", actor.User.AccountID)
	events, hasNext, total, err := newestFirst[model.AuditEvent](account, "occurred_at", "evt", first, after)
	if err != nil {
		return nil, err
	}
	return &EventPage{Events: events, HasNextPage: hasNext, TotalCount: total}, nil
}
