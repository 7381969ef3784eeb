package db

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/model"
)

// newestFirst returns one page of q's rows, ordered newest first by (column,
// id), after the cursor; whether more rows follow; and how many rows q
// matches in all. Every connection pages this way, so cursors work alike.
// column is one of ours, never a client's.
func newestFirst[T any](q *gorm.DB, column, idPrefix string, first *int, after *string) (rows []*T, hasNext bool, total int, err error) {
	limit, err := model.PageSize(first)
	if err != nil {
		return nil, false, 0, err
	}
	page := q.Session(&gorm.Session{})
	if after != nil {
		at, id, ok := DecodeCursor(*after, idPrefix)
		if !ok {
			return nil, false, 0, model.InvalidInput("after", "after is not a cursor this API returned")
		}
		page = page.Where(column+" < ? OR ("+column+" = ? AND id < ?)", at, at, id)
	}
	var count int64
	if err := q.Session(&gorm.Session{}).Count(&count).Error; err != nil {
		return nil, false, 0, translate(err)
	}
	if err := page.Order(column + " DESC, id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, false, 0, translate(err)
	}
	if len(rows) > limit {
		rows, hasNext = rows[:limit], true
	}
	return rows, hasNext, int(count), nil
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
