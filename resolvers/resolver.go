// Package resolvers answers GraphQL fields. Each resolver takes the actor
// from the context and calls one domain operation; rules live in model and db.
package resolvers

import (
	"github.com/keyfob/keyfob/authn"
	"github.com/keyfob/keyfob/db"
)

// Resolver holds what the resolvers call into.
type Resolver struct {
	DB         *db.DB
	Authn      *authn.Authenticator
	LoginGuard *authn.LoginGuard
}
