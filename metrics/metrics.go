// Package metrics defines Keyfob's Prometheus metrics. Every label has a
// bounded set of values, so a client cannot grow the series without end.
package metrics

import (
	"database/sql"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/keyfob/keyfob/querylimit"
)

// Metrics are the service's instruments.
type Metrics struct {
	Registry *prometheus.Registry

	graphqlRequests *prometheus.CounterVec
	graphqlDuration *prometheus.HistogramVec
	verifications   *prometheus.CounterVec
	verifiedOK      prometheus.Counter
	flushPairs      prometheus.Histogram
	flushRequests   prometheus.Counter
	flushLag        prometheus.Histogram
	flushErrors     prometheus.Counter
	usageShed       prometheus.Counter
	limitBackend    *prometheus.GaugeVec
	redisLosses     prometheus.Counter
}

// New registers every metric in a fresh registry. cacheStats reads the
// verification cache's hit and miss counters; db is the connection pool.
func New(db *sql.DB, cacheStats func() (hits, misses uint64)) *Metrics {
	r := prometheus.NewRegistry()
	m := &Metrics{
		Registry: r,
		graphqlRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keyfob_graphql_requests_total", Help: "GraphQL operations by root field (or introspection, multiple, none) and outcome (ok or the first error code).",
		}, []string{"operation", "outcome"}),
		graphqlDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "keyfob_graphql_request_duration_seconds", Help: "GraphQL operation latency by root field and outcome.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}, []string{"operation", "outcome"}),
		verifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keyfob_credential_verifications_total", Help: "Credential verifications by outcome (ok, missing, malformed, unknown, session_token_not_accepted, or an error code).",
		}, []string{"outcome"}),
		flushPairs: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "keyfob_usage_flush_pairs", Help: "Distinct (key, integration) pairs per usage flush.",
			Buckets: prometheus.ExponentialBuckets(1, 4, 10),
		}),
		flushRequests: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "keyfob_usage_flushed_requests_total", Help: "Requests whose usage was written.",
		}),
		flushLag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "keyfob_usage_flush_lag_seconds", Help: "Age of the oldest increment in each flush when it was written.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 14),
		}),
		flushErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "keyfob_usage_flush_errors_total", Help: "Usage flushes that failed and were kept for retry.",
		}),
		usageShed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "keyfob_usage_shed_total", Help: "Usage increments dropped because the buffer was full.",
		}),
		limitBackend: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "keyfob_rate_limit_backend", Help: "1 for where the rate limits are kept now: redis (shared by the instances) or local (this instance's own); 0 for the other.",
		}, []string{"backend"}),
		redisLosses: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "keyfob_rate_limit_redis_losses_total", Help: "Times Redis failed or outlasted -redis-timeout and the rate limits fell back to this instance's own.",
		}),
	}
	m.setLimitBackend("local") // until Redis, if any, answers
	m.verifiedOK = m.verifications.WithLabelValues("ok")
	r.MustRegister(m.graphqlRequests, m.graphqlDuration, m.verifications, m.flushPairs, m.flushRequests, m.flushLag, m.flushErrors, m.usageShed, m.limitBackend, m.redisLosses,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(db, "keyfob"),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "keyfob_verification_cache_hits_total", Help: "Verifications answered from the cache."},
			func() float64 { h, _ := cacheStats(); return float64(h) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "keyfob_verification_cache_misses_total", Help: "Verifications that asked the database."},
			func() float64 { _, m := cacheStats(); return float64(m) }),
	)
	return m
}

// GraphQLOperation records one operation, op being nil for a request
// that named no valid operation.
func (m *Metrics) GraphQLOperation(op *ast.OperationDefinition, outcome string, d time.Duration) {
	label := OperationLabel(op)
	m.graphqlRequests.WithLabelValues(label, outcome).Inc()
	m.graphqlDuration.WithLabelValues(label, outcome).Observe(d.Seconds())
}

// Verification records a credential verification's outcome.
func (m *Metrics) Verification(outcome string) {
	if outcome == "ok" {
		m.verifiedOK.Inc() // the hot path skips the label look-up
		return
	}
	m.verifications.WithLabelValues(outcome).Inc()
}

// RateLimitBackend records where the rate limits are kept now: "redis"
// or "local", which the shared limits report only when Redis fails.
func (m *Metrics) RateLimitBackend(backend string) {
	if backend == "local" {
		m.redisLosses.Inc()
	}
	m.setLimitBackend(backend)
}

func (m *Metrics) setLimitBackend(backend string) {
	for _, b := range []string{"redis", "local"} {
		v := 0.0
		if b == backend {
			v = 1
		}
		m.limitBackend.WithLabelValues(b).Set(v)
	}
}

// UsageFlush records one flush attempt.
func (m *Metrics) UsageFlush(pairs, requests int, lag time.Duration, err error, shed int) {
	if shed > 0 {
		m.usageShed.Add(float64(shed))
		return
	}
	if err != nil {
		m.flushErrors.Inc()
		return
	}
	m.flushPairs.Observe(float64(pairs))
	m.flushRequests.Add(float64(requests))
	m.flushLag.Observe(lag.Seconds())
}

// OperationLabel names an operation by what it asks for: its root field,
// aliases resolved, which the schema bounds. The client's operation name
// is not used: a client could take the label's every series with names of
// its own, and real operations would then go uncounted. The label is
// "introspection" for __schema and __type, "multiple" for several root
// fields and "none" for no valid operation. __typename beside other fields
// is not counted.
func OperationLabel(op *ast.OperationDefinition) string {
	if op == nil {
		return "none"
	}
	label := ""
	for _, name := range querylimit.RootFields(op) {
		switch name {
		case "__schema", "__type":
			name = "introspection"
		case "__typename":
			continue
		}
		if label != "" && label != name {
			return "multiple"
		}
		label = name
	}
	if label == "" {
		return "__typename"
	}
	return label
}
