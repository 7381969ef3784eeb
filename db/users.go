package db

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/model"
)

// SignUp is what a new account's owner fills in.
type SignUp struct {
	AccountName string
	Name        string
	Email       string
	Password    string
	// SignedUpAt is normally now; the demo seed backdates it to show the
	// Default API Key rule.
	SignedUpAt time.Time
	// WebSession opens the owner's first session in the same transaction,
	// so signing up needs no separate log-in (nor its failure limits).
	WebSession bool
}

// SignUpResult is what SignUp made.
type SignUpResult struct {
	User    *model.User
	Account *model.Account
	// DefaultKeySecret is set when the sign-up date earned a Default API Key.
	DefaultKeySecret string
	// SessionToken is set when a web session was asked for.
	SessionToken string
}

// SignUp creates an account and its owner, and the owner's Default API Key
// when the sign-up date calls for one.
func (db *DB) SignUp(ctx context.Context, in SignUp) (*SignUpResult, error) {
	accountName, err := model.CleanName("accountName", in.AccountName)
	if err != nil {
		return nil, err
	}
	user, err := db.newUser(ctx, in.Name, in.Email, in.Password, model.RoleOwner)
	if err != nil {
		return nil, err
	}
	at := db.now()
	if !in.SignedUpAt.IsZero() {
		at = in.SignedUpAt.UTC().Truncate(time.Microsecond)
	}
	account := &model.Account{ID: credential.NewID("acct"), Name: accountName, CreatedAt: at}
	user.AccountID, user.SignedUpAt, user.CreatedAt = account.ID, at, at
	user.StoredAPIAccess = model.InitialAPIAccess(account, user.Role)
	res := &SignUpResult{User: user, Account: account}
	err = db.transaction(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(account).Error; err != nil {
			return err
		}
		if err := insertUser(tx, user); err != nil {
			return err
		}
		if err := db.recordEvent(ctx, tx, userEvent(model.AuditSignedUp, user)); err != nil {
			return err
		}
		if model.HasDefaultAPIKey(at) {
			secret := credential.NewLegacyKey()
			key := newKey(user, model.DefaultAPIKeyName, secret, at)
			key.IsDefault = true
			if err := tx.Create(key).Error; err != nil {
				return err
			}
			if err := db.recordEvent(ctx, tx, keyEvent(model.AuditAPIKeyCreated, user, key)); err != nil {
				return err
			}
			res.DefaultKeySecret = secret
		}
		if in.WebSession {
			token, err := db.openSession(ctx, tx, user, model.ClientWeb)
			res.SessionToken = token
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// CreateUser adds a colleague to the signed-in actor's account. Only the
// OWNER and ADMINs may, and nobody may add a second OWNER.
func (db *DB) CreateUser(ctx context.Context, actor *model.Actor, name, email, password string, role model.Role) (*model.User, error) {
	by, err := actor.SignedInUser()
	if err != nil {
		return nil, err
	}
	return db.createUser(ctx, by, name, email, password, role)
}

// createUser adds a colleague to by's account, as CreateUser does.
func (db *DB) createUser(ctx context.Context, by *model.User, name, email, password string, role model.Role) (*model.User, error) {
	if err := by.RequireManager(); err != nil {
		return nil, err
	}
	if err := model.CheckNewRole(role); err != nil {
		return nil, err
	}
	user, err := db.newUser(ctx, name, email, password, role)
	if err != nil {
		return nil, err
	}
	user.AccountID = by.AccountID
	user.SignedUpAt, user.CreatedAt = db.now(), db.now()
	err = db.transaction(ctx, func(tx *gorm.DB) error {
		var account model.Account
		if err := tx.First(&account, "id = ?", user.AccountID).Error; err != nil {
			return err
		}
		user.StoredAPIAccess = model.InitialAPIAccess(&account, user.Role)
		if err := insertUser(tx, user); err != nil {
			return err
		}
		ev := userEvent(model.AuditUserCreated, by)
		ev.TargetUserID, ev.Detail = optional(user.ID), optional(string(user.Role))
		return db.recordEvent(ctx, tx, ev)
	})
	if err != nil {
		return nil, err
	}
	return user, nil
}

// newUser validates a new user's fields and hashes the password.
func (db *DB) newUser(ctx context.Context, name, email, password string, role model.Role) (*model.User, error) {
	name, err := model.CleanName("name", name)
	if err != nil {
		return nil, err
	}
	display, normalized, err := model.NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	if err := model.CheckPassword(password); err != nil {
		return nil, err
	}
	hash, err := db.passwords.Hash(ctx, password)
	if err != nil {
		return nil, translate(err)
	}
	return &model.User{
		ID: credential.NewID("user"), Role: role, Name: name,
		Email: display, EmailNormalized: normalized, PasswordHash: hash,
	}, nil
}

// insertUser writes a new user; the email's unique index decides a race
// between two sign-ups with one address.
func insertUser(tx *gorm.DB, user *model.User) error {
	err := tx.Create(user).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return model.ErrEmailRegistered
	}
	return err
}

// UsersByIDs loads users by id, for the per-request loader.
func (db *DB) UsersByIDs(ctx context.Context, ids []string) (map[string]*model.User, error) {
	var users []*model.User
	if err := db.gorm.WithContext(ctx).Where("id IN ?", ids).Find(&users).Error; err != nil {
		return nil, translate(err)
	}
	out := make(map[string]*model.User, len(users))
	for _, u := range users {
		out[u.ID] = u
	}
	return out, nil
}

// AccountsByIDs loads accounts by id, for the per-request loader.
func (db *DB) AccountsByIDs(ctx context.Context, ids []string) (map[string]*model.Account, error) {
	var accounts []*model.Account
	if err := db.gorm.WithContext(ctx).Where("id IN ?", ids).Find(&accounts).Error; err != nil {
		return nil, translate(err)
	}
	out := make(map[string]*model.Account, len(accounts))
	for _, a := range accounts {
		out[a.ID] = a
	}
	return out, nil
}

// AccountUsers lists the actor's colleagues. Only the OWNER and ADMINs may.
func (db *DB) AccountUsers(ctx context.Context, actor *model.Actor) ([]*model.User, error) {
	if err := actor.User.RequireManager(); err != nil {
		return nil, err
	}
	var users []*model.User
	err := db.gorm.WithContext(ctx).Where("account_id = ?", actor.User.AccountID).
		Order("created_at, id").Find(&users).Error
	return users, translate(err)
}

// SetPowerUp switches the API Key Restriction Power-Up for an account. It is
// an operator's action, not a tenant's. changed is false when the Power-Up
// was already so; nothing is then written, not even an audit event.
func (db *DB) SetPowerUp(ctx context.Context, accountID string, enabled bool) (account *model.Account, changed bool, err error) {
	if !credential.ValidID("acct", accountID) {
		return nil, false, model.ErrNotFound
	}
	account = &model.Account{}
	err = db.transaction(ctx, func(tx *gorm.DB) error {
		// Conditional, so two operators at once cannot both count as the change.
		update := tx.Model(&model.Account{}).Where("id = ? AND api_key_restriction <> ?", accountID, enabled).
			Update("api_key_restriction", enabled)
		if update.Error != nil {
			return update.Error
		}
		if err := tx.First(account, "id = ?", accountID).Error; err != nil {
			return err
		}
		if changed = update.RowsAffected > 0; !changed {
			return nil
		}
		// The operator is nobody in the account: the event has no actor.
		return db.recordEvent(ctx, tx, model.AuditEvent{
			Action: model.AuditPowerUpChanged, AccountID: optional(account.ID),
			Detail: optional(switched(enabled) + " by operator"),
		})
	})
	if err != nil {
		return nil, false, err
	}
	return account, changed, nil
}

// SetUserAPIAccess is the OWNER's per-user switch under the Power-Up.
// Turning access off also deletes the user's keys, cutting their
// integrations off, and logs out mobile sessions bound to a default key.
func (db *DB) SetUserAPIAccess(ctx context.Context, actor *model.Actor, userID string, enabled bool) (res *AccessChange, err error) {
	owner, err := actor.SignedInUser()
	if err != nil {
		return nil, err
	}
	if err := owner.RequireOwner(); err != nil {
		return nil, err
	}
	res = &AccessChange{}
	validTarget := credential.ValidID("user", userID)
	err = db.revokingTransaction(ctx, func(tx *gorm.DB, revoke func(...string)) error {
		*res = AccessChange{}
		var account model.Account
		if err := tx.First(&account, "id = ?", owner.AccountID).Error; err != nil {
			return err
		}
		if err := model.CheckPowerUp(&account); err != nil {
			return err
		}
		if !validTarget {
			return model.ErrNotFound
		}
		var user model.User
		// Locking the user serialises this with createApiKey for the same
		// user: no key can slip in after access is turned off.
		if err := db.forUpdate(tx).First(&user, "id = ? AND account_id = ?", userID, account.ID).Error; err != nil {
			return err
		}
		if err := model.CheckAPIAccessChange(&user, enabled); err != nil {
			return err
		}
		if user.StoredAPIAccess != enabled {
			if err := tx.Model(&user).Update("api_access", enabled).Error; err != nil {
				return err
			}
			user.StoredAPIAccess = enabled
		}
		ev := userEvent(model.AuditAPIAccessChanged, owner)
		ev.TargetUserID, ev.Detail = optional(user.ID), optional(switched(enabled))
		if err := db.recordEvent(ctx, tx, ev); err != nil {
			return err
		}
		if !enabled {
			// Locked, in id order as every multi-key lock here is taken, so
			// that a key the user deletes meanwhile is either deleted here
			// or already gone from the result, never a NOT_FOUND that would
			// roll the whole change back.
			var keys []*model.APIKey
			if err := db.forUpdate(tx).Where("user_id = ?", user.ID).Order("id").Find(&keys).Error; err != nil {
				return err
			}
			for _, k := range keys {
				loggedOut, err := db.deleteKey(ctx, tx, owner, k, revoke)
				if err != nil {
					return err
				}
				res.DeletedKeys = append(res.DeletedKeys, k)
				res.LoggedOutMobileSessions += loggedOut
			}
		}
		res.User, res.Account = &user, &account
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// AccessChange is what SetUserAPIAccess did.
type AccessChange struct {
	User                    *model.User
	Account                 *model.Account
	DeletedKeys             []*model.APIKey
	LoggedOutMobileSessions int
}

// UserInAccount names a user together with the account whose keys are
// counted for them, so that a count never reaches past a tenant.
type UserInAccount struct{ AccountID, UserID string }

// APIKeyCounts counts the keys each user holds in the named account,
// expired and leaked ones included: what turning their access off would
// delete. A user of another account counts 0, as one without keys does.
func (db *DB) APIKeyCounts(ctx context.Context, users []UserInAccount) (map[UserInAccount]int, error) {
	byAccount := map[string][]string{}
	out := make(map[UserInAccount]int, len(users))
	for _, u := range users {
		byAccount[u.AccountID] = append(byAccount[u.AccountID], u.UserID)
		out[u] = 0
	}
	// A request's loader sees one account, so this is one statement.
	for accountID, userIDs := range byAccount {
		var rows []struct {
			UserID string
			N      int
		}
		err := db.gorm.WithContext(ctx).Model(&model.APIKey{}).
			Select("user_id, COUNT(*) AS n").
			Where("account_id = ? AND user_id IN ?", accountID, userIDs).
			Group("user_id").Scan(&rows).Error
		if err != nil {
			return nil, translate(err)
		}
		for _, r := range rows {
			out[UserInAccount{AccountID: accountID, UserID: r.UserID}] = r.N
		}
	}
	return out, nil
}
