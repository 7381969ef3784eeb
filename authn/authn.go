// Package authn authenticates HTTP requests. It turns the Authorization
// header into an actor (a user session or an API key's owner), refuses
// anything else with one uniform answer, enforces the per-key and per-IP
// limits, and hands each key's usage to the recorder. Verified credentials
// are cached, so the hot path usually touches no database.
package authn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jonboulle/clockwork"

	"golang.org/x/sync/semaphore"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/db"
	"github.com/keyfob/keyfob/model"
	"github.com/keyfob/keyfob/usage"
)

// UsageRecorder counts a key's requests by integration.
type UsageRecorder interface {
	// Tally is where keyID's requests are counted.
	Tally(keyID string) *usage.Tally
	// RecordAt counts one request admitted at at into its key's tally;
	// previousSecretHash is the hash of the key's previous secret when
	// the request presented it, else "".
	RecordAt(at time.Time, tally *usage.Tally, integration, previousSecretHash string)
}

// Options configure an Authenticator.
type Options struct {
	CacheTTL         time.Duration // how long a verified credential is trusted without asking the database
	NegativeCacheTTL time.Duration // how long an unknown credential is remembered
	CacheSize        int
	RateLimits       RateLimits
	// SharedLimits, if set, keeps the rate limits in Redis, shared by the
	// instances that use it.
	SharedLimits *SharedLimits
	// OnOutcome, if set, learns the outcome of every verification (for metrics).
	OnOutcome func(outcome string)
	// Clock tells the time cache entries and sessions expire by; nil is the
	// real clock.
	Clock clockwork.Clock
	// LookUpTimeout bounds a credential's look-up on the request path: past
	// it the database counts as unable to answer. Zero leaves the request's
	// own deadline as the only bound (SQLite, a file inside the process).
	LookUpTimeout time.Duration
	// FailClosedOnOutage refuses every credential with UNAVAILABLE while the
	// database cannot answer. Otherwise a credential verified within its
	// cache TTL is answered on its last verdict until that TTL ends.
	FailClosedOnOutage bool
}

// Authenticator verifies credentials.
type Authenticator struct {
	DB     *db.DB
	Cache  *Cache
	Usage  UsageRecorder
	Logger *slog.Logger

	limits    *limiters
	onOutcome func(string)

	lookUpTimeout time.Duration
	failClosed    bool
	// lookUpTurns lets as many look-ups ask the database at once as its
	// pool has connections, so that the look-up bound times the database's
	// answer, not a queue for a connection: a burst of cold credentials
	// (an instance restarted under traffic) queues for longer than the
	// bound while the database answers each in a millisecond.
	lookUpTurns *semaphore.Weighted
	// lastAnswer is when the database last answered a look-up, in Unix
	// nanoseconds: a look-up waiting for its turn gives up only when
	// none has been answered for the bound.
	lastAnswer atomic.Int64

	// Background refreshes run under background and are waited for by Close.
	background     context.Context
	stopBackground context.CancelFunc
	refreshMu      sync.Mutex // orders refresh starts against Close
	closed         bool
	refreshes      sync.WaitGroup
}

// New returns an authenticator over store that records usage to usage.
func New(store *db.DB, usage UsageRecorder, logger *slog.Logger, opts Options) *Authenticator {
	if opts.OnOutcome == nil {
		opts.OnOutcome = func(string) {}
	}
	background, stop := context.WithCancel(context.Background())
	a := &Authenticator{
		DB: store, Usage: usage, Logger: logger,
		Cache:          NewCache(opts.CacheTTL, opts.NegativeCacheTTL, opts.CacheSize, opts.Clock),
		limits:         newLimiters(opts.RateLimits, opts.SharedLimits),
		onOutcome:      opts.OnOutcome,
		lookUpTimeout:  opts.LookUpTimeout,
		failClosed:     opts.FailClosedOnOutage,
		lookUpTurns:    semaphore.NewWeighted(int64(max(store.SQL().Stats().MaxOpenConnections, 1))),
		background:     background,
		stopBackground: stop,
	}
	a.Cache.admissionOf = a.admissionOf
	return a
}

// keyAdmission is what admitting a request with a cached API key reads,
// gathered once, when the key's verdict is filled. Under traffic over many
// keys little of it is in the processor's caches, and each object a
// request reads costs a miss of its own: the actor, its key (whose fields
// span three cache lines), each of the key's ids, and the two maps that
// would find the key's rate-limit count and usage tally by id. The warm
// path reads this one small object instead, whose ids are one string.
type keyAdmission struct {
	limit *keyCount
	tally *usage.Tally
	// previousSecretHash is the hash of the key's previous secret when the
	// verdict is for that secret, during the grace after a roll, else "".
	previousSecretHash string
	// values are the key's account, user and key ids, its access, and its
	// expiry (KeyExpiresAtHeader's value, "" for never), as its answers
	// name them: each is sliced out as a header's value, so answers share
	// them.
	values [5]string
}

const (
	accountIDValue = iota
	userIDValue
	keyIDValue
	accessValue
	expiresAtValue
)

// admissionOf gathers the keyAdmission of actor's key (nil for a session).
func (a *Authenticator) admissionOf(actor *model.Actor) *keyAdmission {
	key := actor.APIKey
	if key == nil {
		return nil
	}
	k := &keyAdmission{limit: a.limits.keyCount(key.ID, time.Now()), tally: a.Usage.Tally(key.ID)}
	if actor.PreviousSecretExpiresAt != nil && key.PreviousSecretHash != nil {
		k.previousSecretHash = *key.PreviousSecretHash
	}
	// One string holds the ids and the expiry, so that writing them reads
	// one place in memory.
	expiresAt := keyExpiryValue(key)
	ids := key.AccountID + key.UserID + key.ID + expiresAt
	k.values[accountIDValue], ids = ids[:len(key.AccountID)], ids[len(key.AccountID):]
	k.values[userIDValue], ids = ids[:len(key.UserID)], ids[len(key.UserID):]
	k.values[keyIDValue], k.values[expiresAtValue] = ids[:len(key.ID)], ids[len(key.ID):]
	k.values[accessValue] = string(key.Access)
	// Every gateway request compares the access: the constants' bytes are
	// in the processor's caches, a scanned copy's rarely are.
	for _, known := range []model.KeyAccess{model.KeyAccessFull, model.KeyAccessReadOnly} {
		if key.Access == known {
			k.values[accessValue] = string(known)
		}
	}
	return k
}

func (k *keyAdmission) keyID() string           { return k.values[keyIDValue] }
func (k *keyAdmission) access() model.KeyAccess { return model.KeyAccess(k.values[accessValue]) }

// value is values[i] as a header's value: a one-element slice, full, so
// that an Add to one answer's header copies it rather than writing into
// what the others share.
func (k *keyAdmission) value(i int) []string { return k.values[i : i+1 : i+1] }

// Admission is an admitted request: who makes it (nil for an anonymous
// request) and, for an API key, the values its answer names the key by.
type Admission struct {
	Actor *model.Actor
	key   *keyAdmission
}

// KeyValues are the header values that name an admitted API key.
type KeyValues struct{ AccountID, UserID, KeyID, Access []string }

// KeyValues returns the values naming the admission's key, read from its
// cached verdict; none for a session or an anonymous request.
func (a Admission) KeyValues() KeyValues {
	k := a.key
	if k == nil {
		return KeyValues{}
	}
	return KeyValues{AccountID: k.value(accountIDValue), UserID: k.value(userIDValue), KeyID: k.value(keyIDValue), Access: k.value(accessValue)}
}

// Close stops background refreshes and waits for those in flight, so none
// outlives the store it reads.
func (a *Authenticator) Close() {
	a.refreshMu.Lock()
	a.closed = true
	a.refreshMu.Unlock()
	a.stopBackground()
	a.refreshes.Wait()
}

// Why a credential was refused. The reason reaches logs and metrics, never
// the client: every one of them answers the same UNAUTHENTICATED.
type refusal string

func (r refusal) Error() string { return string(r) }

const (
	refusedMissing   refusal = "missing"
	refusedMalformed refusal = "malformed"
	refusedUnknown   refusal = "unknown" // unknown, expired, revoked or deleted
	refusedSession   refusal = "session_token_not_accepted"
)

// Admit authenticates r. With acceptSessions false (the gateway endpoint)
// only API keys count. A request without credentials is admitted with a
// nil actor when anonymous requests are allowed. A method that is not
// empty is the one the key's access must allow (model.KeyAccess.Allows); a
// key refused for it records no usage.
func (a *Authenticator) Admit(w http.ResponseWriter, r *http.Request, acceptSessions bool, method string) (Admission, error) {
	// Read from the map by canonical name, as net/http stores every
	// request's: Header.Values canonicalises the name again each call.
	headers := r.Header["Authorization"]
	if len(headers) == 0 || headers[0] == "" && len(headers) == 1 {
		if acceptSessions {
			return Admission{}, nil
		}
		return Admission{}, refusedMissing
	}
	header := headers[0]
	if len(headers) > 1 {
		// Two credentials are ambiguous: a gateway might check the other one.
		header = ""
	}
	// One reading of the clock serves the whole admission: on a virtual
	// machine each costs about a tenth of a microsecond.
	now := time.Now()
	if err := a.limits.ipBlockedAt(ClientIPFromContext(r.Context()), now); err != nil {
		return Admission{}, err
	}
	admitted, err := a.verifyAt(r.Context(), header, acceptSessions, now)
	if err != nil {
		return Admission{}, err
	}
	key := admitted.key
	if key == nil {
		// With Redis, a key's limit checks the client's in the same round
		// trip; a session has no such limit, so it asks on its own.
		if err := a.limits.sessionBlocked(r.Context(), ClientIPFromContext(r.Context())); err != nil {
			return Admission{}, err
		}
		return admitted, nil
	}
	h := w.Header()
	if key.values[expiresAtValue] != "" {
		h[KeyExpiresAtHeader] = key.value(expiresAtValue)
	}
	// The limit comes first: every answer to a verified key carries its
	// rate-limit headers, and a bad request still counts.
	if err := a.limits.admitKeyAt(w, r, key.keyID(), key.limit, now); err != nil {
		return Admission{}, err
	}
	if method != "" && !key.access().Allows(method) {
		return Admission{}, model.ErrReadOnlyKey
	}
	systems := r.Header["X-System"]
	if len(systems) > 1 {
		return Admission{}, model.InvalidInput("X-System", "send one X-System header")
	}
	system := ""
	if len(systems) == 1 {
		system = systems[0]
	}
	integration, err := model.CleanIntegration(system)
	if err != nil {
		return Admission{}, err
	}
	a.Usage.RecordAt(a.Cache.clockAt(now), key.tally, integration, key.previousSecretHash)
	return admitted, nil
}

// verify resolves an Authorization header to an actor, from the cache when
// it can. A kf_ key with a bad checksum never reaches the database, nor is
// remembered: it finds nothing in the cache, then fails its check.
// Every refusal counts against the client's failed-authentication limits.
func (a *Authenticator) verify(ctx context.Context, header string, acceptSessions bool) (*model.Actor, error) {
	admitted, err := a.verifyAt(ctx, header, acceptSessions, time.Now())
	return admitted.Actor, err
}

// verifyAt is verify for a request admitted at now (by the real clock).
// A key's actor comes with the admission its verdict carries.
func (a *Authenticator) verifyAt(ctx context.Context, header string, acceptSessions bool, now time.Time) (Admission, error) {
	ip := ClientIPFromContext(ctx)
	secret, ok := credential.SecretFromAuthorization(header)
	if !ok {
		return Admission{}, a.limits.failedFrom(ctx, ip, refusedMalformed)
	}
	digest := credential.Sum(secret)
	now = a.Cache.clockAt(now)
	// The cache holds only what a look-up answered, and only a well-formed
	// credential is looked up: a hit needs no second check of its shape,
	// whose checksum cost a warm request more than the cache look-up.
	if v, ok := a.Cache.getAt(digest, now); ok {
		if !acceptSessions && credential.IsSessionToken(secret) {
			return Admission{}, a.limits.failedFrom(ctx, ip, refusedSession)
		}
		if v.actor != nil && v.refreshDue(now) {
			a.refresh(digest, kindOf(v.actor))
		}
		return a.answer(ctx, v, ip)
	}
	kind := credential.Classify(secret)
	if kind == credential.KindInvalid {
		return Admission{}, a.limits.failedFrom(ctx, ip, refusedMalformed)
	}
	if kind == credential.KindSession && !acceptSessions {
		return Admission{}, a.limits.failedFrom(ctx, ip, refusedSession)
	}
	// A verdict the cache keeps but may not serve (the listener is down, or
	// returned since it was filled) stands in for a database that cannot
	// answer; while a recent look-up found it unable to, without another wait.
	if !a.failClosed && a.Cache.unreachable() {
		if v, ok := a.Cache.kept(digest); ok {
			return a.answer(ctx, v, ip)
		}
	}
	// The failure is counted before the look-up, so that concurrent
	// unknown credentials from one address cannot all reach the database
	// before the first is counted, and given back if the credential is known.
	slot, err := a.limits.takeLookUpSlot(ctx, ip)
	if err != nil {
		return Admission{}, err
	}
	v, err := a.boundedLookUp(ctx, digest, kind)
	switch {
	case err == nil || errors.Is(err, refusedUnknown):
		if a.Cache.markReachable() {
			a.Logger.Info("the database answers credential look-ups again")
		}
	case ctx.Err() == nil:
		if a.Cache.markUnreachable() {
			if a.failClosed {
				a.Logger.Warn("the database cannot answer credential look-ups; every credential gets 503 until it does (-fail-closed-on-outage)", "error", err)
			} else {
				a.Logger.Warn("the database cannot answer credential look-ups; credentials verified within the cache TTL answer on their last verdict until it ends, others get 503", "error", err)
			}
		}
		// Read after the look-up, so that a verdict whose TTL ended while
		// it waited does not answer.
		if kept, ok := a.Cache.kept(digest); ok && !a.failClosed {
			v, err = kept, nil
			if v.actor == nil {
				err = refusedUnknown
			}
		}
	}
	failed := errors.Is(err, refusedUnknown)
	slot.end(failed)
	if failed {
		return Admission{}, a.limits.failedLookUp(ctx, ip)
	}
	if err != nil {
		return Admission{}, err
	}
	return Admission{Actor: v.actor, key: v.key}, nil
}

// kindOf is the kind of credential that authenticated actor.
func kindOf(actor *model.Actor) credential.Kind {
	if actor.Session != nil {
		return credential.KindSession
	}
	return credential.KindAPIKey
}

// answer is a cached verdict's answer: its actor, or a refusal that counts
// against the client's failed-authentication limits.
func (a *Authenticator) answer(ctx context.Context, v verdict, ip string) (Admission, error) {
	if v.actor == nil {
		return Admission{}, a.limits.failedFrom(ctx, ip, refusedUnknown)
	}
	return Admission{Actor: v.actor, key: v.key}, nil
}

// boundedLookUp is lookUp within the look-up bound. A look-up that outlives
// the bound once its turn has come, while the request itself goes on,
// means the database cannot answer: UNAVAILABLE, as a lost connection
// is. So does waiting for a turn while no look-up is answered for as long.
func (a *Authenticator) boundedLookUp(ctx context.Context, digest credential.Digest, kind credential.Kind) (verdict, error) {
	if a.lookUpTimeout <= 0 {
		return a.lookUp(ctx, digest, kind)
	}
	if err := a.waitForTurn(ctx); err != nil {
		return verdict{}, err
	}
	defer a.lookUpTurns.Release(1)
	bounded, cancel := context.WithTimeout(ctx, a.lookUpTimeout)
	defer cancel()
	v, err := a.lookUp(bounded, digest, kind)
	if err == nil || errors.Is(err, refusedUnknown) {
		a.lastAnswer.Store(time.Now().UnixNano())
	}
	if err != nil && ctx.Err() == nil && bounded.Err() != nil {
		return verdict{}, fmt.Errorf("%w (the credential's look-up took longer than %v)", model.ErrUnavailable, a.lookUpTimeout)
	}
	return v, err
}

// waitForTurn waits for one of the look-ups' turns for as long as the
// database keeps answering the look-ups ahead: it gives up once a whole
// bound passes without an answer. A waiter that gives up and waits again
// goes to the back of the queue; it does so only while look-ups are being
// answered, so the queue moves.
func (a *Authenticator) waitForTurn(ctx context.Context) error {
	for {
		since := time.Now().UnixNano()
		waiting, cancel := context.WithTimeout(ctx, a.lookUpTimeout)
		err := a.lookUpTurns.Acquire(waiting, 1)
		cancel()
		switch {
		case err == nil:
			return nil
		case ctx.Err() != nil:
			return ctx.Err()
		case a.lastAnswer.Load() < since:
			return fmt.Errorf("%w (no credential look-up was answered for %v)", model.ErrUnavailable, a.lookUpTimeout)
		}
	}
}

// lookUp asks the database who a credential belongs to and caches the
// answer, unless a revocation overtook the look-up. It returns the verdict
// found, with its key's admission.
func (a *Authenticator) lookUp(ctx context.Context, digest credential.Digest, kind credential.Kind) (verdict, error) {
	generation := a.Cache.currentGeneration()
	var actor *model.Actor
	var err error
	if kind == credential.KindSession {
		actor, err = a.DB.ActorBySession(ctx, digest.String())
	} else {
		actor, err = a.DB.ActorByAPIKey(ctx, digest.String())
	}
	if errors.Is(err, model.ErrNotFound) {
		a.Cache.forget(digest)
		a.Cache.fill(digest, verdict{ttl: a.Cache.negativeTTL}, generation)
		return verdict{}, refusedUnknown
	}
	if err != nil {
		return verdict{}, err
	}
	v := a.Cache.found(actor)
	a.Cache.fill(digest, v, generation)
	return v, nil
}

// refreshTimeout bounds a background renewal's statements; one that fails
// leaves the entries to expire, and the next request after that asks the database itself.
const refreshTimeout = 5 * time.Second

// refresh renews a cached credential in the background while requests go
// on using the entry, which is still within its TTL: it joins the batch of
// credentials due, which the renewal worker looks up together (renew.go).
// Renewing a deleted key finds it gone and drops it, as a look-up on a miss
// would.
func (a *Authenticator) refresh(digest credential.Digest, kind credential.Kind) {
	// The claim comes first: it takes no lock of the authenticator's, and
	// every hit on a due entry asks for one until the renewal lands.
	if !a.Cache.claimRenewal(digest, kind) {
		return
	}
	a.refreshMu.Lock()
	defer a.refreshMu.Unlock()
	if a.closed {
		a.Cache.dropRenewals()
		return
	}
	a.refreshes.Go(a.renewDue)
}

// ClientError is what a client may learn of err: any refusal is plain
// UNAUTHENTICATED, whatever the reason.
func ClientError(err error) error {
	var why refusal
	if errors.As(err, &why) {
		return model.ErrUnauthenticated
	}
	return err
}

// Observe reports an admission's outcome to the metrics, and logs a
// refusal's reason, which the client never learns.
func (a *Authenticator) Observe(r *http.Request, actor *model.Actor, err error) {
	switch {
	case err == nil && actor == nil:
		// anonymous
	case err == nil:
		a.onOutcome("ok")
	default:
		a.observeRefusal(r, err)
	}
}

// observeRefusal is Observe for a refused request: apart, because the
// reason errors.As reads into is allocated, and an admitted request need
// not pay for it.
func (a *Authenticator) observeRefusal(r *http.Request, err error) {
	var why refusal
	if errors.As(err, &why) {
		a.onOutcome(string(why))
		a.Logger.InfoContext(r.Context(), "authentication refused", "reason", string(why), "path", r.URL.Path)
		return
	}
	code := model.ErrorCode(err)
	a.onOutcome(string(code))
	if code == model.CodeInternal || code == model.CodeUnavailable {
		a.Logger.ErrorContext(r.Context(), "authentication could not be decided", "error", err)
	}
}
