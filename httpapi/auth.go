package httpapi

import (
	"net/http"
	"strconv"

	"github.com/keyfob/keyfob/authn"
	"github.com/keyfob/keyfob/model"
)

// Headers the gateway endpoint returns on success, for the upstream.
const (
	HeaderAccountID = "X-Keyfob-Account-Id"
	HeaderUserID    = "X-Keyfob-User-Id"
	HeaderKeyID     = "X-Keyfob-Key-Id"
	// HeaderStatus carries the status on every answer, so that nginx's
	// auth_request (which turns anything but 2xx, 401 and 403 into 500) can
	// still pass 429 and 503 on to the client.
	HeaderStatus = "X-Keyfob-Status"
)

// authenticate admits GraphQL requests. Requests without credentials pass
// through anonymous: resolvers decide what they may do.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		actor, err := s.authn.Admit(w, r, true)
		s.authn.Observe(r, actor, err)
		if err != nil {
			writeError(w, authn.ClientError(err))
			return
		}
		if actor != nil {
			r = r.WithContext(model.NewContextWithActor(r.Context(), actor))
		}
		next.ServeHTTP(w, r)
	})
}

// errKeyRequired is the gateway endpoint's one answer to every refused
// credential: it takes API keys only.
var errKeyRequired = &model.Error{Code: model.CodeUnauthenticated, Message: "a valid API key is required"}

// verify is the forward-auth endpoint for gateways (nginx auth_request,
// Traefik ForwardAuth, Envoy ext_authz): any method, any path below it. It
// accepts API keys only, and answers 200 with the key's ids, or one small
// JSON error.
func (s *Server) verify() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		actor, err := s.authn.Admit(w, r, false)
		s.authn.Observe(r, actor, err)
		if err != nil {
			e := asDomain(authn.ClientError(err))
			if e.Code == model.CodeUnauthenticated {
				e = errKeyRequired
			}
			w.Header().Set(HeaderStatus, strconv.Itoa(statusOf(e.Code)))
			body := map[string]any{"code": e.Code, "message": e.Message}
			if e.Field != "" {
				body["field"] = e.Field // the bad header, as /graphql names it
			}
			writeJSON(w, e, map[string]any{"error": body})
			return
		}
		h := w.Header()
		h.Set(HeaderAccountID, actor.APIKey.AccountID)
		h.Set(HeaderUserID, actor.APIKey.UserID)
		h.Set(HeaderKeyID, actor.APIKey.ID)
		h.Set(HeaderStatus, "200")
		h.Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
	})
}
