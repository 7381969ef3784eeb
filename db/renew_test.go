package db

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/model"
)

// The batched look-ups the cache renews with answer every credential as
// the single look-up would, in one statement per batch: found with the
// same actor (a previous secret with its grace's end), or not found for a
// key deleted, expired or leaked, a previous secret past its grace, and a
// session revoked or ended.
func TestActorsByCredentialsAnswerAsSingleLookUps(t *testing.T) {
	eachDatabaseAt(t, time.Now(), func(t *testing.T, store *DB, clock *clockwork.FakeClock) {
		ctx := context.Background()
		team := newTeam(t, store, "batch")
		past := clock.Now().Add(-time.Minute)
		update := func(table, id, column string, value any) {
			t.Helper()
			if err := store.Gorm().Table(table).Where("id = ?", id).Update(column, value).Error; err != nil {
				t.Fatal(err)
			}
		}

		inGrace, _, err := store.RollAPIKey(ctx, team[0].session, team[0].key.ID, 60)
		if err != nil {
			t.Fatal(err)
		}
		graceOver, _, err := store.RollAPIKey(ctx, team[1].session, team[1].key.ID, 60)
		if err != nil {
			t.Fatal(err)
		}
		update("api_keys", graceOver.ID, "previous_secret_expires_at", past)
		if err := store.Gorm().Exec("DELETE FROM api_keys WHERE id = ?", team[2].key.ID).Error; err != nil {
			t.Fatal(err)
		}
		update("api_keys", team[3].key.ID, "leak_reported_at", past)
		expiring, _, err := store.CreateAPIKey(ctx, team[3].session, "expired")
		if err != nil {
			t.Fatal(err)
		}
		update("api_keys", expiring.ID, "expires_at", past)
		live, _, err := store.CreateAPIKey(ctx, team[3].session, "live")
		if err != nil {
			t.Fatal(err)
		}
		keyHashes := []string{
			inGrace.SecretHash, *inGrace.PreviousSecretHash, graceOver.SecretHash, *graceOver.PreviousSecretHash,
			team[2].key.SecretHash, team[3].key.SecretHash, expiring.SecretHash, live.SecretHash, credential.Hash("unknown"),
		}
		wantFound := []bool{true, true, true, false, false, false, false, true, false}

		update("sessions", team[1].session.Session.ID, "revoked_at", past)
		update("sessions", team[2].session.Session.ID, "expires_at", past)
		sessionHashes := []string{
			team[0].session.Session.TokenHash, team[1].session.Session.TokenHash,
			team[2].session.Session.TokenHash, team[3].session.Session.TokenHash, credential.Hash("unknown"),
		}
		wantSessions := []bool{true, false, false, true, false}

		for _, kind := range []struct {
			name   string
			hashes []string
			want   []bool
			single func(context.Context, string) (*model.Actor, error)
			batch  func(context.Context, []string) ([]*model.Actor, error)
		}{
			{"keys", keyHashes, wantFound, store.ActorByAPIKey, store.ActorsByAPIKeys},
			{"sessions", sessionHashes, wantSessions, store.ActorBySession, store.ActorsBySessions},
		} {
			statements := store.CountStatements()
			actors, err := kind.batch(ctx, kind.hashes)
			if err != nil {
				t.Fatal(err)
			}
			if n := statements.Load(); n != 1 {
				t.Errorf("%s: the batch ran %d statements, want 1", kind.name, n)
			}
			if len(actors) != len(kind.hashes) {
				t.Fatalf("%s: %d answers for %d hashes", kind.name, len(actors), len(kind.hashes))
			}
			for i, h := range kind.hashes {
				single, err := kind.single(ctx, h)
				if (err == nil) != kind.want[i] || err != nil && err != model.ErrNotFound {
					t.Fatalf("%s %d: the single look-up answered %v, want found %v", kind.name, i, err, kind.want[i])
				}
				if !reflect.DeepEqual(actors[i], single) {
					t.Errorf("%s %d: the batch answered %+v, the single look-up %+v", kind.name, i, actors[i], single)
				}
			}
		}
		if actors, _ := store.ActorsByAPIKeys(ctx, keyHashes); actors[1].PreviousSecretExpiresAt == nil || actors[0].PreviousSecretExpiresAt != nil {
			t.Error("the batch did not tell the previous secret in its grace from the current one")
		}
	})
}
