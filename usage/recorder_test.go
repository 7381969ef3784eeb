package usage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/db"
	"github.com/keyfob/keyfob/model"
)

func openStore(t *testing.T) (*db.DB, *model.Actor) {
	t.Helper()
	passwords, err := credential.NewPasswords(credential.DefaultPasswordParams)
	if err != nil {
		t.Fatal(err)
	}
	store, err := db.Open(filepath.Join(t.TempDir(), "usage.db"), db.Options{Passwords: passwords})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if _, err := store.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	res, err := store.SignUp(context.Background(), db.SignUp{AccountName: "Usage", Name: "U", Email: "u@example.test", Password: "password123"})
	if err != nil {
		t.Fatal(err)
	}
	return store, &model.Actor{User: res.User, Account: res.Account, Session: &model.Session{}}
}

func newKey(t *testing.T, store *db.DB, actor *model.Actor, name string) string {
	t.Helper()
	key, _, err := store.CreateAPIKey(context.Background(), actor, name)
	if err != nil {
		t.Fatal(err)
	}
	return key.ID
}

// faultyStore is the real database behind a connection that fails: first
// before anything is written, then after the commit (the answer is lost).
type faultyStore struct {
	*db.DB
	failBefore, failAfter atomic.Int32
	calls                 atomic.Int32
}

func (f *faultyStore) RecordUsage(ctx context.Context, flushID string, incs []db.UsageIncrement) error {
	f.calls.Add(1)
	if f.failBefore.Add(-1) >= 0 {
		return model.ErrUnavailable
	}
	err := f.DB.RecordUsage(ctx, flushID, incs)
	if f.failAfter.Add(-1) >= 0 {
		return errors.New("connection reset after commit")
	}
	return err
}

func counts(t *testing.T, store *db.DB, keyID string) map[string]int {
	t.Helper()
	usage, err := store.UsageByKeys(context.Background(), []string{keyID})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, u := range usage[keyID] {
		out[u.Integration] = u.RequestCount
	}
	return out
}

func TestRecorderKeepsAndRetriesFailedBatchesExactlyOnce(t *testing.T) {
	store, actor := openStore(t)
	keyID := newKey(t, store, actor, "Flaky")
	faulty := &faultyStore{DB: store}
	faulty.failBefore.Store(2)
	faulty.failAfter.Store(1)
	r := NewRecorder(faulty, Options{Interval: time.Hour})
	defer r.Close(context.Background())

	for range 7 {
		r.Record(keyID, "Zapier")
	}
	ctx := context.Background()
	for i := range 2 {
		if err := r.Flush(ctx); err == nil {
			t.Fatalf("flush %d should fail while the database is down", i)
		}
	}
	r.Record(keyID, "Zapier") // arrives while the first batch waits
	if err := r.Flush(ctx); err == nil {
		t.Fatal("the flush whose answer was lost should report failure")
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := counts(t, store, keyID)["Zapier"]; got != 8 {
		t.Fatalf("recorded %d requests after retries, want exactly 8 (none lost, none twice)", got)
	}
}

func TestRecorderDropsDeletedKeysWithoutBlockingOthers(t *testing.T) {
	store, actor := openStore(t)
	live := newKey(t, store, actor, "Live")
	doomed := newKey(t, store, actor, "Doomed")
	r := NewRecorder(store, Options{Interval: time.Hour})
	defer r.Close(context.Background())
	r.Record(live, "A")
	r.Record(doomed, "A")
	r.Record("key_doesnotexist", "B")
	if _, _, err := store.DeleteAPIKey(context.Background(), actor, doomed); err != nil {
		t.Fatal(err)
	}
	if err := r.Flush(context.Background()); err != nil {
		t.Fatalf("a deleted key must not fail the batch: %v", err)
	}
	if got := counts(t, store, live)["A"]; got != 1 {
		t.Fatalf("live key recorded %d, want 1", got)
	}
}

// Writes grow with distinct pairs, not with requests: one flush of many
// requests over few pairs writes one row per pair.
func TestRecorderAggregatesPerPair(t *testing.T) {
	store, actor := openStore(t)
	keyID := newKey(t, store, actor, "Busy")
	r := NewRecorder(store, Options{Interval: time.Hour})
	defer r.Close(context.Background())
	for i := range 1000 {
		r.Record(keyID, []string{"A", "B"}[i%2])
	}
	statements := store.CountStatements()
	if err := r.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := counts(t, store, keyID); got["A"] != 500 || got["B"] != 500 {
		t.Fatalf("counts = %v", got)
	}
	// mark flush, prune old flush ids, prune old days (the day's first
	// flush), live keys, existing rows, one upsert per pair and one per
	// day, the read-back
	if n := statements.Load(); n > 8 {
		t.Fatalf("one flush of 1000 requests ran %d statements", n)
	}
}

// At -log-level debug every flush says what it wrote, so an operator can
// watch usage reach the database.
func TestRecorderLogsFlushesAtDebug(t *testing.T) {
	store, actor := openStore(t)
	keyID := newKey(t, store, actor, "Logged")
	var logs strings.Builder
	r := NewRecorder(store, Options{Interval: time.Hour, Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	defer r.Close(context.Background())
	r.Record(keyID, "A")
	r.Record(keyID, "A")
	r.Record(keyID, "B")
	if err := r.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), `"msg":"usage flushed","pairs":2,"requests":3`) {
		t.Fatalf("debug log = %s", logs.String())
	}
}

// Instances flush independently, so an earlier first use can arrive
// second; firstUsedAt must still be the earliest.
func TestFirstUsedAtIsTheEarliestWhateverTheFlushOrder(t *testing.T) {
	store, actor := openStore(t)
	keyID := newKey(t, store, actor, "Two instances")
	early := time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)
	late := early.Add(2 * time.Second)
	for i, at := range []time.Time{late, early} {
		inc := db.UsageIncrement{APIKeyID: keyID, Integration: "A", Requests: 1, FirstUsedAt: at, LastUsedAt: at}
		if err := store.RecordUsage(context.Background(), credential.NewID("flush")+string(rune('a'+i)), []db.UsageIncrement{inc}); err != nil {
			t.Fatal(err)
		}
	}
	usage, err := store.UsageByKeys(context.Background(), []string{keyID})
	if err != nil {
		t.Fatal(err)
	}
	if got := usage[keyID]; len(got) != 1 || !got[0].FirstUsedAt.Equal(early) || !got[0].LastUsedAt.Equal(late) || got[0].RequestCount != 2 {
		t.Fatalf("usage = %+v; want first %v, last %v, 2 requests", got, early, late)
	}
}

func TestRecorderShedsBeyondItsBound(t *testing.T) {
	store, actor := openStore(t)
	keyID := newKey(t, store, actor, "Many")
	var shed atomic.Int32
	var logs strings.Builder
	r := NewRecorder(store, Options{Interval: time.Hour, MaxPairs: 2, Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		Observe: func(rep FlushReport) { shed.Add(int32(rep.Shed)) }})
	defer r.Close(context.Background())
	r.Record(keyID, "A")
	r.Record(keyID, "B")
	for range 50 {
		r.Record(keyID, "C") // a third pair does not fit
	}
	r.Record(keyID, "A") // an existing pair still counts
	if shed.Load() != 50 {
		t.Fatalf("shed %d increments, want 50", shed.Load())
	}
	if err := r.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := counts(t, store, keyID); got["A"] != 2 || got["B"] != 1 || got["C"] != 0 {
		t.Fatalf("counts = %v", got)
	}
	// The drops are logged once, with their number, not once each.
	if n := strings.Count(logs.String(), "usage buffer full"); n != 1 || !strings.Contains(logs.String(), "dropped=50") {
		t.Fatalf("%d log lines about the full buffer:\n%s", n, logs.String())
	}
}

// During an outage the batch kept for retry counts against the bound, so
// the pairs arriving after it cannot double the memory held; once it is
// written, new pairs fit again, and nothing admitted is counted twice.
func TestRecorderBoundHoldsTheBatchKeptForRetry(t *testing.T) {
	store, actor := openStore(t)
	keyID := newKey(t, store, actor, "Outage")
	faulty := &faultyStore{DB: store}
	faulty.failBefore.Store(2)
	var shed atomic.Int32
	r := NewRecorder(faulty, Options{Interval: time.Hour, MaxPairs: 2, Observe: func(rep FlushReport) { shed.Add(int32(rep.Shed)) }})
	defer r.Close(context.Background())
	ctx := context.Background()
	r.Record(keyID, "A")
	r.Record(keyID, "B")
	if err := r.Flush(ctx); err == nil {
		t.Fatal("the flush should fail while the database is down")
	}
	r.Record(keyID, "C") // the kept batch already fills the bound
	if shed.Load() != 1 {
		t.Fatalf("shed %d increments while the kept batch filled the bound, want 1", shed.Load())
	}
	if err := r.Flush(ctx); err == nil {
		t.Fatal("the retry should fail while the database is down")
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	r.Record(keyID, "C")
	r.Record(keyID, "A")
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := counts(t, store, keyID); got["A"] != 2 || got["B"] != 1 || got["C"] != 1 || shed.Load() != 1 {
		t.Fatalf("counts = %v, shed %d; want A 2, B 1, C 1, one shed", got, shed.Load())
	}
}

// batchStore is the real database, remembering a copy of each batch it
// was given.
type batchStore struct {
	*db.DB
	batches [][]db.UsageIncrement
}

func (s *batchStore) RecordUsage(ctx context.Context, flushID string, incs []db.UsageIncrement) error {
	s.batches = append(s.batches, append([]db.UsageIncrement(nil), incs...))
	return s.DB.RecordUsage(ctx, flushID, incs)
}

// A key's tally finds its pairs by scanning while they are few and by an
// index past that, on each UTC day apart; either way a batch holds each
// pair once, with every request counted.
func TestTallyCountsManyIntegrationsAcrossMidnight(t *testing.T) {
	store, actor := openStore(t)
	keyID := newKey(t, store, actor, "Gateway")
	batches := &batchStore{DB: store}
	r := NewRecorder(batches, Options{Interval: time.Hour})
	defer r.Close(context.Background())
	tally := r.Tally(keyID)
	midnight := time.Now().UTC().Truncate(24 * time.Hour)
	const integrations = 3 * maxScannedPairs
	for round := range 3 {
		for i := range integrations {
			at := midnight.Add(-time.Minute)
			if round == 2 && i%2 == 0 {
				at = midnight.Add(time.Minute) // the next day: a pair of its own
			}
			r.RecordAt(at, tally, fmt.Sprintf("I%02d", i), "")
		}
	}
	if err := r.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(batches.batches) != 1 || len(batches.batches[0]) != integrations+integrations/2 {
		t.Fatalf("%d batches, the first of %d pairs; want one of %d", len(batches.batches), len(batches.batches[0]), integrations+integrations/2)
	}
	requests := map[string]int{}
	for _, inc := range batches.batches[0] {
		requests[inc.Integration+model.UsageDate(model.UsageDay(inc.FirstUsedAt))] += inc.Requests
	}
	today, yesterday := model.UsageDate(model.UsageDay(midnight)), model.UsageDate(model.UsageDay(midnight)-1)
	for i := range integrations {
		name := fmt.Sprintf("I%02d", i)
		want := [2]int{3, 0} // yesterday, today
		if i%2 == 0 {
			want = [2]int{2, 1}
		}
		if got := [2]int{requests[name+yesterday], requests[name+today]}; got != want {
			t.Fatalf("%s counted %v (yesterday, today), want %v", name, got, want)
		}
	}
}

// A tally idle for retireAfterFlushes flushes is let go of. A request that
// still holds it (a cached credential outlives it) counts into the key's
// new tally, so a batch never holds a pair twice and nothing is lost.
func TestRetiredTallyCountsIntoTheLiveOne(t *testing.T) {
	store, actor := openStore(t)
	keyID := newKey(t, store, actor, "Idle")
	busyID := newKey(t, store, actor, "Busy")
	batches := &batchStore{DB: store}
	r := NewRecorder(batches, Options{Interval: time.Hour})
	defer r.Close(context.Background())
	ctx := context.Background()
	held, busy := r.Tally(keyID), r.Tally(busyID)
	r.RecordAt(time.Now(), held, "A", "")
	for range 2 * retireAfterFlushes {
		r.RecordAt(time.Now(), busy, "A", "") // in use: never let go of
		if err := r.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if r.Tally(busyID) != busy {
		t.Fatal("a tally in use at every flush was let go of")
	}
	live := r.Tally(keyID)
	if live == held {
		t.Fatalf("a tally idle for %d flushes is still held", 2*retireAfterFlushes-1)
	}
	batches.batches = nil
	r.RecordAt(time.Now(), held, "A", "")
	r.RecordAt(time.Now(), live, "A", "")
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if len(batches.batches) != 1 || len(batches.batches[0]) != 1 || batches.batches[0][0].Requests != 2 {
		t.Fatalf("batches = %+v; want one pair of 2 requests", batches.batches)
	}
	if got := counts(t, store, keyID)["A"]; got != 3 {
		t.Fatalf("recorded %d requests, want 3", got)
	}
}
