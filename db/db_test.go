package db

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"gorm.io/gorm"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/internal/pgtest"
	"github.com/keyfob/keyfob/model"
)

// openTestStore opens a store on a fresh schema of TEST_DATABASE_URL's
// database, dropped when the test ends; without it the test is skipped.
func openTestStore(t *testing.T) *DB {
	t.Helper()
	return openMigrated(t, pgtest.FreshSchema(t))
}

// openSQLiteStore opens a store on a fresh SQLite file.
func openSQLiteStore(t *testing.T) *DB {
	t.Helper()
	return openMigrated(t, filepath.Join(t.TempDir(), "keyfob.db"))
}

// eachDatabase runs test on SQLite, and on PostgreSQL when
// TEST_DATABASE_URL is set: the same rules must hold in both dialects.
func eachDatabase(t *testing.T, test func(t *testing.T, store *DB)) {
	t.Run("sqlite", func(t *testing.T) { test(t, openSQLiteStore(t)) })
	t.Run("postgres", func(t *testing.T) { test(t, openTestStore(t)) })
}

func openMigrated(t *testing.T, dsn string) *DB {
	t.Helper()
	return openMigratedAt(t, dsn, nil)
}

// openMigratedAt is openMigrated with the store reading clock (nil for
// the real one).
func openMigratedAt(t *testing.T, dsn string, clock clockwork.Clock) *DB {
	t.Helper()
	// Cheap hashing: tests sign many users up and in.
	params := credential.DefaultPasswordParams
	params.Memory = 1024
	passwords, err := credential.NewPasswords(params)
	if err != nil {
		t.Fatal(err)
	}
	store, err := Open(dsn, Options{Passwords: passwords, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if _, err := store.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return store
}

// sessionActor is who holds token, as a request with it would be.
func sessionActor(t *testing.T, store *DB, token string) *model.Actor {
	t.Helper()
	actor, err := store.ActorBySession(context.Background(), credential.Hash(token))
	if err != nil {
		t.Fatal(err)
	}
	return actor
}

// keyActor is who presents secret, as a request with it would be.
func keyActor(t *testing.T, store *DB, secret string) *model.Actor {
	t.Helper()
	actor, err := store.ActorByAPIKey(context.Background(), credential.Hash(secret))
	if err != nil {
		t.Fatal(err)
	}
	return actor
}

// Two transactions that lock the same rows in opposite orders deadlock;
// PostgreSQL aborts one, and transaction runs it again, so both succeed
// and neither change is lost.
func TestTransactionRerunsTheDeadlockVictim(t *testing.T) {
	store := openTestStore(t)
	if err := store.gorm.Exec("CREATE TABLE counters (id int PRIMARY KEY, n int NOT NULL); INSERT INTO counters VALUES (1, 0), (2, 0)").Error; err != nil {
		t.Fatal(err)
	}

	var attempts atomic.Int32
	var firstLocks sync.WaitGroup
	firstLocks.Add(2)
	lockBoth := func(first, second int) func(tx *gorm.DB) error {
		var once sync.Once
		return func(tx *gorm.DB) error {
			attempts.Add(1)
			if err := tx.Exec("UPDATE counters SET n = n + 1 WHERE id = ?", first).Error; err != nil {
				return err
			}
			// On the first attempt only, wait until both hold their first
			// row, so that each then waits for the other's.
			once.Do(func() { firstLocks.Done(); firstLocks.Wait() })
			return tx.Exec("UPDATE counters SET n = n + 1 WHERE id = ?", second).Error
		}
	}
	errs := make(chan error, 2)
	go func() { errs <- store.transaction(context.Background(), lockBoth(1, 2)) }()
	go func() { errs <- store.transaction(context.Background(), lockBoth(2, 1)) }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("a side of the deadlock failed: %v", err)
		}
	}
	// Three attempts is the rule; on a loaded machine both backends can
	// find the cycle before either aborts, and both run again. What must
	// hold is that some side ran again and each change applied once.
	if n := attempts.Load(); n < 3 {
		t.Fatalf("%d attempts, want at least 3: one side should have been aborted and run again", n)
	}
	var counts []int
	if err := store.gorm.Raw("SELECT n FROM counters ORDER BY id").Scan(&counts).Error; err != nil {
		t.Fatal(err)
	}
	if len(counts) != 2 || counts[0] != 2 || counts[1] != 2 {
		t.Fatalf("counters %v, want [2 2]: each transaction applied once", counts)
	}
}

// A key deleted while a flush's upsert runs (after its join saw the key,
// before its rows were checked against it) fails the statement on the
// foreign key. RecordUsage runs it again, and the key's rows are dropped
// rather than failing the batch until the next flush.
func TestFlushSurvivesAKeyDeletedMidStatement(t *testing.T) {
	store := openTestStore(t)
	ctx := context.Background()
	signUp, err := store.SignUp(ctx, SignUp{AccountName: "Race", Name: "R", Email: "r@example.test", Password: "password123", WebSession: true})
	if err != nil {
		t.Fatal(err)
	}
	actor := sessionActor(t, store, signUp.SessionToken)
	doomed, _, err := store.CreateAPIKey(ctx, actor, "Doomed")
	if err != nil {
		t.Fatal(err)
	}
	kept, _, err := store.CreateAPIKey(ctx, actor, "Kept")
	if err != nil {
		t.Fatal(err)
	}
	at := store.now()
	batch := func(n int) []UsageIncrement {
		return []UsageIncrement{
			{APIKeyID: doomed.ID, Integration: "Zapier", Requests: n, FirstUsedAt: at, LastUsedAt: at},
			{APIKeyID: kept.ID, Integration: "Zapier", Requests: n, FirstUsedAt: at, LastUsedAt: at},
		}
	}
	// Both pairs exist and are known, so the next flush locks no key.
	if err := store.RecordUsage(ctx, "flush_1", batch(1)); err != nil {
		t.Fatal(err)
	}
	// Each row the upsert produces first waits on an advisory lock this
	// test holds: the join has seen the key, its row is not yet written.
	holder, err := store.SQL().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	if _, err := holder.ExecContext(ctx, "SELECT pg_advisory_lock(4242)"); err != nil {
		t.Fatal(err)
	}
	if err := store.gorm.Exec(`CREATE FUNCTION hold_usage_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_advisory_lock(4242); PERFORM pg_advisory_unlock(4242); RETURN NEW; END $$;
CREATE TRIGGER hold_usage_row BEFORE INSERT ON integration_usages FOR EACH ROW EXECUTE FUNCTION hold_usage_row()`).Error; err != nil {
		t.Fatal(err)
	}
	flushed := make(chan error, 1)
	go func() { flushed <- store.RecordUsage(ctx, "flush_2", batch(5)) }()
	waitFor(t, func() bool {
		var waiting int
		store.gorm.Raw("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242 AND NOT granted").Scan(&waiting)
		return waiting > 0
	})
	if _, _, err := store.DeleteAPIKey(ctx, actor, doomed.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := holder.ExecContext(ctx, "SELECT pg_advisory_unlock(4242)"); err != nil {
		t.Fatal(err)
	}
	if err := <-flushed; err != nil {
		t.Fatalf("the flush failed on the deleted key: %v", err)
	}
	var requests int
	if err := store.gorm.Raw("SELECT request_count FROM integration_usages WHERE api_key_id = ?", kept.ID).Scan(&requests).Error; err != nil {
		t.Fatal(err)
	}
	if requests != 6 {
		t.Fatalf("the kept key has %d requests, want 6", requests)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
