package main

import (
	"context"
	"fmt"
	"io"

	"github.com/keyfob/keyfob/db"
)

// seedDemo fills the database with the "Demo Realty" account. Its passwords
// are public, so it refuses any database holding other data.
func seedDemo(ctx context.Context, store *db.DB, stdout io.Writer) error {
	res, err := store.SeedDemo(ctx)
	if err != nil {
		return err
	}
	if !res.Created {
		fmt.Fprintf(stdout, "demo data already present (account %s); nothing changed\n", res.AccountID)
		return nil
	}
	fmt.Fprintf(stdout, "created account %q (%s)\n", db.DemoAccountName, res.AccountID)
	for _, u := range res.Users {
		fmt.Fprintf(stdout, "  user %-28s password %-20s role %s\n", u.Email, u.Password, u.Role)
	}
	for _, k := range res.Keys {
		fmt.Fprintf(stdout, "  key  %-28s owner %-28s secret %s\n", k.Name, k.Owner, k.Secret)
	}
	fmt.Fprintln(stdout, "  secrets are shown only now; run seed-demo again and it changes nothing")
	return nil
}
