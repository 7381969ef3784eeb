package reliability

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/db"
	"github.com/keyfob/keyfob/internal/testkit"
	"github.com/keyfob/keyfob/model"
)

// Two instances recording a key's 100th integration at the same moment must
// not both take the last place under the cap. PostgreSQL only: SQLite
// serves one instance.
func TestIntegrationCapHoldsAcrossInstances(t *testing.T) {
	e := testkit.NewEnv(t, "postgres", nil)
	owner := e.SignUp(t, "Capped")
	keyID, _ := e.CreateKey(t, owner, "Busy")
	passwords, err := credential.NewPasswords(credential.DefaultPasswordParams)
	if err != nil {
		t.Fatal(err)
	}
	other, err := db.Open(e.DSN, db.Options{Passwords: passwords})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	at := time.Now().UTC().Truncate(time.Microsecond)
	inc := func(integration string) db.UsageIncrement {
		return db.UsageIncrement{APIKeyID: keyID, Integration: integration, Requests: 1, FirstUsedAt: at, LastUsedAt: at}
	}
	var first []db.UsageIncrement
	for i := range model.MaxIntegrations - 1 {
		first = append(first, inc("n"+strconv.Itoa(i)))
	}
	if err := e.Store.RecordUsage(context.Background(), credential.NewID("flush"), first); err != nil {
		t.Fatal(err)
	}

	// Hold a row both flushes will update, so that each reads the key's
	// names (99) before either can commit its new one.
	raw, err := db.OpenRaw(e.DSN)
	if err != nil {
		t.Fatal(err)
	}
	hold := raw.Begin()
	if err := hold.Exec("SELECT 1 FROM integration_usages WHERE api_key_id = ? AND integration = 'n0' FOR UPDATE", keyID).Error; err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i, store := range []*db.DB{e.Store, other} {
		wg.Go(func() {
			batch := []db.UsageIncrement{inc("n0"), inc("late-" + strconv.Itoa(i))}
			if err := store.RecordUsage(context.Background(), credential.NewID("flush"), batch); err != nil {
				t.Error(err)
			}
		})
	}
	time.Sleep(300 * time.Millisecond) // both flushes are under way and waiting
	if err := hold.Commit().Error; err != nil {
		t.Fatal(err)
	}
	wg.Wait()

	usage, err := e.Store.UsageByKeys(context.Background(), []string{keyID})
	if err != nil {
		t.Fatal(err)
	}
	named := 0
	for _, u := range usage[keyID] {
		if u.Integration != model.OverflowIntegration {
			named++
		}
	}
	if named != model.MaxIntegrations {
		t.Fatalf("%d named integrations after two instances raced for the last place; want %d and the rest under %q",
			named, model.MaxIntegrations, model.OverflowIntegration)
	}
}
