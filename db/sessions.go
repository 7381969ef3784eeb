package db

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

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
		return tx.Create(session).Error
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
	err := db.gorm.WithContext(ctx).Model(&model.Session{}).
		Where("id = ? AND revoked_at IS NULL", actor.Session.ID).Update("revoked_at", now()).Error
	return translate(err)
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

// UsageIncrement is a count of requests one integration made with one key.
type UsageIncrement struct {
	APIKeyID    string
	Integration string
	Requests    int
	FirstUsedAt time.Time
	LastUsedAt  time.Time
}

// RecordUsage adds increments to the usage rows, creating rows as needed.
// A key keeps at most MaxIntegrations named integrations; further ones are
// counted under "other". Increments for keys deleted meanwhile are dropped.
func (db *DB) RecordUsage(ctx context.Context, incs []UsageIncrement) error {
	return db.transaction(ctx, func(tx *gorm.DB) error {
		rows := make([]*model.IntegrationUsage, 0, len(incs))
		for _, inc := range incs {
			integration, err := cappedIntegration(tx, inc.APIKeyID, inc.Integration)
			if err != nil {
				return err
			}
			rows = append(rows, &model.IntegrationUsage{
				APIKeyID: inc.APIKeyID, Integration: integration, RequestCount: inc.Requests,
				FirstUsedAt: inc.FirstUsedAt, LastUsedAt: inc.LastUsedAt,
			})
		}
		if len(rows) == 0 {
			return nil
		}
		var live []string
		ids := make([]string, len(rows))
		for i, r := range rows {
			ids[i] = r.APIKeyID
		}
		if err := tx.Model(&model.APIKey{}).Where("id IN ?", ids).Pluck("id", &live).Error; err != nil {
			return err
		}
		rows = keepLive(rows, live)
		if len(rows) == 0 {
			return nil
		}
		return tx.Clauses(clause.OnConflict{
			Columns: []clause.Column{{Name: "api_key_id"}, {Name: "integration"}},
			DoUpdates: clause.Assignments(map[string]any{
				"last_used_at":  gorm.Expr("CASE WHEN excluded.last_used_at > integration_usages.last_used_at THEN excluded.last_used_at ELSE integration_usages.last_used_at END"),
				"request_count": gorm.Expr("integration_usages.request_count + excluded.request_count"),
			}),
		}).Create(&rows).Error
	})
}

func keepLive(rows []*model.IntegrationUsage, live []string) []*model.IntegrationUsage {
	alive := make(map[string]bool, len(live))
	for _, id := range live {
		alive[id] = true
	}
	kept := rows[:0]
	for _, r := range rows {
		if alive[r.APIKeyID] {
			kept = append(kept, r)
		}
	}
	return kept
}

// cappedIntegration returns the integration name a request is counted under.
func cappedIntegration(tx *gorm.DB, keyID, integration string) (string, error) {
	var rows []string
	if err := tx.Model(&model.IntegrationUsage{}).Where("api_key_id = ?", keyID).Pluck("integration", &rows).Error; err != nil {
		return "", err
	}
	named := 0
	for _, r := range rows {
		if r == integration {
			return integration, nil
		}
		if r != model.OverflowIntegration {
			named++
		}
	}
	if named >= model.MaxIntegrations {
		return model.OverflowIntegration, nil
	}
	return integration, nil
}
