// Package loader batches the look-ups that GraphQL field resolvers make, so
// that a list of N keys costs a fixed number of queries rather than N.
// Loaders live for one request: their caches never outlive it.
package loader

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/vikstrous/dataloadgen"

	"github.com/keyfob/keyfob/db"
	"github.com/keyfob/keyfob/model"
)

// Loaders are one request's batching loaders.
type Loaders struct {
	User                 *dataloadgen.Loader[string, *model.User]
	Account              *dataloadgen.Loader[string, *model.Account]
	Usage                *dataloadgen.Loader[string, []*model.IntegrationUsage]
	ActiveMobileSessions *dataloadgen.Loader[string, int]
	// DailyUsage loads every kept day, whatever days a field asks for, so
	// that a page is primed without reading arguments and aliases with
	// different days share one query; the resolver keeps the last days.
	DailyUsage *dataloadgen.Loader[string, []*model.DailyUsage]
	// APIKeyCount counts a user's keys within an account, so that a list
	// of users asks once.
	APIKeyCount *dataloadgen.Loader[db.UserInAccount, int]
}

// wait is how long a loader gathers keys before it queries. Resolvers of one
// list run concurrently, so a short wait catches them all.
const wait = time.Millisecond

// New returns fresh loaders reading from store.
func New(store *db.DB) *Loaders {
	opt := dataloadgen.WithWait(wait)
	return &Loaders{
		User:                 dataloadgen.NewMappedLoader(store.UsersByIDs, opt),
		Account:              dataloadgen.NewMappedLoader(store.AccountsByIDs, opt),
		Usage:                dataloadgen.NewMappedLoader(store.UsageByKeys, opt),
		ActiveMobileSessions: dataloadgen.NewMappedLoader(store.ActiveMobileSessions, opt),
		DailyUsage:           dataloadgen.NewMappedLoader(store.DailyUsageByKeys, opt),
		APIKeyCount:          dataloadgen.NewMappedLoader(store.APIKeyCounts, opt),
	}
}

type ctxKey struct{}

// lazy makes a request's loaders on first use: most integration requests
// never resolve a field that needs one.
type lazy struct {
	store   *db.DB
	once    sync.Once
	loaders *Loaders
}

// NewContext gives a request's context its own loaders. The request's
// other per-request values (its actor) go into the same context, so that
// the request is copied once for all of them.
func NewContext(ctx context.Context, store *db.DB) context.Context {
	return context.WithValue(ctx, ctxKey{}, &lazy{store: store})
}

// For returns the request's loaders.
func For(ctx context.Context) *Loaders {
	l := ctx.Value(ctxKey{}).(*lazy)
	l.once.Do(func() { l.loaders = New(l.store) })
	return l.loaders
}

// OptionalUser loads the user an optional reference names: nil for no
// reference, and nil for a user who no longer exists, as an audit event
// may outlive the user it names.
func (l *Loaders) OptionalUser(ctx context.Context, id *string) (*model.User, error) {
	if id == nil {
		return nil, nil
	}
	u, err := l.User.Load(ctx, *id)
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return nil, nil
	}
	return u, err
}
