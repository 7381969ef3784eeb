package authn

import (
	"context"
	"errors"
	"math"
	"net/netip"
	"slices"
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
	PerIP    int // failures allowed per client IP per Window, and ten times as many per IPv6 /64
	Window   time.Duration
}

// DefaultLoginLimits allow 5 failures per email and 20 per IP each minute.
var DefaultLoginLimits = LoginLimits{PerEmail: 5, PerIP: 20, Window: time.Minute}

// A stranger who spends a user's per-email limit must not keep her out of
// her usual place. So an address she logged in from within TrustPeriod
// (compared by model.NetworkOf) keeps an allowance of its own once the
// limit is spent: TrustedAllowance failures per TrustedAllowanceWindow,
// per email and trusted network. Guessing stays bounded by the per-email
// limit plus that allowance for each of her trusted networks.
const (
	TrustPeriod            = 30 * 24 * time.Hour
	TrustedAllowance       = 3
	TrustedAllowanceWindow = 15 * time.Minute
)

// LoginGuard counts failed log-ins and refuses further attempts past the limits.
type LoginGuard struct {
	limits    LoginLimits
	mu        sync.Mutex
	byEmail   *expirable.LRU[string, *rate.Limiter]
	byIP      *expirable.LRU[string, *rate.Limiter]
	byNetwork *expirable.LRU[string, *rate.Limiter]
	// byTrusted holds the allowances of trusted networks, by email and
	// network. Only networks a user logged in from get one.
	byTrusted *expirable.LRU[string, *rate.Limiter]
	// inFlight counts attempts under way by the flight of each limit they
	// are held to, so that they count against the limits before their
	// outcome is known.
	inFlight map[string]int
	// finished is closed, and replaced, whenever an attempt ends: attempts
	// waiting for an outcome select on it and on their request's context.
	finished chan struct{}
	// shared, when set, keeps the limiters' buckets in Redis while it
	// answers; the local ones above are the fallback. sharedTokens holds
	// what Redis said of an attempt's buckets, read in one round trip,
	// while that attempt holds mu.
	shared       *SharedLimits
	sharedTokens map[string]float64
}

// NewLoginGuard returns a guard enforcing limits, in shared's Redis if it
// is not nil. Idle limiters are evicted once they would have refilled,
// bounding memory under a spray of emails.
func NewLoginGuard(limits LoginLimits, shared *SharedLimits) *LoginGuard {
	g := &LoginGuard{
		limits:    limits,
		shared:    shared,
		byEmail:   expirable.NewLRU[string, *rate.Limiter](100_000, nil, limits.Window),
		byIP:      expirable.NewLRU[string, *rate.Limiter](100_000, nil, limits.Window),
		byNetwork: expirable.NewLRU[string, *rate.Limiter](100_000, nil, limits.Window),
		byTrusted: expirable.NewLRU[string, *rate.Limiter](100_000, nil, TrustedAllowanceWindow),
		inFlight:  map[string]int{},
		finished:  make(chan struct{}),
	}
	return g
}

// Refusals, each said one way; each refusal carries how long until one
// more attempt would be admitted.
const (
	tooManyLogins      = "too many failed log-ins: wait a minute and try again"
	tooManyFromAddress = "too many failed attempts from this address: wait a minute and try again"
	tooManyFromNetwork = "too many failed attempts from this network: wait a minute and try again"
)

// LimitEmailProbe runs an operation that answers whether an email is
// registered (signUp, createUser). Such an answer counts as a failed
// attempt from the client's address, so these operations cannot tell
// which emails exist faster than log-in can. The email's own log-in limit
// does not apply: nobody's password is being guessed.
func (g *LoginGuard) LimitEmailProbe(ctx context.Context, op func() error) error {
	done, err := g.attempt(ctx, "", ClientIPFromContext(ctx), nil)
	if err != nil {
		return err
	}
	var registered bool
	defer func() { done(registered) }() // also when op panics, or the attempt would stay in flight for good
	err = op()
	registered = errors.Is(err, model.ErrEmailRegistered)
	return err
}

// TrustedNetwork answers whether the user with a normalised email signed
// in from network within TrustPeriod.
type TrustedNetwork func(ctx context.Context, email string, network netip.Prefix) (bool, error)

// LimitLogIn runs a log-in attempt for the email as typed unless too many
// attempts failed recently for the email or the client's address; an
// attempt whose op fails with bad credentials counts. Once the email's
// limit is spent, trusted decides whether the client's network keeps an
// allowance of its own.
func (g *LoginGuard) LimitLogIn(ctx context.Context, typedEmail string, trusted TrustedNetwork, op func() error) error {
	// The limit is per address, however it is capitalised. What is not an
	// address at all matches no user, and is limited by the client's
	// address only, so that a typed novel cannot be kept in memory as a
	// limiter's key.
	_, email, _ := model.NormalizeEmail(typedEmail)
	var trustedHere func(context.Context, netip.Prefix) (bool, error)
	if trusted != nil {
		trustedHere = func(ctx context.Context, network netip.Prefix) (bool, error) { return trusted(ctx, email, network) }
	}
	done, err := g.attempt(ctx, email, ClientIPFromContext(ctx), trustedHere)
	if err != nil {
		return err
	}
	var failed bool
	defer func() { done(failed) }()
	err = op()
	failed = errors.Is(err, model.ErrBadCredentials)
	return err
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
//
// Once the email's limit is spent, trusted says whether the client's
// network is one its user logged in from; if so, the attempt is held to
// that network's allowance instead, and a failure still counts against
// the email. The question costs a query, so it is asked only then.
func (g *LoginGuard) attempt(ctx context.Context, email, ip string, trusted func(context.Context, netip.Prefix) (bool, error)) (done func(failed bool), err error) {
	held := []loginLimit{{g.byIP, "ip:" + ip, g.limits.PerIP, g.limits.Window, tooManyFromAddress}}
	network, hasNetwork := model.NetworkOf(ip)
	if key := networkKey(ip); key != "" {
		held = append(held, loginLimit{g.byNetwork, "net:" + key, networkLimitFactor * g.limits.PerIP, g.limits.Window, tooManyFromNetwork})
	}
	perEmail := loginLimit{g.byEmail, "email:" + email, g.limits.PerEmail, g.limits.Window, tooManyLogins}
	allowance := loginLimit{g.byTrusted, "trusted:" + email + " " + network.String(), TrustedAllowance, TrustedAllowanceWindow, tooManyLogins}
	mayTrust := email != "" && hasNetwork && trusted != nil
	asked, isTrusted := false, false

	var counted []loginLimit
	g.mu.Lock()
	for {
		g.readShared(ctx, slices.Concat(held, []loginLimit{perEmail, allowance}))
		if refusal := g.spent(held...); refusal != nil {
			g.mu.Unlock()
			return nil, refusal
		}
		gates := held
		counted = held
		if email != "" {
			switch {
			case g.spent(perEmail) == nil:
				gates = slices.Concat(held, []loginLimit{perEmail})
				counted = gates
			case mayTrust && !asked:
				g.mu.Unlock()
				if isTrusted, err = trusted(ctx, network); err != nil {
					return nil, err
				}
				asked = true
				g.mu.Lock()
				continue // the limits moved on while the question was out
			case isTrusted && g.spent(allowance) == nil:
				gates = slices.Concat(held, []loginLimit{allowance})
				counted = slices.Concat(gates, []loginLimit{perEmail})
			case isTrusted:
				refusal := g.spent(allowance)
				// Whichever refills first admits the next attempt.
				refusal.RetryAfter = min(refusal.RetryAfter, g.spent(perEmail).RetryAfter)
				g.mu.Unlock()
				return nil, refusal
			default:
				refusal := g.spent(perEmail)
				g.mu.Unlock()
				return nil, refusal
			}
		}
		if g.fits(gates) {
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
	for _, l := range counted {
		g.inFlight[l.key]++
	}
	g.sharedTokens = nil
	g.mu.Unlock()
	return func(failed bool) {
		g.mu.Lock()
		defer g.mu.Unlock()
		takenInRedis := failed && g.takeShared(ctx, counted)
		for _, l := range counted {
			if g.inFlight[l.key]--; g.inFlight[l.key] == 0 {
				delete(g.inFlight, l.key)
			}
			if failed && !takenInRedis {
				g.limiter(l).Allow()
			}
		}
		close(g.finished)
		g.finished = make(chan struct{})
	}, nil
}

// loginLimit is one of the limits an attempt is held to: n failures per
// window for key, which also names its attempts in flight.
type loginLimit struct {
	cache   *expirable.LRU[string, *rate.Limiter]
	key     string
	n       int
	window  time.Duration
	refusal string
}

func (g *LoginGuard) limiter(l loginLimit) *rate.Limiter {
	if r, ok := l.cache.Get(l.key); ok {
		return r
	}
	r := rate.NewLimiter(rate.Limit(float64(l.n)/l.window.Seconds()), l.n)
	l.cache.Add(l.key, r)
	return r
}

// spent returns the refusal of the first of limits whose failures are used
// up, saying when it will admit one more; nil if none is.
func (g *LoginGuard) spent(limits ...loginLimit) *model.Error {
	for _, l := range limits {
		if missing := 1 - g.tokens(l); missing > 0 {
			perSecond := float64(l.n) / l.window.Seconds()
			wait := time.Duration(math.Ceil(missing / perSecond * float64(time.Second)))
			return &model.Error{Code: model.CodeRateLimited, Message: l.refusal, RetryAfter: wait}
		}
	}
	return nil
}

// fits reports whether every one of limits has room for one more failure
// beside the attempts in flight.
func (g *LoginGuard) fits(limits []loginLimit) bool {
	for _, l := range limits {
		if g.tokens(l)-float64(g.inFlight[l.key]) < 1 {
			return false
		}
	}
	return true
}

// tokens is how many failures l has room for: as Redis said, while the
// attempt reads it, else as this instance counts.
func (g *LoginGuard) tokens(l loginLimit) float64 {
	if n, ok := g.sharedTokens[l.key]; ok {
		return n
	}
	return g.limiter(l).Tokens()
}

func (g *LoginGuard) redisKeys(limits []loginLimit) (keys []string, args []any) {
	keys = make([]string, len(limits))
	args = make([]any, 0, 1+2*len(limits))
	args = append(args, "peek")
	for i, l := range limits {
		keys[i] = g.shared.prefix + "login:" + l.key
		args = append(args, l.n, l.window.Milliseconds())
	}
	return keys, args
}

// readShared reads limits' buckets from Redis in one round trip, for the
// attempt holding mu; if Redis does not answer, the local ones decide.
func (g *LoginGuard) readShared(ctx context.Context, limits []loginLimit) {
	g.sharedTokens = nil
	if !g.shared.Shared() {
		return
	}
	keys, args := g.redisKeys(limits)
	res, ok := g.shared.run(ctx, bucketScript, keys, args...)
	if !ok || len(res) != len(limits) {
		return
	}
	g.sharedTokens = make(map[string]float64, len(limits))
	for i, l := range limits {
		g.sharedTokens[l.key] = float64(res[i]) / 1000
	}
}

// takeShared counts a failure in each of limits' buckets in Redis, in one
// round trip; false if Redis did not answer, and the local ones must.
func (g *LoginGuard) takeShared(ctx context.Context, limits []loginLimit) bool {
	if !g.shared.Shared() {
		return false
	}
	keys, args := g.redisKeys(limits)
	args[0] = "take"
	_, ok := g.shared.run(ctx, bucketScript, keys, args...)
	return ok
}
