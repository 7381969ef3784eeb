package authn

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
	"golang.org/x/time/rate"

	"github.com/keyfob/keyfob/model"
)

// LoginLimits bound failed log-ins. A limiter refills steadily, so a user
// who mistypes a few times is never locked out for long.
type LoginLimits struct {
	PerEmail int // failures allowed per email per Window
	PerIP    int // failures allowed per client IP per Window
	Window   time.Duration
}

// DefaultLoginLimits allow 5 failures per email and 20 per IP each minute.
var DefaultLoginLimits = LoginLimits{PerEmail: 5, PerIP: 20, Window: time.Minute}

// LoginGuard counts failed log-ins and refuses further attempts past the limits.
type LoginGuard struct {
	limits  LoginLimits
	mu      sync.Mutex
	byEmail *expirable.LRU[string, *rate.Limiter]
	byIP    *expirable.LRU[string, *rate.Limiter]
}

// NewLoginGuard returns a guard enforcing limits. Idle limiters are evicted
// once they would have refilled, bounding memory under a spray of emails.
func NewLoginGuard(limits LoginLimits) *LoginGuard {
	return &LoginGuard{
		limits:  limits,
		byEmail: expirable.NewLRU[string, *rate.Limiter](100_000, nil, limits.Window),
		byIP:    expirable.NewLRU[string, *rate.Limiter](100_000, nil, limits.Window),
	}
}

var errTooManyLogins = &model.Error{Code: model.CodeRateLimited, Message: "too many failed log-ins: wait a minute and try again"}

// LogIn signs a user in unless too many attempts failed recently for the
// email or the client IP.
func (a *Authenticator) LogIn(ctx context.Context, guard *LoginGuard, email, password string, client model.ClientKind) (string, *model.User, error) {
	// The limit is per address, however it is capitalised; the audit log
	// keeps what was typed.
	limitKey := strings.ToLower(strings.TrimSpace(email))
	ip := ClientIPFromContext(ctx)
	if !guard.allowed(limitKey, ip) {
		return "", nil, errTooManyLogins
	}
	token, user, err := a.DB.LogIn(ctx, strings.TrimSpace(email), password, client)
	if err == model.ErrBadCredentials {
		guard.failed(limitKey, ip)
	}
	return token, user, err
}

func (g *LoginGuard) limiter(cache *expirable.LRU[string, *rate.Limiter], key string, n int) *rate.Limiter {
	if l, ok := cache.Get(key); ok {
		return l
	}
	l := rate.NewLimiter(rate.Limit(float64(n)/g.limits.Window.Seconds()), n)
	cache.Add(key, l)
	return l
}

func (g *LoginGuard) allowed(email, ip string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.limiter(g.byEmail, email, g.limits.PerEmail).Tokens() >= 1 &&
		g.limiter(g.byIP, ip, g.limits.PerIP).Tokens() >= 1
}

func (g *LoginGuard) failed(email, ip string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.limiter(g.byEmail, email, g.limits.PerEmail).Allow()
	g.limiter(g.byIP, ip, g.limits.PerIP).Allow()
}
