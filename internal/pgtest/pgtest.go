// Package pgtest gives tests of any package their own PostgreSQL schema in
// TEST_DATABASE_URL's database, so that tests never share tables.
package pgtest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// URL is TEST_DATABASE_URL: empty when PostgreSQL tests are not wanted.
func URL() string { return os.Getenv("TEST_DATABASE_URL") }

// FreshSchema creates an empty schema, dropped when the test ends, and
// returns a URL whose connections use it. Without TEST_DATABASE_URL the
// test is skipped.
func FreshSchema(t testing.TB) string {
	t.Helper()
	base := URL()
	if base == "" {
		t.Skip("needs TEST_DATABASE_URL")
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
