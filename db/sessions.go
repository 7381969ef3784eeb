package db

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/model"
)

// LogIn checks an email and password and opens a session. A wrong email and
// a wrong password give the same error after the same work.
func (db *DB) LogIn(ctx context.Context, email, password string, client model.ClientKind) (token string, user *model.User, err error) {
	var found model.User
	_, normalized, emailErr := model.NormalizeEmail(email)
	if emailErr == nil {
		err = db.gorm.WithContext(ctx).Take(&found, "email_normalized = ?", normalized).Error
		if err = translate(err); err != nil && err != model.ErrNotFound {
			return "", nil, err
		}
	}
	if !db.passwords.Check(password, found.PasswordHash) {
		// Nothing changes, so the event is written on its own. It belongs
		// to the account whose email was typed; an unknown email's event
		// belongs to no account, and no tenant ever sees it.
		ev := model.AuditEvent{
			Action: model.AuditLoginFailed, AccountID: optional(found.AccountID), TargetUserID: optional(found.ID),
			ActorEmail: optional(model.StorableText(email, model.MaxEmailLength)),
		}
		if err := recordEvent(ctx, db.gorm.WithContext(ctx), ev); err != nil {
			return "", nil, translate(err)
		}
		return "", nil, model.ErrBadCredentials
	}
	token = credential.NewSessionToken()
	at := now()
	session := &model.Session{
		ID: credential.NewID("sess"), UserID: found.ID, AccountID: found.AccountID,
		TokenHash: credential.Hash(token), Client: client, CreatedAt: at, ExpiresAt: at.Add(db.SessionTTL),
	}
	err = db.transaction(ctx, func(tx *gorm.DB) error {
		if client == model.ClientMobile {
			var key model.APIKey
			err := tx.Take(&key, "user_id = ? AND is_default", found.ID).Error
			if err == nil {
				session.APIKeyID = &key.ID
			} else if !errors.Is(err, gorm.ErrRecordNotFound) {
				return err
			}
		}
		if err := tx.Create(session).Error; err != nil {
			return err
		}
		ev := userEvent(model.AuditLoggedIn, &found)
		ev.Detail = optional(string(client))
		return recordEvent(ctx, tx, ev)
	})
	if err != nil {
		return "", nil, err
	}
	return token, &found, nil
}

// LogOut revokes the actor's session.
func (db *DB) LogOut(ctx context.Context, actor *model.Actor) error {
	if err := actor.RequireSession(); err != nil {
		return err
	}
	return db.revokingTransaction(ctx, func(tx *gorm.DB, revoke func(...string)) error {
		err := tx.Model(&model.Session{}).
			Where("id = ? AND revoked_at IS NULL", actor.Session.ID).Update("revoked_at", now()).Error
		if err != nil {
			return err
		}
		revoke(actor.Session.TokenHash)
		ev := userEvent(model.AuditLoggedOut, actor.User)
		ev.Detail = optional(string(actor.Session.Client))
		return recordEvent(ctx, tx, ev)
	})
}

// ActorBySession returns whoever holds a live session with this token hash,
// or NOT_FOUND.
func (db *DB) ActorBySession(ctx context.Context, tokenHash string) (*model.Actor, error) {
	var session model.Session
	err := db.gorm.WithContext(ctx).
		Take(&session, "token_hash = ? AND revoked_at IS NULL AND expires_at > ?", tokenHash, now()).Error
	if err != nil {
		return nil, translate(err)
	}
	actor, err := db.actor(ctx, session.UserID)
	if err != nil {
		return nil, err
	}
	actor.Session = &session
	return actor, nil
}

// ActorByAPIKey returns the owner of the key with this secret hash, acting
// through that key, or NOT_FOUND.
func (db *DB) ActorByAPIKey(ctx context.Context, secretHash string) (*model.Actor, error) {
	var key model.APIKey
	if err := db.gorm.WithContext(ctx).Take(&key, "secret_hash = ?", secretHash).Error; err != nil {
		return nil, translate(err)
	}
	actor, err := db.actor(ctx, key.UserID)
	if err != nil {
		return nil, err
	}
	actor.APIKey = &key
	return actor, nil
}

func (db *DB) actor(ctx context.Context, userID string) (*model.Actor, error) {
	var user model.User
	if err := db.gorm.WithContext(ctx).Take(&user, "id = ?", userID).Error; err != nil {
		return nil, translate(err)
	}
	var account model.Account
	if err := db.gorm.WithContext(ctx).Take(&account, "id = ?", user.AccountID).Error; err != nil {
		return nil, translate(err)
	}
	return &model.Actor{User: &user, Account: &account}, nil
}
