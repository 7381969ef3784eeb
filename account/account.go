// Package account runs the operations that anyone may attempt with an
// email and a password: signing up, logging in and adding a colleague.
// Each runs under the log-in limits, so that nobody can guess passwords,
// or find out which emails are registered, faster than the limits allow.
package account

import (
	"context"
	"net/netip"
	"strings"
	"time"

	"github.com/keyfob/keyfob/authn"
	"github.com/keyfob/keyfob/db"
	"github.com/keyfob/keyfob/model"
)

// Service is the account operations over a store, under a guard's limits.
type Service struct {
	DB    *db.DB
	Guard *authn.LoginGuard
}

// SignUp creates an account and its owner's first session. An email that
// is already registered counts against the client's address.
func (s *Service) SignUp(ctx context.Context, in db.SignUp) (res *db.SignUpResult, err error) {
	err = s.Guard.LimitEmailProbe(ctx, func() error {
		res, err = s.DB.SignUp(ctx, in)
		return err
	})
	return res, err
}

// CreateUser adds a colleague to the actor's account. An email that is
// already registered counts against the client's address.
func (s *Service) CreateUser(ctx context.Context, actor *model.Actor, name, email, password string, role model.Role) (user *model.User, err error) {
	err = s.Guard.LimitEmailProbe(ctx, func() error {
		user, err = s.DB.CreateUser(ctx, actor, name, email, password, role)
		return err
	})
	return user, err
}

// LogIn signs a user in unless too many attempts failed recently for the
// email or the client's address.
func (s *Service) LogIn(ctx context.Context, email, password string, client model.ClientKind) (token string, user *model.User, err error) {
	trusted := func(ctx context.Context, email string, network netip.Prefix) (bool, error) {
		return s.DB.LoggedInFrom(ctx, email, network, time.Now().Add(-authn.TrustPeriod))
	}
	// The audit log keeps the email as it was typed.
	err = s.Guard.LimitLogIn(ctx, email, trusted, func() error {
		token, user, err = s.DB.LogIn(ctx, strings.TrimSpace(email), password, client)
		return err
	})
	return token, user, err
}
