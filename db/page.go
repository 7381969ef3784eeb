package db

import (
	"context"
	"database/sql"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/model"
)

// newestFirst reads one page of the rows scope selects, newest first by
// column then id, after the cursor, with the total count of those rows.
// The count and the page are read in one snapshot, so that a row written
// meanwhile cannot be in one and not the other. column is one of ours,
// never a client's.
func newestFirst[T any](ctx context.Context, db *DB, scope func(*gorm.DB) *gorm.DB, column, idPrefix string, first *int, after *string) (rows []*T, hasNext bool, total int, err error) {
	limit, err := model.PageSize(first)
	if err != nil {
		return nil, false, 0, err
	}
	var at time.Time
	var id string
	if after != nil {
		var ok bool
		if at, id, ok = DecodeCursor(*after, idPrefix); !ok {
			return nil, false, 0, model.InvalidInput("after", "after is not a cursor this API returned")
		}
	}
	var count int64
	err = db.snapshot(ctx, func(tx *gorm.DB) error {
		if err := scope(tx).Count(&count).Error; err != nil {
			return err
		}
		page := scope(tx)
		if after != nil {
			page = page.Where(column+" < ? OR ("+column+" = ? AND id < ?)", at, at, id)
		}
		return page.Order(column + " DESC, id DESC").Limit(limit + 1).Find(&rows).Error
	})
	if err != nil {
		return nil, false, 0, translate(err)
	}
	if len(rows) > limit {
		rows, hasNext = rows[:limit], true
	}
	return rows, hasNext, int(count), nil
}

// snapshot runs read in one read-only transaction whose statements all
// see the same state: REPEATABLE READ on PostgreSQL, where READ COMMITTED
// gives each statement a snapshot of its own; an SQLite transaction reads
// one snapshot by nature (WAL).
func (db *DB) snapshot(ctx context.Context, read func(tx *gorm.DB) error) error {
	var opts *sql.TxOptions
	if db.postgres {
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	return db.gorm.WithContext(ctx).Transaction(read, opts)
}

// Cursor encodes a row's place in a newest-first list: its time and id.
func Cursor(at time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(at.UnixMicro(), 10) + ":" + id))
}

// DecodeCursor reverses Cursor for a row whose id has idPrefix; ok is false
// for anything Cursor did not make.
func DecodeCursor(c, idPrefix string) (at time.Time, id string, ok bool) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, "", false
	}
	micros, id, found := strings.Cut(string(raw), ":")
	n, err := strconv.ParseInt(micros, 10, 64)
	if !found || err != nil || !credential.ValidID(idPrefix, id) {
		return time.Time{}, "", false
	}
	at = time.UnixMicro(n).UTC()
	// Cursor only makes times a row can have. Others would reach the
	// database: PostgreSQL refuses years past 294276 (an internal error
	// here) and SQLite compares years past 9999 as text.
	if at.Before(oldestCursor) || at.After(newestCursor) {
		return time.Time{}, "", false
	}
	return at, id, true
}

var (
	oldestCursor = time.Unix(0, 0).UTC()
	newestCursor = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
)
