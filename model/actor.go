package model

import (
	"context"
	"time"
)

// Actor is who is making a request: a user signed in with a session token,
// or an integration presenting one of that user's API keys.
type Actor struct {
	User    *User
	Account *Account
	// Session is set for a user session, nil for an API key.
	Session *Session
	// APIKey is set when the request was authenticated by an API key.
	APIKey *APIKey
	// PreviousSecretExpiresAt is set when the request presented the key's
	// previous secret, during the grace after a roll: when that secret
	// stops working.
	PreviousSecretExpiresAt *time.Time
}

// SignedInUser returns the user behind a's session, and refuses
// integrations: managing users, keys or access, and logging out, need a
// person signed in, not a key. The operations behind it take the user it
// returns, so that an operator's command (the demo seed), which acts as a
// user it made and holds no credential, reaches them without a session.
func (a *Actor) SignedInUser() (*User, error) {
	if a.Session == nil {
		return nil, &Error{Code: CodeForbidden, Message: "this mutation needs a user session, not an API key"}
	}
	return a.User, nil
}

// RequireManager refuses anyone but the account's OWNER and ADMINs.
func (u *User) RequireManager() error {
	if !u.Role.IsManager() {
		return ErrForbidden
	}
	return nil
}

// RequireOwner refuses anyone but the account's OWNER.
func (u *User) RequireOwner() error {
	if u.Role != RoleOwner {
		return ErrForbidden
	}
	return nil
}

type actorKey struct{}

// NewContextWithActor returns ctx carrying the authenticated actor.
func NewContextWithActor(ctx context.Context, a *Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFromContext returns the authenticated actor, or UNAUTHENTICATED.
func ActorFromContext(ctx context.Context) (*Actor, error) {
	a, _ := ctx.Value(actorKey{}).(*Actor)
	if a == nil {
		return nil, ErrUnauthenticated
	}
	return a, nil
}
