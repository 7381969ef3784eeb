package authn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// SharedLimits keeps the rate-limit counters in Redis, so that several
// instances together admit what one admits alone. Each step is one Lua
// script, atomic on the server and one round trip.
//
// Redis is a helper, never a gate: a call that fails or outlasts the
// bound falls back to the instance's own limit for that request. After
// such a failure no request waits on Redis again until a background probe
// finds it answering.
type SharedLimits struct {
	client  *redis.Client
	prefix  string
	timeout time.Duration
	logger  *slog.Logger
	// onBackend learns the backend in use, "redis" or "local", at start and
	// on every change.
	onBackend func(backend string)
	// up is whether requests ask Redis; false from a failure until a probe
	// succeeds.
	up      atomic.Bool
	stop    chan struct{}
	stopped sync.Once
	probes  sync.WaitGroup
}

// SharedOptions configure SharedLimits.
type SharedOptions struct {
	// URL is a redis:// or rediss:// URL; its path may name a database number.
	URL string
	// Timeout bounds every call to Redis, the connection's dial, reads,
	// writes and wait for a pooled connection included.
	Timeout time.Duration
	// Prefix starts every key, so that tests can share a Redis; empty
	// means DefaultRedisPrefix.
	Prefix    string
	Logger    *slog.Logger
	OnBackend func(backend string)
}

// DefaultRedisPrefix starts Keyfob's keys in Redis.
const DefaultRedisPrefix = "keyfob:rl:"

// The backends SharedLimits reports.
const (
	BackendRedis = "redis"
	BackendLocal = "local"
)

// Probes of an unanswering Redis start this far apart and back off to the
// longest; a limit returns to Redis at worst that long after it answers.
const (
	firstProbeAfter = 100 * time.Millisecond
	longestProbeGap = time.Second
)

// ValidateRedisURL refuses what is not a redis:// or rediss:// URL that
// go-redis can use. The URL itself is not echoed: it may hold a password.
func ValidateRedisURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "redis" && u.Scheme != "rediss" {
		return errors.New("must be a redis:// or rediss:// URL")
	}
	if _, err := redis.ParseURL(raw); err != nil {
		// go-redis's message names the part at fault, such as a bad
		// database number, without the password.
		return errors.New(strings.ReplaceAll(err.Error(), raw, "the URL"))
	}
	return nil
}

// NewSharedLimits connects to Redis. A Redis that does not answer yet is
// no error: the limits stay per instance until it does.
func NewSharedLimits(opts SharedOptions) (*SharedLimits, error) {
	if err := ValidateRedisURL(opts.URL); err != nil {
		return nil, err
	}
	ro, _ := redis.ParseURL(opts.URL)
	// go-redis's defaults wait seconds; a limit must never hold a request
	// that long. Retries would outlast the bound, so there are none.
	ro.DialTimeout, ro.ReadTimeout, ro.WriteTimeout, ro.PoolTimeout = opts.Timeout, opts.Timeout, opts.Timeout, opts.Timeout
	ro.ContextTimeoutEnabled = true
	ro.MaxRetries = -1
	// One dial per connection wanted: while Redis is away the probe, not
	// the pool, keeps asking.
	ro.DialerRetries = 1
	ro.DisableIdentity = true
	if opts.Prefix == "" {
		opts.Prefix = DefaultRedisPrefix
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.OnBackend == nil {
		opts.OnBackend = func(string) {}
	}
	// go-redis logs to stderr on its own; its lines go to the service's
	// log instead, at debug level: the transitions below say what matters.
	redisLogOnce.Do(func() { redis.SetLogger(redisLog{opts.Logger}) })
	s := &SharedLimits{
		client: redis.NewClient(ro), prefix: opts.Prefix, timeout: opts.Timeout,
		logger: opts.Logger, onBackend: opts.OnBackend, stop: make(chan struct{}),
	}
	if err := s.ping(); err != nil {
		s.logger.Warn("Redis does not answer: rate limits are per instance until it does", "error", err)
		s.onBackend(BackendLocal)
		s.probes.Go(s.probe)
	} else {
		s.up.Store(true)
		s.onBackend(BackendRedis)
	}
	return s, nil
}

// Close stops the probes and closes the connections.
func (s *SharedLimits) Close() error {
	s.stopped.Do(func() { close(s.stop) })
	s.probes.Wait()
	return s.client.Close()
}

var redisLogOnce sync.Once

// redisLog writes go-redis's own log lines to slog. go-redis has one
// logger for the process: the first SharedLimits's logger gets them.
type redisLog struct{ logger *slog.Logger }

func (l redisLog) Printf(ctx context.Context, format string, v ...any) {
	l.logger.DebugContext(ctx, fmt.Sprintf(format, v...), "component", "go-redis")
}

// Shared reports whether requests ask Redis now.
func (s *SharedLimits) Shared() bool { return s != nil && s.up.Load() }

// ping asks Redis whether it answers and, if it does, loads the scripts:
// a request that finds one missing pays a second round trip (EVALSHA,
// then EVAL), which a restarted Redis would otherwise charge to each
// script's first request.
func (s *SharedLimits) ping() error {
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	if err := s.client.Ping(ctx).Err(); err != nil {
		return err
	}
	// One call each, not a pipeline: Script.Load on a pipeline reads the
	// digest before the pipeline runs, and replaces the script's with "",
	// after which every EVALSHA fails and falls back to a whole EVAL.
	for _, script := range scripts {
		if err := script.Load(ctx, s.client).Err(); err != nil {
			return err
		}
	}
	return nil
}

// run runs script, unless Redis is known not to answer; ok is false when
// the caller must fall back to its own instance's limit.
func (s *SharedLimits) run(ctx context.Context, script *redis.Script, keys []string, args ...any) (_ []int64, ok bool) {
	if !s.Shared() {
		return nil, false
	}
	// A client that hangs up must not count as Redis failing.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.timeout)
	defer cancel()
	res, err := script.Run(ctx, s.client, keys, args...).Int64Slice()
	if err != nil {
		s.lost(err)
		return nil, false
	}
	return res, true
}

// lost falls back to the local limits until a probe finds Redis again;
// only the first of concurrent failures logs and starts the probe.
func (s *SharedLimits) lost(err error) {
	if !s.up.CompareAndSwap(true, false) {
		return
	}
	s.logger.Warn("Redis failed or outlasted its bound: rate limits are per instance until it answers",
		"error", err, "bound", s.timeout)
	s.onBackend(BackendLocal)
	select {
	case <-s.stop:
	default:
		s.probes.Go(s.probe)
	}
}

func (s *SharedLimits) probe() {
	gap := firstProbeAfter
	for {
		select {
		case <-s.stop:
			return
		case <-time.After(gap):
		}
		if s.ping() == nil {
			s.up.Store(true)
			s.logger.Info("Redis answers again: rate limits are shared")
			s.onBackend(BackendRedis)
			return
		}
		gap = min(2*gap, longestProbeGap)
	}
}

// The scripts below keep each counter as a hash: w is the start of its
// current window, in milliseconds on Redis's clock, so that instances
// whose clocks differ still share windows; c and p are the counts in that
// window and the one before. The sliding count is httprate's: the
// previous window's count, weighted by how much of it still overlaps,
// plus the current one's.
const windowPrelude = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function load(key, win)
  local h = redis.call('HMGET', key, 'w', 'c', 'p')
  local s = {start = now - now % win, c = tonumber(h[2]) or 0, p = tonumber(h[3]) or 0}
  local w = tonumber(h[1])
  if w ~= s.start then
    if w == s.start - win then s.p = s.c else s.p = 0 end
    s.c = 0
  end
  s.rate = s.p * (win - (now - s.start)) / win + s.c
  return s
end
local function save(key, win, s)
  redis.call('HSET', key, 'w', s.start, 'c', s.c, 'p', s.p)
  redis.call('PEXPIRE', key, 2 * win)
end
`

// admitKeyScript counts a keyed request: KEYS[1] is the key's window,
// KEYS[2:] the client's failed-authentication counters. ARGV: the key's
// limit and window, the counters' window, then each counter's limit.
// It answers {1, remaining} when admitted, {0, remaining} when the key's
// limit is spent, and {-i, 0} when the client's i-th counter is.
var admitKeyScript = redis.NewScript(windowPrelude + `
local gateWin = tonumber(ARGV[3])
for i = 2, #KEYS do
  if load(KEYS[i], gateWin).rate >= tonumber(ARGV[i + 2]) then return {1 - i, 0} end
end
local limit, win = tonumber(ARGV[1]), tonumber(ARGV[2])
local s = load(KEYS[1], win)
local rate = math.floor(s.rate + 0.5)
if rate + 1 > limit then return {0, limit - rate} end
s.c = s.c + 1
save(KEYS[1], win, s)
return {1, limit - rate - 1}
`)

// blockedScript answers {i} when the i-th of the client's counters (KEYS)
// is spent, {0} otherwise: ARGV is their window, then each one's limit.
var blockedScript = redis.NewScript(windowPrelude + `
local win = tonumber(ARGV[1])
for i = 1, #KEYS do
  if load(KEYS[i], win).rate >= tonumber(ARGV[i + 1]) then return {i} end
end
return {0}
`)

// failScript counts a failed authentication against the client's counters
// (KEYS), unless one of them is already spent: ARGV is their window, then
// each one's limit. It answers {1, 0} when counted and {0, i} when the
// i-th counter is spent.
var failScript = redis.NewScript(windowPrelude + `
local win = tonumber(ARGV[1])
local states = {}
for i = 1, #KEYS do
  local g = load(KEYS[i], win)
  if g.rate >= tonumber(ARGV[i + 1]) then return {0, i} end
  states[i] = g
end
for i = 1, #KEYS do
  states[i].c = states[i].c + 1
  save(KEYS[i], win, states[i])
end
return {1, 0}
`)

var scripts = []*redis.Script{admitKeyScript, blockedScript, failScript, bucketScript}

// bucketScript reads, or takes one token from, the log-in limits' token
// buckets (KEYS), which refill as golang.org/x/time/rate's do: a bucket
// holds up to burst tokens and gains burst per window, steadily. ARGV is
// "peek" or "take", then each bucket's burst and window in milliseconds.
// It answers each bucket's tokens, in thousandths, before a take.
var bucketScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local out = {}
for i = 1, #KEYS do
  local burst, win = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  local h = redis.call('HMGET', KEYS[i], 'tokens', 'at')
  local tokens = tonumber(h[1]) or burst
  local at = tonumber(h[2]) or now
  tokens = math.min(burst, tokens + math.max(0, now - at) * burst / win)
  out[i] = math.floor(tokens * 1000)
  if ARGV[1] == 'take' and tokens >= 1 then
    redis.call('HSET', KEYS[i], 'tokens', tostring(tokens - 1), 'at', now)
    redis.call('PEXPIRE', KEYS[i], win)
  end
end
return out
`)
