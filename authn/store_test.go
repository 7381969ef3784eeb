package authn

import (
	"context"
	"testing"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/db"
	"github.com/keyfob/keyfob/model"
)

// signedUpStore opens the database at dsn (a file path is SQLite) with
// opts, migrates it, and signs an account up; it returns the store and
// the owner, acting through a session. Its password hashing is cheap:
// these tests sign in with keys.
func signedUpStore(t testing.TB, dsn string, opts db.Options, account, email string) (*db.DB, *model.Actor) {
	t.Helper()
	params := credential.DefaultPasswordParams
	params.Memory = 1024
	opts.Passwords, _ = credential.NewPasswords(params)
	store, err := db.Open(dsn, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	ctx := context.Background()
	if _, err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	res, err := store.SignUp(ctx, db.SignUp{AccountName: account, Name: account[:1], Email: email, Password: "password123"})
	if err != nil {
		t.Fatal(err)
	}
	return store, &model.Actor{User: res.User, Account: res.Account, Session: &model.Session{}}
}
