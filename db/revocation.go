package db

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
)

// revocationChannel is the SQL for the PostgreSQL NOTIFY channel on which
// every change that revokes a credential is announced to every instance
// using the same schema. NOTIFY channels span the database, so the channel
// is named for the schema: deployments (or tests) in other schemas of one
// database must not hear each other's revocations, each of which makes
// the look-ups under way on a listener discard what they found. A digest
// keeps the name within PostgreSQL's 63 bytes whatever the schema's name.
const revocationChannel = "'keyfob_revoked:' || left(md5(current_schema()), 16)"

// ListenerApplicationName is the revocation listener's application_name.
const ListenerApplicationName = "keyfob-revocation-listener"

// notifyBatch keeps each NOTIFY payload under PostgreSQL's 8000-byte limit.
const notifyBatch = 100

// announceRevoked queues a NOTIFY for revoked credential hashes inside tx, so
// the announcement goes out if and only if the revocation commits. SQLite
// serves one instance, which learns of revocations through OnRevoke alone.
func (db *DB) announceRevoked(tx *gorm.DB, hashes []string) error {
	if !db.postgres {
		return nil
	}
	for start := 0; start < len(hashes); start += notifyBatch {
		end := min(start+notifyBatch, len(hashes))
		payload := strings.Join(hashes[start:end], ",")
		if err := tx.Exec("SELECT pg_notify("+revocationChannel+", ?)", payload).Error; err != nil {
			return err
		}
	}
	return nil
}

// revokingTransaction runs fn in a transaction; the credential hashes fn
// reports revoked are announced with the commit and handed to OnRevoke
// before the method returns, so this instance refuses them at once.
func (db *DB) revokingTransaction(ctx context.Context, fn func(tx *gorm.DB, revoke func(hashes ...string)) error) error {
	var revoked []string
	err := db.transaction(ctx, func(tx *gorm.DB) error {
		revoked = revoked[:0]
		if err := fn(tx, func(h ...string) { revoked = append(revoked, h...) }); err != nil {
			return err
		}
		return db.announceRevoked(tx, revoked)
	})
	if err == nil && len(revoked) > 0 && db.OnRevoke != nil {
		db.OnRevoke(revoked)
	}
	return err
}

// ListenerEvents receives what the revocation listener learns.
type ListenerEvents struct {
	// Revoked is called with the credential hashes another (or this)
	// instance revoked.
	Revoked func(hashes []string)
	// Listening is called with true once LISTEN is in place and with false
	// the moment the connection is lost: notifications sent meanwhile are
	// lost, so the cache must not be trusted until it is listening again.
	Listening func(bool)
}

// ListenRevocations follows RevocationChannel on a dedicated connection
// outside GORM's pool until ctx ends, reconnecting with a short backoff.
func ListenRevocations(ctx context.Context, dsn string, events ListenerEvents, logger *slog.Logger) {
	const minBackoff, maxBackoff = 50 * time.Millisecond, 2 * time.Second
	backoff := minBackoff
	for ctx.Err() == nil {
		err := listenOnce(ctx, dsn, events, func() { backoff = minBackoff })
		events.Listening(false)
		if ctx.Err() != nil {
			return
		}
		logger.Warn("revocation listener lost its connection; cache bypassed until it reconnects", "error", err, "retry_in", backoff.String())
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, maxBackoff)
	}
}

func listenOnce(ctx context.Context, dsn string, events ListenerEvents, connected func()) error {
	config, err := pgx.ParseConfig(dsn)
	if err != nil {
		return err
	}
	// Named, so an operator can tell it from the pool's connections in
	// pg_stat_activity.
	config.RuntimeParams["application_name"] = ListenerApplicationName
	connectCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	conn, err := pgx.ConnectConfig(connectCtx, config)
	cancel()
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var channel string
	if err := conn.QueryRow(ctx, "SELECT "+revocationChannel).Scan(&channel); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		return err
	}
	connected()
	events.Listening(true)
	for {
		waitCtx, cancel := context.WithTimeout(ctx, listenerHeartbeat)
		n, err := conn.WaitForNotification(waitCtx)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			// A quiet second. A connection a NAT or firewall dropped without
			// closing stays quiet forever, so it must answer a ping in time
			// or count as lost. (pgx keeps the connection usable after a
			// timed-out wait.)
			pingCtx, cancel := context.WithTimeout(ctx, listenerHeartbeat)
			err = conn.Ping(pingCtx)
			cancel()
			if err == nil {
				continue
			}
			return fmt.Errorf("revocation listener's connection stopped answering: %w", err)
		}
		if err != nil {
			return err
		}
		if n.Payload != "" {
			events.Revoked(strings.Split(n.Payload, ","))
		}
	}
}

// listenerHeartbeat is how long the listener waits in silence before it
// pings, and how long the ping may take: a stalled connection is noticed
// within two of them.
const listenerHeartbeat = time.Second
