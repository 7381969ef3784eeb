// Package usage counts requests per (API key, integration) and UTC day in
// memory and writes them in batches, so that database writes grow with the
// number of distinct pairs rather than with the request rate.
package usage

import (
	"context"
	"hash/maphash"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/db"
	"github.com/keyfob/keyfob/model"
)

// Store is where batches go: one call writes one batch atomically, and a
// batch whose flush id was already written is not applied again. The
// recorder reuses a written batch's slice, so a store must not keep it.
type Store interface {
	RecordUsage(ctx context.Context, flushID string, incs []db.UsageIncrement) error
}

// Recorder aggregates usage increments and flushes them periodically.
type Recorder struct {
	store    Store
	logger   *slog.Logger
	clock    clockwork.Clock // tells when requests are admitted
	interval time.Duration
	// maxPairs bounds memory while the database is unreachable: the pairs
	// pending and those of the batch kept for retry, together.
	maxPairs int

	// The tallies are held in shards, each with its own lock, so that
	// concurrent look-ups rarely wait on one another.
	shards [shardCount]shard
	pairs  atomic.Int64 // pairs pending across all tallies, for the bound
	// failed is a batch whose write failed; it is retried as it was, with
	// its flush id, so a commit whose outcome was unknown is never counted twice.
	failed *batch
	// failedPairs is failed's size, which counts against the bound too: in
	// a long database outage the kept batch and the pairs arriving after it
	// together stay within maxPairs.
	failedPairs atomic.Int64
	// spareBatch is the last written batch's slice, for the next one.
	spareBatch []db.UsageIncrement
	// flushes counts the flushes begun, for retiring idle tallies.
	flushes  atomic.Int64
	flushMu  sync.Mutex // one flush at a time
	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
	observe  func(FlushReport)
	// shed counts increments dropped since the last flush, which logs them
	// once: a line per dropped request would flood the log just when the
	// database is already in trouble.
	shed atomic.Int64
}

const shardCount = 16

// A tally idle for this many flushes in a row is let go of: memory holds
// the keys in use, not every key ever used.
const retireAfterFlushes = 60

// shard holds the tallies of some keys, by key id, and the list of those
// with increments pending, which the next flush takes.
type shard struct {
	mu      sync.Mutex
	tallies map[string]*Tally
	queued  []*Tally
	// spare is the list the last flush took, emptied, for the next one.
	// Only Flush, under flushMu, uses it.
	spare []*Tally
}

// Tally is one key's usage pending on this instance, by integration and
// UTC day. The authenticator keeps a key's tally with its cached
// credential, so a warm request counts into it without looking the key up
// by id (RecordAt); each pair's increment is held by value, in the order
// the pairs first came, so a request that opens a pair appends to a slice
// rather than allocating an increment of its own.
type Tally struct {
	mu    sync.Mutex
	keyID string
	shard *shard
	// seen is each pending pair's integration hash and day, by position:
	// a scan reads these few words, not the increments and the names they
	// point to, which are rarely in the processor's caches.
	seen    []seenPair
	pending []db.UsageIncrement
	// index finds a pair among pending once there are too many to scan.
	index map[pair]int
	// queued says the tally is on its shard's list for the next flush.
	queued bool
	// retired is set when the shard lets go of the tally, idle: a request
	// that still holds it counts into the one the shard holds instead, so
	// a key never has two tallies at once and a batch never holds a pair
	// twice.
	retired bool
	// lastFlushed is the flush that last took increments from the tally.
	lastFlushed int64
}

// pair is what one increment counts within a tally. The day is in it so
// that requests admitted before midnight UTC and flushed after count on
// their own day, which then needs no clock reading beyond the one each
// request makes.
type pair struct {
	integration string
	day         int64 // model.UsageDay
}

// seenPair is what a scan compares: a pair's integration, hashed, and day.
type seenPair struct {
	hash uint64
	day  int64
}

// maxScannedPairs is how many pairs a tally finds by scanning: a few
// integrations a key is the rule, and a scan of those beats a map.
const maxScannedPairs = 16

var shardSeed = maphash.MakeSeed()

// Tally returns keyID's tally, made if need be.
func (r *Recorder) Tally(keyID string) *Tally {
	sh := &r.shards[maphash.String(shardSeed, keyID)%shardCount]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	t := sh.tallies[keyID]
	if t == nil {
		t = &Tally{keyID: keyID, shard: sh, lastFlushed: r.flushes.Load()}
		sh.tallies[keyID] = t
	}
	return t
}

// find is the position of p's increment in pending, or -1; seen is p
// as a scan compares it.
func (t *Tally) find(p pair, seen seenPair) int {
	if t.index != nil {
		if i, ok := t.index[p]; ok {
			return i
		}
		return -1
	}
	for i := range t.seen {
		if t.seen[i] == seen && t.pending[i].Integration == p.integration {
			return i
		}
	}
	return -1
}

// add appends p's first increment.
func (t *Tally) add(p pair, seen seenPair, inc db.UsageIncrement) {
	t.pending = append(t.pending, inc)
	t.seen = append(t.seen, seen)
	switch {
	case t.index != nil:
		t.index[p] = len(t.pending) - 1
	case len(t.pending) > maxScannedPairs:
		t.index = make(map[pair]int, len(t.pending))
		for i, inc := range t.pending {
			t.index[pair{inc.Integration, model.UsageDay(inc.FirstUsedAt)}] = i
		}
	}
}

type batch struct {
	id   string
	incs []db.UsageIncrement
}

// FlushReport describes one flush attempt.
type FlushReport struct {
	Pairs    int
	Requests int
	Lag      time.Duration // age of the oldest increment written
	Err      error
	Shed     int // increments dropped because memory was full
}

// Options tune a Recorder.
type Options struct {
	Interval time.Duration // how often to flush; default 1s
	MaxPairs int           // most distinct pairs held; default 100,000
	Logger   *slog.Logger
	// Clock tells when each request is admitted, and so its day; nil is
	// the real clock. The flushes keep the real interval.
	Clock clockwork.Clock
	// Observe, if set, learns about each flush and each dropped increment
	// (for metrics).
	Observe func(FlushReport)
}

// NewRecorder starts a recorder that flushes to store every interval.
func NewRecorder(store Store, opts Options) *Recorder {
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	if opts.MaxPairs <= 0 {
		opts.MaxPairs = 100_000
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Observe == nil {
		opts.Observe = func(FlushReport) {}
	}
	if opts.Clock == nil {
		opts.Clock = clockwork.NewRealClock()
	}
	r := &Recorder{
		store: store, logger: opts.Logger, clock: opts.Clock, interval: opts.Interval, maxPairs: opts.MaxPairs,
		stop: make(chan struct{}), done: make(chan struct{}), observe: opts.Observe,
	}
	for i := range r.shards {
		r.shards[i].tallies = make(map[string]*Tally)
	}
	go r.loop()
	return r
}

// Record counts one request made by integration with the key keyID, now.
func (r *Recorder) Record(keyID, integration string) {
	r.RecordAt(r.clock.Now(), r.Tally(keyID), integration, "")
}

// RecordAt counts one request admitted at at, by the recorder's clock
// (the authenticator passes the reading it admitted the request by, so
// the hot path reads the clock once), into the tally of the key it used.
// previousSecretHash is the hash of the key's previous secret when the
// request presented it, during the grace after a roll, else "": the key's
// previousSecretLastUsedAt follows those requests.
func (r *Recorder) RecordAt(at time.Time, t *Tally, integration, previousSecretHash string) {
	at = at.UTC().Truncate(time.Microsecond)
	p := pair{integration, model.UsageDay(at)}
	seen := seenPair{maphash.String(shardSeed, integration), p.day}
	t.mu.Lock()
	for t.retired {
		t.mu.Unlock()
		t = r.Tally(t.keyID)
		t.mu.Lock()
	}
	if i := t.find(p, seen); i >= 0 {
		inc := &t.pending[i]
		inc.Requests++
		inc.LastUsedAt = at
		if previousSecretHash != "" {
			inc.PreviousSecretHash, inc.PreviousSecretLastUsedAt = previousSecretHash, at
		}
		t.mu.Unlock()
		return
	}
	if r.pairs.Add(1)+r.failedPairs.Load() > int64(r.maxPairs) {
		r.pairs.Add(-1)
		t.mu.Unlock()
		r.shed.Add(1)
		r.observe(FlushReport{Shed: 1})
		return
	}
	inc := db.UsageIncrement{APIKeyID: t.keyID, Integration: integration, Requests: 1, FirstUsedAt: at, LastUsedAt: at}
	if previousSecretHash != "" {
		inc.PreviousSecretHash, inc.PreviousSecretLastUsedAt = previousSecretHash, at
	}
	t.add(p, seen, inc)
	enqueue := !t.queued
	t.queued = true
	t.mu.Unlock()
	// Queued after the tally's lock is let go: Flush and retire take the
	// shard's lock before a tally's. A flush that runs in between leaves
	// the tally for the next one, as if the request had come a moment later.
	if enqueue {
		sh := t.shard
		sh.mu.Lock()
		sh.queued = append(sh.queued, t)
		sh.mu.Unlock()
	}
}

func (r *Recorder) loop() {
	defer close(r.done)
	t := time.NewTicker(r.interval)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), r.interval*5+5*time.Second)
			_ = r.Flush(ctx)
			cancel()
		}
	}
}

// Flush writes everything recorded so far. On failure the batch is kept
// and retried by the next flush.
func (r *Recorder) Flush(ctx context.Context) error {
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	if n := r.shed.Swap(0); n > 0 {
		r.logger.Error("usage buffer full: increments dropped", "dropped", n, "max_pairs", r.maxPairs)
	}
	if r.failed != nil {
		if err := r.write(ctx, r.failed); err != nil {
			return err
		}
		r.failed = nil
		r.failedPairs.Store(0)
	}
	b := &batch{id: credential.NewID("flush"), incs: r.spareBatch[:0]}
	r.spareBatch = nil
	flushes := r.flushes.Add(1)
	for i := range r.shards {
		sh := &r.shards[i]
		sh.mu.Lock()
		taken := sh.queued
		sh.queued = sh.spare[:0]
		sh.mu.Unlock()
		for _, t := range taken {
			t.mu.Lock()
			b.incs = append(b.incs, t.pending...)
			r.pairs.Add(-int64(len(t.pending)))
			clear(t.pending) // drop the names for the collector
			t.pending, t.seen = t.pending[:0], t.seen[:0]
			clear(t.index)
			t.queued, t.lastFlushed = false, flushes
			t.mu.Unlock()
		}
		clear(taken)
		sh.spare = taken[:0]
	}
	if flushes%retireAfterFlushes == 0 {
		r.retireIdle(flushes)
	}
	if len(b.incs) == 0 {
		r.spareBatch = b.incs
		return nil
	}
	if err := r.write(ctx, b); err != nil {
		r.failed = b
		r.failedPairs.Store(int64(len(b.incs)))
		return err
	}
	clear(b.incs)
	r.spareBatch = b.incs[:0]
	return nil
}

// retireIdle lets go of the tallies idle for retireAfterFlushes flushes.
func (r *Recorder) retireIdle(flushes int64) {
	for i := range r.shards {
		sh := &r.shards[i]
		sh.mu.Lock()
		for keyID, t := range sh.tallies {
			t.mu.Lock()
			if !t.queued && flushes-t.lastFlushed >= retireAfterFlushes {
				t.retired = true
				delete(sh.tallies, keyID)
			}
			t.mu.Unlock()
		}
		sh.mu.Unlock()
	}
}

func (r *Recorder) write(ctx context.Context, b *batch) error {
	report := FlushReport{Pairs: len(b.incs)}
	oldest := r.clock.Now()
	for _, inc := range b.incs {
		report.Requests += inc.Requests
		if inc.FirstUsedAt.Before(oldest) {
			oldest = inc.FirstUsedAt
		}
	}
	report.Err = r.store.RecordUsage(ctx, b.id, b.incs)
	report.Lag = r.clock.Since(oldest)
	r.observe(report)
	if report.Err != nil {
		r.logger.Warn("usage flush failed; the batch is kept and retried", "pairs", report.Pairs, "requests", report.Requests, "error", report.Err)
	} else {
		r.logger.Debug("usage flushed", "pairs", report.Pairs, "requests", report.Requests, "lag", report.Lag.String())
	}
	return report.Err
}

// Close stops the periodic flush and writes what remains, retrying until
// ctx ends. Call it after the HTTP server has drained.
func (r *Recorder) Close(ctx context.Context) error {
	r.stopOnce.Do(func() { close(r.stop) })
	<-r.done
	for {
		err := r.Flush(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(200 * time.Millisecond):
		}
	}
}
