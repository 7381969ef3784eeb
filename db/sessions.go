package db

import (
	"context"
	"errors"
	"strings"
	"time"

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
	matched, err := db.passwords.Check(ctx, password, found.PasswordHash)
	if err != nil {
		return "", nil, translate(err)
	}
	if !matched {
		// Nothing changes, so the event is written on its own. It belongs
		// to the account whose email was typed; an unknown email's event
		// belongs to no account, and no tenant ever sees it. What was typed
		// is kept only when it is a user's address: anything else may be a
		// password typed into the wrong field.
		ev := model.AuditEvent{
			Action: model.AuditLoginFailed, AccountID: optional(found.AccountID), TargetUserID: optional(found.ID),
		}
		if found.ID != "" {
			ev.ActorEmail = optional(model.StorableText(email, model.MaxEmailLength))
		}
		if err := db.recordEvent(ctx, db.gorm.WithContext(ctx), ev); err != nil {
			return "", nil, translate(err)
		}
		return "", nil, model.ErrBadCredentials
	}
	err = db.transaction(ctx, func(tx *gorm.DB) error {
		token, err = db.openSession(ctx, tx, &found, client)
		return err
	})
	if err != nil {
		return "", nil, err
	}
	return token, &found, nil
}

// openSession starts a session for user within tx and records the log-in.
// A mobile session is bound to the user's Default API Key, if any, so that
// deleting that key logs it out.
func (db *DB) openSession(ctx context.Context, tx *gorm.DB, user *model.User, client model.ClientKind) (string, error) {
	token := credential.NewSessionToken()
	at := db.now()
	session := &model.Session{
		ID: credential.NewID("sess"), UserID: user.ID, AccountID: user.AccountID,
		TokenHash: credential.Hash(token), Client: client, CreatedAt: at, ExpiresAt: at.Add(db.SessionTTL),
	}
	if client == model.ClientMobile {
		// Locked, so that deleting the key waits for this session (and
		// logs it out) or has already gone: the session then binds to
		// nothing instead of failing its foreign key with INTERNAL.
		var key model.APIKey
		err := db.forUpdate(tx).Take(&key, "user_id = ? AND is_default", user.ID).Error
		if err == nil {
			session.APIKeyID = &key.ID
		} else if !errors.Is(err, gorm.ErrRecordNotFound) {
			return "", err
		}
	}
	if err := tx.Create(session).Error; err != nil {
		return "", err
	}
	ev := userEvent(model.AuditLoggedIn, user)
	ev.Detail = optional(string(client))
	return token, db.recordEvent(ctx, tx, ev)
}

// LogOut revokes the actor's session.
func (db *DB) LogOut(ctx context.Context, actor *model.Actor) error {
	user, err := actor.SignedInUser()
	if err != nil {
		return err
	}
	return db.revokingTransaction(ctx, func(tx *gorm.DB, revoke func(...string)) error {
		res := tx.Model(&model.Session{}).
			Where("id = ? AND revoked_at IS NULL", actor.Session.ID).Update("revoked_at", db.now())
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			// A concurrent logOut of the same session won: this token no
			// longer authenticates, and the log-out is recorded once.
			return model.ErrUnauthenticated
		}
		revoke(actor.Session.TokenHash)
		ev := userEvent(model.AuditLoggedOut, user)
		ev.Detail = optional(string(actor.Session.Client))
		return db.recordEvent(ctx, tx, ev)
	})
}

// ActorBySession returns whoever holds a live session with this token hash,
// or NOT_FOUND.
func (db *DB) ActorBySession(ctx context.Context, tokenHash string) (*model.Actor, error) {
	var row sessionRow
	err := db.actorQuery(ctx, &row, "sessions", "s", &model.Session{},
		"s.token_hash = ? AND s.revoked_at IS NULL AND s.expires_at > ?", tokenHash, db.now())
	if err != nil {
		return nil, err
	}
	return row.actor(), nil
}

// ActorsBySessions is ActorBySession for many token hashes in one
// statement: actors[i] answers tokenHashes[i], nil where ActorBySession
// would answer NOT_FOUND. The cache renews the sessions in use this way.
func (db *DB) ActorsBySessions(ctx context.Context, tokenHashes []string) ([]*model.Actor, error) {
	var rows []sessionRow
	err := db.actorsQuery(ctx, &rows, "sessions", "s", &model.Session{},
		"s.token_hash IN ? AND s.revoked_at IS NULL AND s.expires_at > ?", tokenHashes, db.now())
	if err != nil {
		return nil, err
	}
	byHash := make(map[string]*model.Actor, len(rows))
	for i := range rows {
		byHash[rows[i].Session.TokenHash] = rows[i].actor()
	}
	actors := make([]*model.Actor, len(tokenHashes))
	for i, h := range tokenHashes {
		actors[i] = byHash[h]
	}
	return actors, nil
}

type sessionRow struct {
	Session model.Session `gorm:"embedded;embeddedPrefix:s_"`
	User    model.User    `gorm:"embedded;embeddedPrefix:u_"`
	Account model.Account `gorm:"embedded;embeddedPrefix:a_"`
}

func (r *sessionRow) actor() *model.Actor {
	return &model.Actor{User: &r.User, Account: &r.Account, Session: &r.Session}
}

// ActorByAPIKey returns the owner of the key with this secret hash, acting
// through that key, or NOT_FOUND. An expired key is NOT_FOUND, as an
// unknown one is: it stays in the table for admins to see, not to use.
func (db *DB) ActorByAPIKey(ctx context.Context, secretHash string) (*model.Actor, error) {
	var row keyRow
	// A key is found by its current secret, or by the previous one while
	// the grace after a roll lasts.
	where := "k.secret_hash = ? OR k.previous_secret_hash = ?"
	if err := db.actorQuery(ctx, &row, "api_keys", "k", &model.APIKey{}, where, secretHash, secretHash); err != nil {
		return nil, err
	}
	if actor := row.actorBy(secretHash, db.now()); actor != nil {
		return actor, nil
	}
	return nil, model.ErrNotFound
}

// ActorsByAPIKeys is ActorByAPIKey for many secret hashes in one
// statement: actors[i] answers secretHashes[i], nil where ActorByAPIKey
// would answer NOT_FOUND. The cache renews the keys in use this way.
func (db *DB) ActorsByAPIKeys(ctx context.Context, secretHashes []string) ([]*model.Actor, error) {
	var rows []keyRow
	where := "k.secret_hash IN ? OR k.previous_secret_hash IN ?"
	if err := db.actorsQuery(ctx, &rows, "api_keys", "k", &model.APIKey{}, where, secretHashes, secretHashes); err != nil {
		return nil, err
	}
	// A row answers for its current secret and for its previous one: both
	// may be asked for in the same batch.
	byHash := make(map[string]*keyRow, 2*len(rows))
	for i := range rows {
		byHash[rows[i].Key.SecretHash] = &rows[i]
		if previous := rows[i].Key.PreviousSecretHash; previous != nil {
			if _, taken := byHash[*previous]; !taken {
				byHash[*previous] = &rows[i]
			}
		}
	}
	now := db.now()
	actors := make([]*model.Actor, len(secretHashes))
	for i, h := range secretHashes {
		if row := byHash[h]; row != nil {
			actors[i] = row.actorBy(h, now)
		}
	}
	return actors, nil
}

type keyRow struct {
	Key     model.APIKey  `gorm:"embedded;embeddedPrefix:k_"`
	User    model.User    `gorm:"embedded;embeddedPrefix:u_"`
	Account model.Account `gorm:"embedded;embeddedPrefix:a_"`
}

// actorBy is the actor presenting secretHash, one of the row's key's
// hashes, at now; nil if that secret does not work (NOT_FOUND).
func (r *keyRow) actorBy(secretHash string, now time.Time) *model.Actor {
	// Compared here, by the store's clock, rather than in SQL: SQLite
	// keeps times as text, and the rule is model's.
	if r.Key.Expired(now) || r.Key.Leaked() {
		return nil
	}
	actor := &model.Actor{User: &r.User, Account: &r.Account, APIKey: &r.Key}
	if r.Key.SecretHash != secretHash {
		if !r.Key.PreviousSecretLive(now) {
			return nil
		}
		actor.PreviousSecretExpiresAt = r.Key.PreviousSecretExpiresAt
	}
	return actor
}

// actorQuery loads a credential row with its user (prefixed u_) and account
// (a_) into dest in one statement, or answers NOT_FOUND. Every cache miss
// runs it, so one round trip rather than three. table is the credential's
// table, alias its alias in the query, and row its model.
func (db *DB) actorQuery(ctx context.Context, dest any, table, alias string, row any, where string, args ...any) error {
	found, err := db.scanActors(ctx, dest, table, alias, row, where+" LIMIT 1", args...)
	if err == nil && found == 0 {
		return model.ErrNotFound
	}
	return err
}

// actorsQuery is actorQuery for every row that matches, into the slice
// dest points to; the cache's batched renewals run it.
func (db *DB) actorsQuery(ctx context.Context, dest any, table, alias string, row any, where string, args ...any) error {
	_, err := db.scanActors(ctx, dest, table, alias, row, where, args...)
	return err
}

// scanActors runs the statement of actorQuery and actorsQuery and reports
// how many rows it read.
func (db *DB) scanActors(ctx context.Context, dest any, table, alias string, row any, where string, args ...any) (int64, error) {
	columns, err := db.actorColumns(alias, row)
	if err != nil {
		return 0, err
	}
	tx := db.gorm.WithContext(ctx).Raw("SELECT "+columns+" FROM "+table+" "+alias+
		" JOIN users u ON u.id = "+alias+".user_id JOIN accounts a ON a.id = u.account_id WHERE "+where, args...).
		Scan(dest)
	return tx.RowsAffected, translate(tx.Error)
}

// actorColumns lists the columns of row (under alias), users (u) and
// accounts (a), each named with its alias as a prefix. They come from
// GORM's own schemas, so a new column needs no edit here, and are listed
// once per alias.
func (db *DB) actorColumns(alias string, row any) (string, error) {
	if columns, ok := db.actorSelects.Load(alias); ok {
		return columns.(string), nil
	}
	var list []string
	for _, m := range []struct {
		alias string
		model any
	}{{alias, row}, {"u", &model.User{}}, {"a", &model.Account{}}} {
		stmt := &gorm.Statement{DB: db.gorm}
		if err := stmt.Parse(m.model); err != nil {
			return "", err
		}
		for _, column := range stmt.Schema.DBNames {
			list = append(list, m.alias+"."+column+" AS "+m.alias+"_"+column)
		}
	}
	columns := strings.Join(list, ", ")
	db.actorSelects.Store(alias, columns)
	return columns, nil
}
