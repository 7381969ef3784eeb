package db

import (
	"context"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/model"
)

func newKey(owner *model.User, name, secret string, at time.Time) *model.APIKey {
	return &model.APIKey{
		ID: credential.NewID("key"), AccountID: owner.AccountID, UserID: owner.ID, Name: name,
		SecretHash: credential.Hash(secret), Last4: credential.Last4(secret), Access: model.KeyAccessFull, CreatedAt: at,
	}
}

// NewAPIKey is what a key is made with: its name, a note ("" for none),
// its access and when it expires (nil for never).
type NewAPIKey struct {
	Name, Note string
	Access     model.KeyAccess
	ExpiresAt  *time.Time
}

// CreateAPIKey makes a key with full access and no note for the signed-in
// actor, as CreateAPIKeyWith does.
func (db *DB) CreateAPIKey(ctx context.Context, actor *model.Actor, name string) (*model.APIKey, string, error) {
	return db.CreateAPIKeyWith(ctx, actor, NewAPIKey{Name: name, Access: model.KeyAccessFull})
}

// CreateAPIKeyWith makes a key for the signed-in actor and returns it with
// its secret, the only time the secret ever exists outside the caller's
// hands.
func (db *DB) CreateAPIKeyWith(ctx context.Context, actor *model.Actor, spec NewAPIKey) (*model.APIKey, string, error) {
	owner, err := actor.SignedInUser()
	if err != nil {
		return nil, "", err
	}
	return db.createAPIKey(ctx, owner, spec)
}

// createAPIKey makes a key for owner, as CreateAPIKeyWith does.
func (db *DB) createAPIKey(ctx context.Context, owner *model.User, spec NewAPIKey) (*model.APIKey, string, error) {
	// A new key is a blank one with the change to its values applied, so
	// that creating and updating clean them by the same rules.
	settings, err := model.KeyChange{Name: &spec.Name, Note: &spec.Note, Access: &spec.Access}.Clean()
	if err != nil {
		return nil, "", err
	}
	expiresAt, err := model.CleanKeyExpiry(spec.ExpiresAt, db.now())
	if err != nil {
		return nil, "", err
	}
	secret := credential.NewAPIKey()
	var key *model.APIKey
	err = db.transaction(ctx, func(tx *gorm.DB) error {
		var account model.Account
		var user model.User
		// Every create in the account takes this lock first, so the keys
		// counted below are still all there are when this one is written:
		// two creates can never both see room for one more. (SQLite's single
		// connection serialises them anyway.)
		if err := db.forNoKeyUpdate(tx).First(&account, "id = ?", owner.AccountID).Error; err != nil {
			return err
		}
		// The lock orders this after any concurrent setUserApiAccess(false),
		// which would otherwise miss a key created meanwhile.
		if err := db.forUpdate(tx).First(&user, "id = ?", owner.ID).Error; err != nil {
			return err
		}
		if err := model.CheckCreateKey(&account, &user); err != nil {
			return err
		}
		userKeys, accountKeys, err := countKeys(tx, &user)
		if err != nil {
			return err
		}
		if err := db.keyCaps.CheckNewKey(userKeys, accountKeys); err != nil {
			return err
		}
		key = newKey(&user, "", secret, db.now())
		settings.ApplyTo(key)
		key.ExpiresAt = expiresAt
		if err := tx.Create(key).Error; err != nil {
			return err
		}
		return db.recordEvent(ctx, tx, keyEvent(model.AuditAPIKeyCreated, owner, key))
	})
	if err != nil {
		return nil, "", err
	}
	return key, secret, nil
}

// countKeys counts the keys user holds and those their account holds.
// Deleted keys are gone from the table, so every row counts.
func countKeys(tx *gorm.DB, user *model.User) (userKeys, accountKeys int64, err error) {
	var held struct{ UserKeys, AccountKeys int64 }
	err = tx.Model(&model.APIKey{}).
		Select("COUNT(CASE WHEN user_id = ? THEN 1 END) AS user_keys, COUNT(*) AS account_keys", user.ID).
		Where("account_id = ?", user.AccountID).Scan(&held).Error
	return held.UserKeys, held.AccountKeys, err
}

// lockVisibleKey reads key id for update, within user's account, and only
// if user may see it: a key they may not see is NOT_FOUND, as one that
// does not exist. Each call reads afresh, so a rerun transaction starts
// from the key as it is.
func (db *DB) lockVisibleKey(tx *gorm.DB, user *model.User, id string) (model.APIKey, error) {
	var key model.APIKey
	if err := db.forUpdate(tx).First(&key, "id = ? AND account_id = ?", id, user.AccountID).Error; err != nil {
		return model.APIKey{}, err
	}
	if !model.CanSeeKey(user, &key) {
		return model.APIKey{}, model.ErrNotFound
	}
	return key, nil
}

// DeleteAPIKey deletes a key the signed-in actor may see. Deleting a Default
// API Key also logs its owner out of the mobile apps; it returns how many
// sessions.
func (db *DB) DeleteAPIKey(ctx context.Context, actor *model.Actor, id string) (*model.APIKey, int, error) {
	user, err := actor.SignedInUser()
	if err != nil {
		return nil, 0, err
	}
	if !credential.ValidID("key", id) {
		return nil, 0, model.ErrNotFound
	}
	var key model.APIKey
	var loggedOut int
	err = db.revokingTransaction(ctx, func(tx *gorm.DB, revoke func(...string)) error {
		var err error
		if key, err = db.lockVisibleKey(tx, user, id); err != nil {
			return err
		}
		loggedOut, err = db.deleteKey(ctx, tx, user, &key, revoke)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return &key, loggedOut, nil
}

// deleteKey removes a key and revokes the sessions bound to it, reporting
// every revoked credential, and records both in the audit log as done by
// actor. A key that is already gone (a concurrent delete won) is NOT_FOUND.
func (db *DB) deleteKey(ctx context.Context, tx *gorm.DB, actor *model.User, key *model.APIKey, revoke func(...string)) (loggedOut int, err error) {
	// Sessions are found before the key goes: deleting it unbinds them.
	var sessions []model.Session
	live := tx.Where("api_key_id = ? AND revoked_at IS NULL AND expires_at > ?", key.ID, db.now())
	if err := live.Find(&sessions).Error; err != nil {
		return 0, err
	}
	deleted := tx.Delete(&model.APIKey{}, "id = ?", key.ID)
	if deleted.Error != nil {
		return 0, deleted.Error
	}
	if deleted.RowsAffected == 0 {
		return 0, model.ErrNotFound
	}
	revoke(key.LiveHashes(db.now())...)
	if err := db.recordEvent(ctx, tx, keyEvent(model.AuditAPIKeyDeleted, actor, key)); err != nil {
		return 0, err
	}
	if len(sessions) == 0 {
		return 0, nil
	}
	ids := make([]string, len(sessions))
	for i, s := range sessions {
		ids[i] = s.ID
		revoke(s.TokenHash)
	}
	if err := tx.Model(&model.Session{}).Where("id IN ?", ids).Update("revoked_at", db.now()).Error; err != nil {
		return 0, err
	}
	ev := keyEvent(model.AuditMobileSessionsLoggedOut, actor, key)
	ev.Detail = optional(strconv.Itoa(len(sessions)))
	if err := db.recordEvent(ctx, tx, ev); err != nil {
		return 0, err
	}
	return len(sessions), nil
}

// UpdateAPIKey changes the name, note or access of a key the signed-in
// actor may see: whoever may delete a key may change it. It records what
// changed in the audit log, and nothing when nothing did.
func (db *DB) UpdateAPIKey(ctx context.Context, actor *model.Actor, id string, change model.KeyChange) (*model.APIKey, error) {
	user, err := actor.SignedInUser()
	if err != nil {
		return nil, err
	}
	change, err = change.Clean()
	if err != nil {
		return nil, err
	}
	if !credential.ValidID("key", id) {
		return nil, model.ErrNotFound
	}
	var key model.APIKey
	err = db.revokingTransaction(ctx, func(tx *gorm.DB, revoke func(...string)) error {
		var err error
		if key, err = db.lockVisibleKey(tx, user, id); err != nil {
			return err
		}
		changed := change.ApplyTo(&key)
		if len(changed) == 0 {
			return nil
		}
		err = tx.Model(&model.APIKey{}).Where("id = ?", key.ID).
			Updates(map[string]any{"name": key.Name, "note": key.Note, "access": key.Access}).Error
		if err != nil {
			return err
		}
		// Every instance's cached actor for this key carries the key as it
		// was, access included: revoked as a deletion is, the entries go
		// at once here and within 100 ms elsewhere, and the next request
		// reads the key as it is now.
		revoke(key.LiveHashes(db.now())...)
		ev := keyEvent(model.AuditAPIKeyUpdated, user, &key)
		ev.Detail = optional(strings.Join(changed, ", "))
		return db.recordEvent(ctx, tx, ev)
	})
	if err != nil {
		return nil, err
	}
	return &key, nil
}

// RollAPIKey gives a key the signed-in actor may see a new secret, in the
// kf_ format whatever the old one was, and returns the key with it: whoever
// may delete a key may roll it. The key keeps everything else. The secret
// it had keeps working for grace seconds (0 to 7 days), and no longer; a
// previous secret still live from an earlier roll stops at once, so at most
// two secrets work at a time. A leaked key's secret gets no grace, and the
// key is no longer leaked (model.APIKey.RollGrace). An expired key is
// refused.
func (db *DB) RollAPIKey(ctx context.Context, actor *model.Actor, id string, graceSeconds int) (*model.APIKey, string, error) {
	user, err := actor.SignedInUser()
	if err != nil {
		return nil, "", err
	}
	grace, err := model.CleanRollGrace(graceSeconds)
	if err != nil {
		return nil, "", err
	}
	if !credential.ValidID("key", id) {
		return nil, "", model.ErrNotFound
	}
	secret := credential.NewAPIKey()
	var key model.APIKey
	err = db.revokingTransaction(ctx, func(tx *gorm.DB, revoke func(...string)) error {
		var err error
		if key, err = db.lockVisibleKey(tx, user, id); err != nil {
			return err
		}
		now := db.now()
		if err := model.CheckRollKey(&key, now); err != nil {
			return err
		}
		// Every cache entry for the key's secrets goes, here at once and
		// elsewhere within 100 ms: an older previous secret stops now, and
		// the secret being replaced is looked up afresh, which finds it as
		// the previous secret with the grace's end as its expiry (or, with
		// no grace, finds nothing).
		revoke(key.LiveHashes(now)...)
		key.PreviousSecretHash, key.PreviousSecretExpiresAt, key.PreviousSecretLastUsedAt = nil, nil, nil
		kept := key.RollGrace(grace)
		key.ClearLeak()
		if kept > 0 {
			previous, until := key.SecretHash, now.Add(kept)
			key.PreviousSecretHash, key.PreviousSecretExpiresAt = &previous, &until
		}
		key.SecretHash, key.Last4 = credential.Hash(secret), credential.Last4(secret)
		err = tx.Model(&model.APIKey{}).Where("id = ?", key.ID).Updates(map[string]any{
			"secret_hash": key.SecretHash, "last4": key.Last4,
			"previous_secret_hash": key.PreviousSecretHash, "previous_secret_expires_at": key.PreviousSecretExpiresAt,
			"previous_secret_last_used_at": key.PreviousSecretLastUsedAt,
			"leak_reported_at":             nil, "leak_source": nil, "leak_url": nil,
		}).Error
		if err != nil {
			return err
		}
		ev := keyEvent(model.AuditAPIKeyRolled, user, &key)
		ev.Detail = optional("grace " + strconv.Itoa(int(kept/time.Second)) + "s")
		return db.recordEvent(ctx, tx, ev)
	})
	if err != nil {
		return nil, "", err
	}
	return &key, secret, nil
}

// APIKey returns the key with id if the actor may see it, or nil.
func (db *DB) APIKey(ctx context.Context, actor *model.Actor, id string) (*model.APIKey, error) {
	if !credential.ValidID("key", id) {
		return nil, nil
	}
	var key model.APIKey
	err := db.gorm.WithContext(ctx).Where("id = ? AND account_id = ?", id, actor.User.AccountID).Take(&key).Error
	if err = translate(err); err == model.ErrNotFound || (err == nil && !model.CanSeeKey(actor.User, &key)) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &key, nil
}

// UsageByKeys returns each key's usage rows, most recently used first.
func (db *DB) UsageByKeys(ctx context.Context, keyIDs []string) (map[string][]*model.IntegrationUsage, error) {
	var rows []*model.IntegrationUsage
	err := db.gorm.WithContext(ctx).Where("api_key_id IN ?", keyIDs).
		Order("last_used_at DESC, integration").Find(&rows).Error
	if err != nil {
		return nil, translate(err)
	}
	out := make(map[string][]*model.IntegrationUsage, len(keyIDs))
	for _, id := range keyIDs {
		out[id] = []*model.IntegrationUsage{} // never used is an answer, not a miss
	}
	for _, r := range rows {
		out[r.APIKeyID] = append(out[r.APIKeyID], r)
	}
	return out, nil
}

// ActiveMobileSessions counts, per key, the live sessions that deleting it
// would log out.
func (db *DB) ActiveMobileSessions(ctx context.Context, keyIDs []string) (map[string]int, error) {
	var rows []struct {
		APIKeyID string
		N        int
	}
	err := db.gorm.WithContext(ctx).Model(&model.Session{}).
		Select("api_key_id, COUNT(*) AS n").
		Where("api_key_id IN ? AND revoked_at IS NULL AND expires_at > ?", keyIDs, db.now()).
		Group("api_key_id").Scan(&rows).Error
	if err != nil {
		return nil, translate(err)
	}
	out := make(map[string]int, len(keyIDs))
	for _, id := range keyIDs {
		out[id] = 0
	}
	for _, r := range rows {
		out[r.APIKeyID] = r.N
	}
	return out, nil
}
