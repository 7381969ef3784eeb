package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/keyfob/keyfob/authn"
	"github.com/keyfob/keyfob/model"
)

// executionSlots bound the GraphQL requests that execute at once. Each one
// holds memory for its document, variables and response, so without a
// bound enough concurrent requests exhaust memory however small each is.
// One client may hold at most a quarter of the slots, so that one
// anonymous client cannot take them all.
type executionSlots struct {
	all       *semaphore.Weighted
	perClient int64
	wait      time.Duration

	mu      sync.Mutex
	clients map[string]*clientSlots
}

// clientSlots are one client's share, kept while any request of its waits
// or runs.
type clientSlots struct {
	held  *semaphore.Weighted
	users int
}

// overloadWait is how long a request waits for a slot before it is refused:
// long enough to ride out a burst, short enough that a client retries
// elsewhere rather than hanging.
const overloadWait = time.Second

func newExecutionSlots(n int, wait time.Duration) *executionSlots {
	return &executionSlots{
		all:       semaphore.NewWeighted(int64(n)),
		perClient: int64(max(1, n/4)),
		wait:      wait,
		clients:   map[string]*clientSlots{},
	}
}

var errOverloaded = &model.Error{Code: model.CodeOverloaded, Message: "the server is busy: retry after the time in Retry-After"}

// limit runs next in a slot, or answers 503 OVERLOADED with Retry-After
// once the wait is over.
func (s *executionSlots) limit(next http.Handler) http.Handler {
	retryAfter := strconv.Itoa(max(1, int(s.wait.Round(time.Second).Seconds())))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		release, ok := s.acquire(r.Context(), clientNetwork(authn.ClientIPFromContext(r.Context())))
		if !ok {
			w.Header().Set("Retry-After", retryAfter)
			writeError(w, errOverloaded)
			return
		}
		defer release()
		next.ServeHTTP(w, r)
	})
}

// acquire takes the client's share, then a slot of all: at once where one
// is free, so that the common path sets up no timer, else waiting for at
// most s.wait in all.
func (s *executionSlots) acquire(ctx context.Context, client string) (release func(), ok bool) {
	s.mu.Lock()
	c := s.clients[client]
	if c == nil {
		c = &clientSlots{held: semaphore.NewWeighted(s.perClient)}
		s.clients[client] = c
	}
	c.users++
	s.mu.Unlock()
	leave := func() {
		s.mu.Lock()
		if c.users--; c.users == 0 {
			delete(s.clients, client)
		}
		s.mu.Unlock()
	}
	var waitCtx context.Context
	cancel := context.CancelFunc(func() {})
	defer func() { cancel() }()
	take := func(sem *semaphore.Weighted) bool {
		if sem.TryAcquire(1) {
			return true
		}
		if waitCtx == nil {
			waitCtx, cancel = context.WithTimeout(ctx, s.wait)
		}
		return sem.Acquire(waitCtx, 1) == nil
	}
	if !take(c.held) {
		leave()
		return nil, false
	}
	if !take(s.all) {
		c.held.Release(1)
		leave()
		return nil, false
	}
	return func() {
		s.all.Release(1)
		c.held.Release(1)
		leave()
	}, true
}

// clientNetwork is whom a share is kept for: an IPv4 address, or an IPv6
// address's /64, since one host may use any address in it.
func clientNetwork(ip string) string {
	if network, ok := model.NetworkOf(ip); ok && network.Addr().Is6() {
		return network.String()
	}
	return ip
}
