// Package resolvers answers GraphQL fields. Each resolver takes the actor
// from the context and calls one domain operation; rules live in model and db.
package resolvers

import (
	"github.com/keyfob/keyfob/account"
	"github.com/keyfob/keyfob/db"
	"github.com/keyfob/keyfob/model"
)

// Resolver holds what the resolvers call into.
type Resolver struct {
	DB       *db.DB
	Accounts *account.Service
}

// pageInfo describes a page of a connection: whether more follow, and the
// cursor of its last item.
func pageInfo[T any](items []T, hasNext bool, cursor func(T) string) *model.PageInfo {
	info := &model.PageInfo{HasNextPage: hasNext}
	if n := len(items); n > 0 {
		end := cursor(items[n-1])
		info.EndCursor = &end
	}
	return info
}
