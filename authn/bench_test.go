package authn

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/db"
	"github.com/keyfob/keyfob/internal/pgtest"
	"github.com/keyfob/keyfob/usage"
)

// Benchmarks of the hot path's parts: `go test -bench . -benchmem ./authn`.

func BenchmarkParseAndChecksum(b *testing.B) {
	header := "Bearer " + credential.NewAPIKey()
	b.ReportAllocs()
	for b.Loop() {
		if _, kind := credential.FromAuthorization(header); kind != credential.KindAPIKey {
			b.Fatal("valid key refused")
		}
	}
}

func newBenchAuthenticator(b testing.TB) (*Authenticator, string) {
	b.Helper()
	store, owner := signedUpStore(b, filepath.Join(b.TempDir(), "bench.db"), db.Options{}, "Bench", "b@example.test")
	_, secret, err := store.CreateAPIKey(context.Background(), owner, "Bench")
	if err != nil {
		b.Fatal(err)
	}
	recorder := usage.NewRecorder(store, usage.Options{Interval: time.Hour})
	b.Cleanup(func() { recorder.Close(context.Background()) })
	limits := DefaultRateLimits
	limits.PerKey = 1 << 30
	a := New(store, recorder, slog.New(slog.DiscardHandler), Options{CacheTTL: time.Hour, NegativeCacheTTL: time.Minute, CacheSize: 1000, RateLimits: limits})
	return a, secret
}

// BenchmarkWarmVerify is one gateway admission with a warm cache: parse,
// checksum, cache hit, rate limit and usage increment, with no database.
func BenchmarkWarmVerify(b *testing.B) {
	a, secret := newBenchAuthenticator(b)
	req := httptest.NewRequest(http.MethodGet, "/auth/verify", nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	req.Header.Set("X-System", "Bench")
	if _, err := a.Admit(httptest.NewRecorder(), req, false, http.MethodGet); err != nil { // warm the cache
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if admitted, err := a.Admit(httptest.NewRecorder(), req, false, http.MethodGet); err != nil || admitted.Actor.APIKey == nil {
			b.Fatalf("%v %v", admitted.Actor, err)
		}
	}
}

func BenchmarkRecorderIncrement(b *testing.B) {
	r := usage.NewRecorder(nopStore{}, usage.Options{Interval: time.Hour})
	defer r.Close(context.Background())
	keys := numbered("key_", 1000)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r.Record(keys[i%len(keys)], "Zapier")
		i++
	}
}

// BenchmarkRecorderSecondOf10kPairs is one flush interval of the load
// command's spread: every request a pair not yet seen in this interval,
// then the flush that hands the batch over. Reported per request.
func BenchmarkRecorderSecondOf10kPairs(b *testing.B) {
	r := usage.NewRecorder(nopStore{}, usage.Options{Interval: time.Hour})
	defer r.Close(context.Background())
	keys, integrations := numbered("key_", 1000), numbered("integration-", 10)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r.Record(keys[i%len(keys)], integrations[i/len(keys)%len(integrations)])
		if i++; i%(len(keys)*len(integrations)) == 0 {
			if err := r.Flush(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// numbered returns n distinct names: prefix0, prefix1, ...
func numbered(prefix string, n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = prefix + strconv.Itoa(i)
	}
	return names
}

type nopStore struct{}

func (nopStore) RecordUsage(context.Context, string, []db.UsageIncrement) error { return nil }

// BenchmarkRenew100Keys renews 100 cached keys' entries, per op: one
// look-up each, as refreshes did before batching, against one batch.
func BenchmarkRenew100Keys(b *testing.B) {
	stores := map[string]func(testing.TB) string{
		"sqlite":   func(tb testing.TB) string { return filepath.Join(tb.TempDir(), "renew.db") },
		"postgres": func(tb testing.TB) string { return pgtest.FreshSchema(tb) },
	}
	for _, name := range []string{"sqlite", "postgres"} {
		b.Run(name, func(b *testing.B) {
			f := newRenewalFixture(b, stores[name](b))
			batch := make([]dueRenewal, 100)
			for i := range batch {
				_, secret := f.newKey(b)
				batch[i] = dueRenewal{credential.Sum(secret), credential.KindAPIKey}
			}
			b.Run("one-by-one", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					for _, d := range batch {
						if _, err := f.a.lookUp(context.Background(), d.digest, d.kind); err != nil {
							b.Fatal(err)
						}
					}
				}
			})
			b.Run("batched", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := f.a.renew(batch); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
