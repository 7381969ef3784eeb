package db

import (
	"context"
	"fmt"
	"testing"

	"github.com/keyfob/keyfob/model"
)

// member is a user of a test account, signed in, with one key of their own.
type member struct {
	label   string
	session *model.Actor // the user through their session
	key     *model.APIKey
	keyAuth *model.Actor // the user through their key, as an integration
}

// newTeam signs up account name's OWNER, who adds an ADMIN and two AGENTs
// (so that an agent has a colleague of their own role). Everyone logs in
// and creates a key.
func newTeam(t *testing.T, store *DB, name string) []member {
	t.Helper()
	ctx := context.Background()
	const password = "correct horse battery"
	signUp, err := store.SignUp(ctx, SignUp{AccountName: name, Name: "Owner", Email: "owner@" + name + ".test", Password: password, WebSession: true})
	if err != nil {
		t.Fatal(err)
	}
	team := []member{{label: name + " OWNER", session: sessionActor(t, store, signUp.SessionToken)}}
	for i, role := range []model.Role{model.RoleAdmin, model.RoleAgent, model.RoleAgent} {
		label := fmt.Sprintf("%s %s %d", name, role, i)
		email := fmt.Sprintf("%s%d@%s.test", role, i, name)
		if _, err := store.CreateUser(ctx, team[0].session, label, email, password, role); err != nil {
			t.Fatal(err)
		}
		token, _, err := store.LogIn(ctx, email, password, model.ClientWeb)
		if err != nil {
			t.Fatal(err)
		}
		team = append(team, member{label: label, session: sessionActor(t, store, token)})
	}
	for i := range team {
		key, secret, err := store.CreateAPIKey(ctx, team[i].session, team[i].label)
		if err != nil {
			t.Fatal(err)
		}
		team[i].key, team[i].keyAuth = key, keyActor(t, store, secret)
	}
	return team
}

// APIKeys filters keys in SQL with model.CanSeeKey's rule, so that the
// database pages and counts only what the viewer may see; APIKey,
// DeleteAPIKey and UpdateAPIKey ask CanSeeKey itself. Each role, through a
// session and through a key, against its own key, each colleague's and
// each of another account's: the SQL and the rule agree.
func TestKeyVisibilityFollowsCanSeeKey(t *testing.T) {
	eachDatabase(t, func(t *testing.T, store *DB) {
		ctx := context.Background()
		everyone := append(newTeam(t, store, "a"), newTeam(t, store, "b")...)
		first := model.MaxPageSize
		for _, viewer := range everyone {
			for _, via := range []struct {
				name  string
				actor *model.Actor
			}{{"session", viewer.session}, {"key", viewer.keyAuth}} {
				who := viewer.label + " through a " + via.name
				page, err := store.APIKeys(ctx, via.actor, &first, nil, model.KeyPageFields{})
				if err != nil {
					t.Fatal(err)
				}
				listed := map[string]bool{}
				for _, k := range page.Keys {
					listed[k.ID] = true
				}
				visible := 0
				for _, owner := range everyone {
					want := model.CanSeeKey(via.actor.User, owner.key)
					if want {
						visible++
					}
					if listed[owner.key.ID] != want {
						t.Errorf("%s, %s's key: listed %v, CanSeeKey %v", who, owner.label, listed[owner.key.ID], want)
					}
					got, err := store.APIKey(ctx, via.actor, owner.key.ID)
					if err != nil {
						t.Fatal(err)
					}
					if (got != nil) != want {
						t.Errorf("%s, %s's key: APIKey found it %v, CanSeeKey %v", who, owner.label, got != nil, want)
					}
					if via.name == "session" && !want {
						if _, _, err := store.DeleteAPIKey(ctx, via.actor, owner.key.ID); model.ErrorCode(err) != model.CodeNotFound {
							t.Errorf("%s deleting %s's key: %v, want NOT_FOUND", who, owner.label, err)
						}
					}
					if via.name == "session" {
						// An empty change finds the key, or not, and changes nothing.
						_, err := store.UpdateAPIKey(ctx, via.actor, owner.key.ID, model.KeyChange{})
						if want && err != nil || !want && model.ErrorCode(err) != model.CodeNotFound {
							t.Errorf("%s updating %s's key: %v, CanSeeKey %v", who, owner.label, err, want)
						}
					}
				}
				if page.TotalCount != visible || len(page.Keys) != visible {
					t.Errorf("%s: a page of %d keys of %d, CanSeeKey allows %d", who, len(page.Keys), page.TotalCount, visible)
				}
			}
		}
	})
}

// Managing users, keys or access, and logging out, need a person signed
// in: each operation refuses an integration presenting even the OWNER's
// key, with model's one refusal, and changes nothing.
func TestSignedInOperationsRefuseAPIKeys(t *testing.T) {
	eachDatabase(t, func(t *testing.T, store *DB) {
		ctx := context.Background()
		team := newTeam(t, store, "a")
		owner, agent := team[0], team[2]
		// With the Power-Up, setUserApiAccess would otherwise succeed.
		if _, _, err := store.SetPowerUp(ctx, owner.session.User.AccountID, true); err != nil {
			t.Fatal(err)
		}
		_, refusal := owner.keyAuth.SignedInUser()
		if refusal == nil {
			t.Fatal("SignedInUser let an API key through")
		}
		ops := []struct {
			name string
			run  func(*model.Actor) error
		}{
			{"CreateAPIKey", func(a *model.Actor) error { _, _, err := store.CreateAPIKey(ctx, a, "Another"); return err }},
			{"DeleteAPIKey", func(a *model.Actor) error { _, _, err := store.DeleteAPIKey(ctx, a, agent.key.ID); return err }},
			{"UpdateAPIKey", func(a *model.Actor) error {
				name := "Renamed by a key"
				_, err := store.UpdateAPIKey(ctx, a, agent.key.ID, model.KeyChange{Name: &name})
				return err
			}},
			{"CreateUser", func(a *model.Actor) error {
				_, err := store.CreateUser(ctx, a, "New", "new@a.test", "correct horse battery", model.RoleAgent)
				return err
			}},
			{"SetUserAPIAccess", func(a *model.Actor) error {
				_, err := store.SetUserAPIAccess(ctx, a, agent.session.User.ID, false)
				return err
			}},
			{"LogOut", func(a *model.Actor) error { return store.LogOut(ctx, a) }},
		}
		before := rowCounts(t, store)
		for _, op := range ops {
			if err := op.run(owner.keyAuth); err == nil || err.Error() != refusal.Error() {
				t.Errorf("%s through the owner's key: %v, want %v", op.name, err, refusal)
			}
		}
		if after := rowCounts(t, store); after != before {
			t.Errorf("refused operations changed the database: %s, then %s", before, after)
		}
	})
}

// rowCounts sums up what the operations above would change.
func rowCounts(t *testing.T, store *DB) string {
	t.Helper()
	var c struct{ Users, Keys, LiveSessions, Events int }
	err := store.gorm.Raw(`SELECT (SELECT COUNT(*) FROM users) AS users, (SELECT COUNT(*) FROM api_keys) AS keys,
		(SELECT COUNT(*) FROM sessions WHERE revoked_at IS NULL) AS live_sessions, (SELECT COUNT(*) FROM audit_events) AS events`).Scan(&c).Error
	if err != nil {
		t.Fatal(err)
	}
	var access []bool
	if err := store.gorm.Raw("SELECT api_access FROM users ORDER BY id").Scan(&access).Error; err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%+v access %v", c, access)
}
