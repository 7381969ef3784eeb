package db

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/internal/pgtest"
	"github.com/keyfob/keyfob/model"
)

// An update is stored, audited with what changed, and revoked as a
// deletion is, so that the next request reads the key again: its cached
// actor carries the key, access included. A change to nothing does none
// of that.
func TestUpdateAPIKeyRevokesAndAudits(t *testing.T) {
	eachDatabase(t, func(t *testing.T, store *DB) {
		ctx := context.Background()
		team := newTeam(t, store, "u")
		owner, agent := team[0], team[2]
		var revoked [][]string
		store.OnRevoke = func(hashes []string) { revoked = append(revoked, hashes) }
		updated := func() []model.AuditEvent {
			var events []model.AuditEvent
			if err := store.gorm.Where("action = ?", model.AuditAPIKeyUpdated).Order("occurred_at").Find(&events).Error; err != nil {
				t.Fatal(err)
			}
			return events
		}

		note, readOnly := "Line one\nline two", model.KeyAccessReadOnly
		key, err := store.UpdateAPIKey(ctx, owner.session, agent.key.ID, model.KeyChange{Note: &note, Access: &readOnly})
		if err != nil {
			t.Fatal(err)
		}
		if key.Access != readOnly || key.Note == nil || *key.Note != note || key.Name != agent.key.Name {
			t.Errorf("updated key %+v", key)
		}
		if want := [][]string{{agent.key.SecretHash}}; !slices.EqualFunc(revoked, want, slices.Equal[[]string]) {
			t.Errorf("revoked %v, want the key's hash once: %v", revoked, want)
		}
		actor, err := store.ActorByAPIKey(ctx, agent.key.SecretHash)
		if err != nil {
			t.Fatal(err)
		}
		if actor.APIKey.Access != readOnly {
			t.Errorf("the key's next look-up has access %q, want %q", actor.APIKey.Access, readOnly)
		}
		events := updated()
		if len(events) != 1 {
			t.Fatalf("%d API_KEY_UPDATED events, want 1", len(events))
		}
		ev := events[0]
		str := func(p *string) string {
			if p == nil {
				return ""
			}
			return *p
		}
		if str(ev.Detail) != "note, access READ_ONLY" ||
			str(ev.ActorUserID) != owner.session.User.ID || str(ev.TargetUserID) != agent.session.User.ID ||
			str(ev.APIKeyID) != agent.key.ID || str(ev.APIKeyName) != agent.key.Name || str(ev.APIKeyLast4) != agent.key.Last4 {
			t.Errorf("event %+v", ev)
		}

		// The same values again change nothing.
		if _, err := store.UpdateAPIKey(ctx, owner.session, agent.key.ID, model.KeyChange{Note: &note, Access: &readOnly}); err != nil {
			t.Fatal(err)
		}
		if len(revoked) != 1 || len(updated()) != 1 {
			t.Errorf("a change to nothing revoked %d times and recorded %d events, want 1 and 1", len(revoked), len(updated()))
		}
	})
}

// A key with an expiry is stored with it, to the microsecond, and is
// NOT_FOUND from that instant on, by the store's clock, while it stays in
// the table.
func TestAPIKeyExpiry(t *testing.T) {
	for kind, dsn := range map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return filepath.Join(t.TempDir(), "keyfob.db") },
		"postgres": func(t *testing.T) string { return pgtest.FreshSchema(t) },
	} {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			clock := clockwork.NewFakeClockAt(time.Now())
			store := openMigratedAt(t, dsn(t), clock)
			owner := newTeam(t, store, "x")[0]
			past := clock.Now()
			if _, _, err := store.CreateAPIKeyWith(ctx, owner.session, NewAPIKey{Name: "Late", Access: model.KeyAccessFull, ExpiresAt: &past}); model.ErrorCode(err) != model.CodeBadUserInput {
				t.Fatalf("expiresAt now: %v, want BAD_USER_INPUT", err)
			}
			expires := clock.Now().Add(time.Hour + 1500*time.Nanosecond)
			key, secret, err := store.CreateAPIKeyWith(ctx, owner.session, NewAPIKey{Name: "Expiring", Access: model.KeyAccessFull, ExpiresAt: &expires})
			if err != nil {
				t.Fatal(err)
			}
			want := expires.UTC().Truncate(time.Microsecond)
			stored, err := store.APIKey(ctx, owner.session, key.ID)
			if err != nil || stored == nil || stored.ExpiresAt == nil || !stored.ExpiresAt.Equal(want) || !key.ExpiresAt.Equal(want) {
				t.Fatalf("stored %+v (%v), want expiresAt %v", stored, err, want)
			}
			clock.Advance(want.Sub(clock.Now()) - time.Nanosecond)
			keyActor(t, store, secret)
			clock.Advance(time.Nanosecond)
			if _, err := store.ActorByAPIKey(ctx, credential.Hash(secret)); err != model.ErrNotFound {
				t.Fatalf("at expiresAt: %v, want NOT_FOUND", err)
			}
			if stored, _ := store.APIKey(ctx, owner.session, key.ID); stored == nil || stored.Status(clock.Now()) != model.APIKeyStatusExpired {
				t.Errorf("the expired key: %+v, want it kept and EXPIRED", stored)
			}
		})
	}
}

func TestDecodeUsage(t *testing.T) {
	at := time.Date(2026, 12, 4, 10, 11, 12, 345678000, time.UTC)
	for _, c := range []struct{ name, raw string }{
		{"PostgreSQL", `[["a \"quoted\" \\ name", 1796379072345678, 1796379072345678, 7], ` + "\n " + `["b", 1796379072345678, 1796379072345678, 9007199254740993]]`},
		{"SQLite", `[["a \"quoted\" \\ name","2026-12-04 10:11:12.345678+00:00","2026-12-04T10:11:12.345678Z",7],["b","2026-12-04 10:11:12.345678+00:00","2026-12-04 10:11:12.345678+00:00",9007199254740993]]`},
	} {
		t.Run(c.name, func(t *testing.T) {
			rows, err := decodeUsage("key_1", []byte(c.raw))
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 2 || rows[0].Integration != `a "quoted" \ name` || rows[1].Integration != "b" ||
				!rows[0].FirstUsedAt.Equal(at) || !rows[1].LastUsedAt.Equal(at) || rows[0].RequestCount != 7 ||
				rows[1].RequestCount != 9007199254740993 || rows[0].APIKeyID != "key_1" {
				t.Fatalf("decoded %+v %+v", *rows[0], *rows[1])
			}
		})
	}
	for _, bad := range []string{``, `[`, `[["a",1,2]]`, `[["a",1,2,3]`, `[["a","not a time",2,3]]`, `[["a",1,2,3]]x`} {
		if rows, err := decodeUsage("key_1", []byte(bad)); err == nil {
			t.Errorf("decodeUsage(%q) = %v, want an error", bad, rows)
		}
	}
	if rows, err := decodeUsage("key_1", []byte(`[]`)); err != nil || rows == nil || len(rows) != 0 {
		t.Fatalf("decodeUsage([]) = %v, %v; want an empty, non-nil list", rows, err)
	}
}

// One key's usage rows as the list statement returns them on PostgreSQL:
// 20 integrations, the larger size of issue 16's comparison.
func BenchmarkDecodeUsage(b *testing.B) {
	var raw []byte
	raw = append(raw, '[')
	for i := range 20 {
		if i > 0 {
			raw = append(raw, ", "...)
		}
		raw = fmt.Appendf(raw, `["integration %d", 1796379072345678, 1796379072345678, %d]`, i, 1000+i)
	}
	raw = append(raw, ']')
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeUsage("key_1", raw); err != nil {
			b.Fatal(err)
		}
	}
}
