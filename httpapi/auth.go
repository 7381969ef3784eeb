package httpapi

import (
	"net/http"
	"strconv"

	"github.com/keyfob/keyfob/authn"
	"github.com/keyfob/keyfob/loader"
	"github.com/keyfob/keyfob/model"
)

// Headers the gateway endpoint returns on success, for the upstream.
const (
	HeaderAccountID = "X-Keyfob-Account-Id"
	HeaderUserID    = "X-Keyfob-User-Id"
	HeaderKeyID     = "X-Keyfob-Key-Id"
	// HeaderKeyAccess is the key's access, FULL or READ_ONLY, so that the
	// upstream can apply finer rules.
	HeaderKeyAccess = "X-Keyfob-Key-Access"
	// HeaderStatus carries the status on every answer, so that nginx's
	// auth_request (which turns anything but 2xx, 401 and 403 into 500) can
	// still pass 429 and 503 on to the client.
	HeaderStatus = "X-Keyfob-Status"
)

// authenticate admits GraphQL requests, and gives each admitted request
// its own loaders. Requests without credentials pass through anonymous:
// resolvers decide what they may do.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A key runs queries only on /graphql, whatever the method.
		admitted, err := s.authn.Admit(w, r, true, "")
		s.authn.Observe(r, admitted.Actor, err)
		if err != nil {
			writeError(w, authn.ClientError(err))
			return
		}
		// One copy of the request for the actor and the loaders together.
		ctx := loader.NewContext(r.Context(), s.store)
		if admitted.Actor != nil {
			ctx = model.NewContextWithActor(ctx, admitted.Actor)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// Header values every successful verification shares. Each is full
// (len == cap), so that an Add to one answer's header copies it instead of
// writing into the others'.
var (
	statusOKValue = []string{"200"}[:1:1]
	noStoreValue  = []string{"no-store"}[:1:1]
)

// errKeyRequired is the gateway endpoint's one answer to every refused
// credential: it takes API keys only.
var errKeyRequired = &model.Error{Code: model.CodeUnauthenticated, Message: "a valid API key is required"}

// verify is the forward-auth endpoint for gateways (nginx auth_request,
// Traefik ForwardAuth, Envoy ext_authz): any method, any path below it. It
// accepts API keys only, and answers 200 with the key's ids, or one small
// JSON error.
func (s *Server) verify() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		admitted, err := s.authn.Admit(w, r, false, s.originalMethod(r))
		s.authn.Observe(r, admitted.Actor, err)
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
		// Set straight into the map, the names already canonical, the
		// values those the key's cached verdict carries: this is the
		// gateway's hot path.
		key := admitted.KeyValues()
		h := w.Header()
		h[HeaderAccountID] = key.AccountID
		h[HeaderUserID] = key.UserID
		h[HeaderKeyID] = key.KeyID
		h[HeaderKeyAccess] = key.Access
		h[HeaderStatus] = statusOKValue
		h["Cache-Control"] = noStoreValue
		w.WriteHeader(http.StatusOK)
	})
}

// untrustedMethod stands for a method claimed by a peer that is not a
// trusted proxy. It is no HTTP method (a token has no parentheses), so only
// a FULL key allows it.
const untrustedMethod = "(untrusted X-Forwarded-Method)"

// originalMethod is the method of the request a gateway asks about: the
// X-Forwarded-Method a trusted proxy sends (nginx's auth_request always
// asks with GET), or, without the header, the verify request's own method
// (Envoy's ext_authz keeps it). The header from any other peer, or twice,
// is a claim that cannot be believed.
func (s *Server) originalMethod(r *http.Request) string {
	claimed := r.Header["X-Forwarded-Method"] // canonical, as net/http stores it
	if len(claimed) == 0 {
		return r.Method
	}
	if len(claimed) == 1 && s.clientIPs.isTrustedPeer(r) {
		return claimed[0]
	}
	return untrustedMethod
}
