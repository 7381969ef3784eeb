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

// pair is what one increment counts. The day is in it so that requests
// admitted before midnight UTC and flushed after count on their own day,
// which then needs no clock reading beyond the one each request makes.
type pair struct {
	keyID, integration string
	day                int64 // model.UsageDay
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

	// Increments are held in shards, each with its own lock, so that
	// concurrent requests rarely wait on one another.
	shards [shardCount]shard
	pairs  atomic.Int64 // pairs held across all shards, for the bound
	// failed is a batch whose write failed; it is retried as it was, with
	// its flush id, so a commit whose outcome was unknown is never counted twice.
	failed *batch
	// failedPairs is failed's size, which counts against the bound too: in
	// a long database outage the kept batch and the pairs arriving after it
	// together stay within maxPairs.
	failedPairs atomic.Int64
	// spareBatch is the last written batch's slice, for the next one.
	spareBatch []db.UsageIncrement
	flushMu    sync.Mutex // one flush at a time
	stop       chan struct{}
	done       chan struct{}
	stopOnce   sync.Once
	observe    func(FlushReport)
	// shed counts increments dropped since the last flush, which logs them
	// once: a line per dropped request would flood the log just when the
	// database is already in trouble.
	shed atomic.Int64
}

const shardCount = 16

// shard holds its increments by value, in the order their pairs first
// came, with an index by pair: a request that opens a pair appends to a
// slice rather than allocating an increment of its own, which, when most
// pairs are new each interval, was a heap object per request and one more
// copy at the flush.
type shard struct {
	mu      sync.Mutex
	index   map[pair]int // position in pending
	pending []db.UsageIncrement
	// spareIndex and spare are the previous interval's, emptied, to take
	// over at the next flush: after warm-up an interval allocates nothing.
	// (They keep the capacity of the busiest interval: at most maxPairs
	// increments across the shards.) Only Flush, under flushMu, uses them.
	spareIndex map[pair]int
	spare      []db.UsageIncrement
}

var shardSeed = maphash.MakeSeed()

func (r *Recorder) shardOf(keyID string) *shard {
	return &r.shards[maphash.String(shardSeed, keyID)%shardCount]
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
		r.shards[i].index, r.shards[i].spareIndex = make(map[pair]int), make(map[pair]int)
	}
	go r.loop()
	return r
}

// Record counts one request made by integration with the key keyID, now.
func (r *Recorder) Record(keyID, integration string) {
	r.RecordAt(r.clock.Now(), keyID, integration, "")
}

// RecordAt counts one request admitted at at, by the recorder's clock
// (the authenticator passes the reading it admitted the request by, so
// the hot path reads the clock once). previousSecretHash is the hash of
// the key's previous secret when the request presented it, during the
// grace after a roll, else "": the key's previousSecretLastUsedAt follows
// those requests.
func (r *Recorder) RecordAt(at time.Time, keyID, integration, previousSecretHash string) {
	at = at.UTC().Truncate(time.Microsecond)
	k := pair{keyID, integration, model.UsageDay(at)}
	sh := r.shardOf(keyID)
	sh.mu.Lock()
	if i, ok := sh.index[k]; ok {
		inc := &sh.pending[i]
		inc.Requests++
		inc.LastUsedAt = at
		if previousSecretHash != "" {
			inc.PreviousSecretHash, inc.PreviousSecretLastUsedAt = previousSecretHash, at
		}
		sh.mu.Unlock()
		return
	}
	if r.pairs.Add(1)+r.failedPairs.Load() > int64(r.maxPairs) {
		r.pairs.Add(-1)
		sh.mu.Unlock()
		r.shed.Add(1)
		r.observe(FlushReport{Shed: 1})
		return
	}
	inc := db.UsageIncrement{APIKeyID: keyID, Integration: integration, Requests: 1, FirstUsedAt: at, LastUsedAt: at}
	if previousSecretHash != "" {
		inc.PreviousSecretHash, inc.PreviousSecretLastUsedAt = previousSecretHash, at
	}
	sh.index[k] = len(sh.pending)
	sh.pending = append(sh.pending, inc)
	sh.mu.Unlock()
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
	for i := range r.shards {
		sh := &r.shards[i]
		sh.mu.Lock()
		taken, takenIndex := sh.pending, sh.index
		if len(taken) > 0 {
			sh.pending, sh.index = sh.spare[:0], sh.spareIndex
			r.pairs.Add(-int64(len(taken)))
		}
		sh.mu.Unlock()
		if len(taken) == 0 {
			continue
		}
		b.incs = append(b.incs, taken...)
		clear(takenIndex)
		clear(taken) // drop the key ids and names for the collector
		sh.spare, sh.spareIndex = taken[:0], takenIndex
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
