package db

import (
	"context"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/keyfob/keyfob/model"
)

// A page of the audit log and its totalCount come from one snapshot: an
// event written between the count and the rows is in neither. The event
// is written from another of the pool's connections, by a GORM callback
// that runs right after the count.
func TestAuditPageCountsWhatItLists(t *testing.T) {
	store := openTestStore(t)
	ctx := context.Background()
	res, err := store.SignUp(ctx, SignUp{AccountName: "Snapshot", Name: "S", Email: "s@example.test", Password: "password123"})
	if err != nil {
		t.Fatal(err)
	}
	owner := &model.Actor{User: res.User, Account: res.Account, Session: &model.Session{}}
	var once sync.Once
	var written error
	err = store.gorm.Callback().Query().After("gorm:query").Register("test:write_between", func(tx *gorm.DB) {
		if tx.Statement.Table != "audit_events" {
			return
		}
		once.Do(func() { _, _, written = store.CreateAPIKey(ctx, owner, "written meanwhile") })
	})
	if err != nil {
		t.Fatal(err)
	}
	first := 50
	page, err := store.AuditEvents(ctx, owner, &first, nil)
	if err != nil || written != nil {
		t.Fatalf("listing: %v; writing meanwhile: %v", err, written)
	}
	if page.TotalCount != len(page.Events) || page.TotalCount != 1 {
		t.Fatalf("totalCount %d with %d events listed, want both 1 (the sign-up, as before the key was created)", page.TotalCount, len(page.Events))
	}
	after, err := store.AuditEvents(ctx, owner, &first, nil)
	if err != nil || after.TotalCount != 2 || len(after.Events) != 2 {
		t.Fatalf("the next read: %v, totalCount %d, %d events; want the key's creation too", err, after.TotalCount, len(after.Events))
	}
}
