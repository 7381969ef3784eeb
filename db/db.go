// Package db stores Keyfob's domain in PostgreSQL (production) or an
// embedded SQLite file (the zero-setup default) through GORM. Each exported
// method is one domain operation in one transaction.
package db

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jonboulle/clockwork"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"golang.org/x/sync/errgroup"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/model"
)

//go:embed migrations
var migrations embed.FS

// DB is Keyfob's storage.
type DB struct {
	gorm      *gorm.DB
	postgres  bool
	passwords *credential.Passwords
	// SessionTTL is how long a new session token lasts.
	SessionTTL time.Duration
	// OnRevoke, if set, is called after a commit that revoked credentials
	// (deleted keys, ended sessions) with their hashes.
	OnRevoke func(hashes []string)
	keyCaps  model.KeyCaps
	known    *knownPairs
	// scratch holds the usage flush's working memory between flushes.
	scratch chan *flushScratch
	// dailyPrunedOn is the UTC day (model.UsageDay) this process last
	// pruned old daily usage on.
	dailyPrunedOn atomic.Int64
	clock         clockwork.Clock
	// actorSelects caches actorColumns' lists by alias.
	actorSelects sync.Map
}

// newDB is a DB over g, which may be a transaction, set up by opts as Open
// completed them. OnRevoke stays unset.
func newDB(g *gorm.DB, pg bool, opts Options) *DB {
	clock := opts.Clock
	if clock == nil {
		clock = clockwork.NewRealClock()
	}
	return &DB{gorm: g, postgres: pg, passwords: opts.Passwords, SessionTTL: opts.SessionTTL, keyCaps: opts.KeyCaps, known: newKnownPairs(), scratch: make(chan *flushScratch, 1), clock: clock}
}

// Clock is the clock the store reads, which the services built on it
// share, so that one fake clock moves them all.
func (db *DB) Clock() clockwork.Clock { return db.clock }

// Options tune a connection.
type Options struct {
	Passwords  *credential.Passwords
	SessionTTL time.Duration
	// KeyCaps bound the keys per user and per account; a zero field takes
	// its value from model.DefaultKeyCaps.
	KeyCaps model.KeyCaps
	// Logger receives GORM's statements; nil keeps it silent.
	Logger logger.Interface
	// Clock tells the time sessions are issued, expire and are used at;
	// nil is the real clock. Tests move a fake one instead of sleeping.
	Clock clockwork.Clock
	// MaxConnections sizes PostgreSQL's pool; 0 is DefaultMaxConnections.
	// SQLite always has one.
	MaxConnections int
}

// DefaultMaxConnections is PostgreSQL's pool size unless set: PostgreSQL's
// own default allows 100 connections, shared by every instance.
const DefaultMaxConnections = 20

// IsPostgres reports whether dsn names a PostgreSQL database rather than an
// SQLite file.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open connects to PostgreSQL when dsn is a postgres:// URL, and otherwise
// opens (creating if needed) the SQLite file at dsn.
func Open(dsn string, opts Options) (*DB, error) {
	if opts.Passwords == nil {
		return nil, errors.New("db: Options.Passwords is required")
	}
	if opts.SessionTTL == 0 {
		opts.SessionTTL = 30 * 24 * time.Hour
	}
	if opts.KeyCaps.PerUser == 0 {
		opts.KeyCaps.PerUser = model.DefaultKeyCaps.PerUser
	}
	if opts.KeyCaps.PerAccount == 0 {
		opts.KeyCaps.PerAccount = model.DefaultKeyCaps.PerAccount
	}
	if opts.Logger == nil {
		opts.Logger = logger.Discard
	}
	if opts.Clock == nil {
		opts.Clock = clockwork.NewRealClock()
	}
	clock := opts.Clock
	cfg := &gorm.Config{
		Logger:                 opts.Logger,
		TranslateError:         true,
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return clock.Now().UTC().Truncate(time.Microsecond) },
	}
	var dialector gorm.Dialector
	pg := IsPostgres(dsn)
	if pg {
		dialector = postgres.Open(dsn)
	} else {
		// SQLite reports a missing directory as "out of memory (14)".
		if dir := filepath.Dir(strings.TrimPrefix(dsn, "file:")); missingDir(dir) {
			return nil, fmt.Errorf("open SQLite file %s: directory %s does not exist", dsn, dir)
		}
		// One writer at a time is SQLite's nature; WAL lets readers go on
		// meanwhile, and foreign keys must be switched on per connection.
		// synchronous(FULL) syncs every commit: with NORMAL, a power loss
		// could take back the last commits, such as a key's deletion.
		dialector = sqlite.Open(dsn + "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=synchronous(FULL)")
	}
	g, err := gorm.Open(dialector, cfg)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, err
	}
	if pg {
		size := cmp.Or(opts.MaxConnections, DefaultMaxConnections)
		// Connections opened stay open, idle or not: a look-up that had to
		// wait for PostgreSQL to start a backend would spend its bound on
		// that (see OpenConnections).
		sqlDB.SetMaxOpenConns(size)
		sqlDB.SetMaxIdleConns(size)
	} else {
		// A single connection serialises transactions, so SQLite never
		// answers SQLITE_BUSY to a write that began as a read.
		sqlDB.SetMaxOpenConns(1)
	}
	return newDB(g, pg, opts), nil
}

// OpenConnections opens every connection of PostgreSQL's pool now, side
// by side, and leaves them idle in the pool; SQLite has none to open. A
// server calls it before it serves: a credential's look-up is bounded
// (-db-lookup-timeout), and a burst of cold credentials after a start,
// each look-up on a new connection, would otherwise spend the bound
// waiting for PostgreSQL to start backends, which on a busy machine takes
// longer than the look-up itself, and refuse known keys. It returns how
// many it opened, and the first error once ctx ends or the database
// refuses; the pool then opens the rest on demand.
func (db *DB) OpenConnections(ctx context.Context) (int, error) {
	if !db.postgres {
		return 0, nil
	}
	pool := db.SQL()
	conns := make([]*sql.Conn, pool.Stats().MaxOpenConnections)
	var g errgroup.Group
	for i := range conns {
		g.Go(func() error {
			c, err := pool.Conn(ctx)
			conns[i] = c
			return err
		})
	}
	err := g.Wait()
	opened := 0
	for _, c := range conns {
		if c != nil {
			_ = c.Close() // back to the pool, which keeps it idle
			opened++
		}
	}
	return opened, translate(err)
}

// Close releases the connection pool.
func (db *DB) Close() error {
	sqlDB, err := db.gorm.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	sqlDB, err := db.gorm.DB()
	if err != nil {
		return err
	}
	return translate(sqlDB.PingContext(ctx))
}

// SQL is the connection pool, for its statistics.
func (db *DB) SQL() *sql.DB {
	sqlDB, _ := db.gorm.DB() // never fails for the dialectors Open uses
	return sqlDB
}

// Gorm exposes the connection for tests that inspect storage directly.
func (db *DB) Gorm() *gorm.DB { return db.gorm }

func (db *DB) provider() (*goose.Provider, error) {
	dialect, dir := goose.DialectSQLite3, "migrations/sqlite"
	var opts []goose.ProviderOption
	if db.postgres {
		dialect, dir = goose.DialectPostgres, "migrations/postgres"
		// An advisory lock held for the whole run makes instances that
		// start together migrate one after another.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	sub, err := fs.Sub(migrations, dir)
	if err != nil {
		return nil, err
	}
	sqlDB, err := db.gorm.DB()
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(dialect, sqlDB, sub, opts...)
}

// Migrate brings the schema up to date and says how many migrations that
// took: zero when it already was.
func (db *DB) Migrate(ctx context.Context) (applied int, err error) {
	p, err := db.provider()
	if err != nil {
		return 0, err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", translate(err))
	}
	return len(results), nil
}

// MigrationsCurrent reports whether every migration has been applied.
func (db *DB) MigrationsCurrent(ctx context.Context) (bool, error) {
	p, err := db.provider()
	if err != nil {
		return false, err
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return false, translate(err)
	}
	return !pending, nil
}

// now is the clock every row is stamped with: UTC, at the microsecond
// precision both databases keep, so values round-trip exactly.
// now is the database's idea of the time: its clock's, in UTC, to the
// microsecond both databases keep.
func (db *DB) now() time.Time { return db.clock.Now().UTC().Truncate(time.Microsecond) }

// transaction runs fn in one transaction and translates what it returns.
// PostgreSQL breaks a deadlock (or a serialization conflict) by aborting
// one side, such as a usage flush and a key deletion that lock the same
// usage rows in opposite orders. That side runs again: every fn here starts
// from scratch and keeps nothing from an aborted attempt.
func (db *DB) transaction(ctx context.Context, fn func(tx *gorm.DB) error) error {
	for attempt := 1; ; attempt++ {
		err := db.gorm.WithContext(ctx).Transaction(fn)
		if attempt < maxTransactionAttempts && isTransactionConflict(err) {
			continue
		}
		return translate(err)
	}
}

const maxTransactionAttempts = 3

// isForeignKeyViolation covers both paths an error takes: through GORM,
// which translates it, and straight from the driver.
func isForeignKeyViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.Is(err, gorm.ErrForeignKeyViolated) || errors.As(err, &pgErr) && pgErr.Code == "23503"
}

func isTransactionConflict(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40P01" || pgErr.Code == "40001")
}

// forUpdate locks the selected rows until the transaction ends, so that
// checks made on them still hold when the transaction writes. SQLite needs
// no clause: its single connection already serialises transactions.
func (db *DB) forUpdate(tx *gorm.DB) *gorm.DB {
	if db.postgres {
		return tx.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	return tx
}

// forNoKeyUpdate is forUpdate for a row that others reference, such as an
// account: it serialises the transactions that take it just the same, but
// leaves alone the foreign-key checks of inserts referencing the row, so
// sign-ins and audit events in the account do not queue behind it. SQLite
// needs no clause, as for forUpdate.
func (db *DB) forNoKeyUpdate(tx *gorm.DB) *gorm.DB {
	if db.postgres {
		return tx.Clauses(clause.Locking{Strength: "NO KEY UPDATE"})
	}
	return tx
}

// translate turns storage failures into domain errors: a missing row is
// NOT_FOUND, a lost database is UNAVAILABLE, and the rest stays internal.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var domain *model.Error
	switch {
	case errors.As(err, &domain):
		return domain
	case errors.Is(err, gorm.ErrRecordNotFound):
		return model.ErrNotFound
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case isConnectionError(err):
		return fmt.Errorf("%w (%v)", model.ErrUnavailable, err)
	}
	return err
}

func isConnectionError(err error) bool {
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &connectErr), errors.As(err, &netErr),
		errors.Is(err, driver.ErrBadConn), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return true
	case errors.As(err, &pgErr):
		// Class 08 is "connection exception"; 57P01-03 are shutdowns.
		return strings.HasPrefix(pgErr.Code, "08") || pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03"
	}
	return pgconn.SafeToRetry(err) || strings.Contains(err.Error(), "conn closed")
}

// OpenRaw opens a bare GORM connection to a PostgreSQL URL, for tools and
// tests that manage databases rather than Keyfob's data.
func OpenRaw(dsn string) (*gorm.DB, error) {
	return gorm.Open(postgres.Open(dsn), &gorm.Config{Logger: logger.Discard})
}

func missingDir(path string) bool {
	_, err := os.Stat(path)
	return errors.Is(err, fs.ErrNotExist)
}
