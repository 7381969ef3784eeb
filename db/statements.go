package db

import (
	"sync/atomic"

	"gorm.io/gorm"
)

// CountStatements counts every SQL statement GORM runs on db from now on.
// Tests use it to prove that a path makes no query, or a fixed number.
func (db *DB) CountStatements() *atomic.Int64 {
	var n atomic.Int64
	count := func(*gorm.DB) { n.Add(1) }
	cb := db.gorm.Callback()
	name := "keyfob:count"
	_ = cb.Query().After("*").Register(name, count)
	_ = cb.Create().After("*").Register(name, count)
	_ = cb.Update().After("*").Register(name, count)
	_ = cb.Delete().After("*").Register(name, count)
	_ = cb.Row().After("*").Register(name, count)
	_ = cb.Raw().After("*").Register(name, count)
	return &n
}
