// Package authn authenticates HTTP requests. It turns the Authorization
// header into an actor (a user session or an API key's owner), refuses
// anything else with one uniform answer, and records each key's usage.
package authn

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/db"
	"github.com/keyfob/keyfob/model"
)

// Authenticator is the authentication middleware's state.
type Authenticator struct {
	DB     *db.DB
	Logger *slog.Logger
}

// Middleware authenticates the request if it carries credentials. Requests
// without any pass through anonymous: resolvers decide what they may do.
func (a *Authenticator) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		header := r.Header.Get("Authorization")
		if header == "" {
			next.ServeHTTP(w, r)
			return
		}
		actor, err := a.authenticate(r.Context(), header)
		if err != nil {
			a.refuse(w, r, err)
			return
		}
		if actor.APIKey != nil {
			integration, err := model.CleanIntegration(r.Header.Get("X-System"))
			if err != nil {
				WriteError(w, err)
				return
			}
			if err := a.recordUsage(r.Context(), actor.APIKey, integration); err != nil {
				a.refuse(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(model.NewContextWithActor(r.Context(), actor)))
	})
}

// authenticate resolves an Authorization header to an actor. Every way a
// credential can be wrong answers ErrUnauthenticated.
func (a *Authenticator) authenticate(ctx context.Context, header string) (*model.Actor, error) {
	secret, ok := credential.FromAuthorization(header)
	if !ok {
		return nil, errMalformed
	}
	var actor *model.Actor
	var err error
	if credential.Classify(secret) == credential.KindSession {
		actor, err = a.DB.ActorBySession(ctx, credential.Hash(secret))
	} else {
		actor, err = a.DB.ActorByAPIKey(ctx, credential.Hash(secret))
	}
	if errors.Is(err, model.ErrNotFound) {
		return nil, errUnknown
	}
	return actor, err
}

func (a *Authenticator) recordUsage(ctx context.Context, key *model.APIKey, integration string) error {
	at := time.Now().UTC().Truncate(time.Microsecond)
	return a.DB.RecordUsage(ctx, []db.UsageIncrement{{
		APIKeyID: key.ID, Integration: integration, Requests: 1, FirstUsedAt: at, LastUsedAt: at,
	}})
}

// Reasons a credential was refused. They reach the log, never the client.
var (
	errMalformed = errors.New("malformed credentials")
	errUnknown   = errors.New("unknown, expired, revoked or deleted credentials")
)

func (a *Authenticator) refuse(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, errMalformed) || errors.Is(err, errUnknown) {
		a.Logger.InfoContext(r.Context(), "authentication refused", "reason", err.Error(), "path", r.URL.Path)
		err = model.ErrUnauthenticated
	} else if model.ErrorCode(err) == model.CodeInternal {
		a.Logger.ErrorContext(r.Context(), "authentication failed", "error", err)
	}
	WriteError(w, err)
}

// StatusOf is the HTTP status that answers a request refused before
// GraphQL runs, by its error code.
func StatusOf(code model.Code) int {
	switch code {
	case model.CodeUnauthenticated:
		return http.StatusUnauthorized
	case model.CodeForbidden:
		return http.StatusForbidden
	case model.CodeNotFound:
		return http.StatusNotFound
	case model.CodeBadUserInput:
		return http.StatusBadRequest
	case model.CodeRateLimited:
		return http.StatusTooManyRequests
	case model.CodeUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// WriteError answers with a GraphQL-shaped error body, so that GraphQL
// clients read a refusal as they read any other error.
func WriteError(w http.ResponseWriter, err error) {
	var e *model.Error
	if !errors.As(err, &e) {
		e = &model.Error{Code: model.CodeInternal, Message: "internal error"}
	}
	ext := map[string]any{"code": e.Code}
	if e.Field != "" {
		ext["field"] = e.Field
	}
	if e.Code == model.CodeUnauthenticated {
		// Bearer, not Basic: Basic makes browsers pop up a login dialog.
		w.Header().Set("WWW-Authenticate", `Bearer realm="keyfob"`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(StatusOf(e.Code))
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{"message": e.Message, "extensions": ext}},
	})
}
