package authn

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
	"golang.org/x/time/rate"

	"github.com/keyfob/keyfob/db"
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
	// inFlight counts attempts under way by "ip:…" and "email:…", so that
	// they count against the limits before their outcome is known.
	inFlight map[string]int
	// finished is closed, and replaced, whenever an attempt ends: attempts
	// waiting for an outcome select on it and on their request's context.
	finished chan struct{}
}

// NewLoginGuard returns a guard enforcing limits. Idle limiters are evicted
// once they would have refilled, bounding memory under a spray of emails.
func NewLoginGuard(limits LoginLimits) *LoginGuard {
	g := &LoginGuard{
		limits:   limits,
		byEmail:  expirable.NewLRU[string, *rate.Limiter](100_000, nil, limits.Window),
		byIP:     expirable.NewLRU[string, *rate.Limiter](100_000, nil, limits.Window),
		inFlight: map[string]int{},
		finished: make(chan struct{}),
	}
	return g
}

var (
	errTooManyLogins      = &model.Error{Code: model.CodeRateLimited, Message: "too many failed log-ins: wait a minute and try again"}
	errTooManyFromAddress = &model.Error{Code: model.CodeRateLimited, Message: "too many failed attempts from this address: wait a minute and try again"}
)

// SignUp creates an account and its owner's first session.
func (a *Authenticator) SignUp(ctx context.Context, guard *LoginGuard, in db.SignUp) (res *db.SignUpResult, err error) {
	err = guard.limitEmailProbe(ctx, func() error {
		res, err = a.DB.SignUp(ctx, in)
		return err
	})
	return res, err
}

// CreateUser adds a colleague to the actor's account.
func (a *Authenticator) CreateUser(ctx context.Context, guard *LoginGuard, actor *model.Actor, name, email, password string, role model.Role) (user *model.User, err error) {
	err = guard.limitEmailProbe(ctx, func() error {
		user, err = a.DB.CreateUser(ctx, actor, name, email, password, role)
		return err
	})
	return user, err
}

// limitEmailProbe runs an operation that answers whether an email is
// registered (signUp, createUser). Such an answer counts as a failed
// attempt from the client's address, so these operations cannot tell
// which emails exist faster than log-in can. The email's own log-in limit
// does not apply: nobody's password is being guessed.
func (g *LoginGuard) limitEmailProbe(ctx context.Context, op func() error) error {
	done, err := g.attempt(ctx, "", ClientIPFromContext(ctx))
	if err != nil {
		return err
	}
	var registered bool
	defer func() { done(registered) }() // also when op panics, or the attempt would stay in flight for good
	err = op()
	registered = errors.Is(err, model.ErrEmailRegistered)
	return err
}

// LogIn signs a user in unless too many attempts failed recently for the
// email or the client IP.
func (a *Authenticator) LogIn(ctx context.Context, guard *LoginGuard, email, password string, client model.ClientKind) (token string, user *model.User, err error) {
	// The limit is per address, however it is capitalised; the audit log
	// keeps what was typed. What is not an address at all matches no user,
	// and is limited by the client's address only, so that a typed novel
	// cannot be kept in memory as a limiter's key.
	_, limitKey, _ := model.NormalizeEmail(email)
	done, err := guard.attempt(ctx, limitKey, ClientIPFromContext(ctx))
	if err != nil {
		return "", nil, err
	}
	var failed bool
	defer func() { done(failed) }()
	token, user, err = a.DB.LogIn(ctx, strings.TrimSpace(email), password, client)
	failed = errors.Is(err, model.ErrBadCredentials)
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

// attempt admits a log-in attempt if the failures already counted, plus
// the attempts still in flight, leave room for one more failure; done
// ends it, counting it if it failed. Counting only finished failures let a
// burst of concurrent guesses all pass the check that the first failure
// would have closed. An attempt that would fit only if some in flight
// succeed waits for their outcome, so concurrent log-ins of a real user
// are not refused for failures that never happened. The address is
// checked first, so a blocked one cannot create per-email entries, whose
// number is bounded: a spray of made-up emails would otherwise evict a
// victim's. An empty email is limited by address only.
func (g *LoginGuard) attempt(ctx context.Context, email, ip string) (done func(failed bool), err error) {
	limits := []loginLimit{{g.byIP, ip, g.limits.PerIP, "ip:" + ip, errTooManyFromAddress}}
	if email != "" {
		limits = append(limits, loginLimit{g.byEmail, email, g.limits.PerEmail, "email:" + email, errTooManyLogins})
	}
	g.mu.Lock()
	for {
		fits := true
		for _, l := range limits {
			left := g.limiter(l.cache, l.key, l.n).Tokens()
			if left < 1 {
				g.mu.Unlock()
				return nil, l.refusal
			}
			fits = fits && left-float64(g.inFlight[l.flight]) >= 1
		}
		if fits {
			break
		}
		finished := g.finished
		g.mu.Unlock()
		select {
		case <-finished:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		g.mu.Lock()
	}
	for _, l := range limits {
		g.inFlight[l.flight]++
	}
	g.mu.Unlock()
	return func(failed bool) {
		g.mu.Lock()
		defer g.mu.Unlock()
		for _, l := range limits {
			if g.inFlight[l.flight]--; g.inFlight[l.flight] == 0 {
				delete(g.inFlight, l.flight)
			}
			if failed {
				g.limiter(l.cache, l.key, l.n).Allow()
			}
		}
		close(g.finished)
		g.finished = make(chan struct{})
	}, nil
}

// loginLimit is one of the limits an attempt is held to: n failures per
// window for key, counted in flight under flight.
type loginLimit struct {
	cache   *expirable.LRU[string, *rate.Limiter]
	key     string
	n       int
	flight  string
	refusal error
}
