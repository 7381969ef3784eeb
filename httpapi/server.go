package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/cors"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/keyfob/keyfob/account"
	"github.com/keyfob/keyfob/authn"
	"github.com/keyfob/keyfob/db"
	"github.com/keyfob/keyfob/graph"
	"github.com/keyfob/keyfob/internal/config"
	"github.com/keyfob/keyfob/leak"
	"github.com/keyfob/keyfob/metrics"
	"github.com/keyfob/keyfob/model"
	"github.com/keyfob/keyfob/playground"
	"github.com/keyfob/keyfob/resolvers"
	"github.com/keyfob/keyfob/usage"
	"github.com/keyfob/keyfob/webapp"
)

// Server is Keyfob's HTTP service and its wiring: the authenticator, the
// usage recorder, the revocation listener and the routes in front of them.
type Server struct {
	cfg       *config.Config
	store     *db.DB
	logger    *slog.Logger
	authn     *authn.Authenticator
	guard     *authn.LoginGuard
	shared    *authn.SharedLimits // nil unless -redis-url is set
	usage     *usage.Recorder
	clientIPs *clientIPs
	metrics   *metrics.Metrics
	slots     *executionSlots
	// scanner takes GitHub secret scanning's reports, public the reports
	// of anyone who found a key, under publicLimit.
	scanner     *leak.Scanner
	public      *leak.PublicRevocations
	publicLimit *authn.RequestLimit
	// stopListening ends the revocation listener.
	stopListening context.CancelFunc
	listening     chan struct{}
}

// New wires the service over store and starts its background work: the
// usage recorder and, on PostgreSQL, the revocation listener. Close stops
// them.
func New(cfg *config.Config, store *db.DB, logger *slog.Logger) *Server {
	s := &Server{
		cfg: cfg, store: store, logger: logger,
		clientIPs: &clientIPs{trusted: cfg.TrustedProxyPrefixes()},
		slots:     newExecutionSlots(cfg.MaxInFlight, overloadWait),
		listening: make(chan struct{}),
	}
	// Metrics come first, so that nothing started below can report to
	// them before they exist; the cache they read is there by the first
	// scrape.
	s.metrics = metrics.New(store.SQL(), func() (hits, misses uint64) { return s.authn.Cache.Stats() })
	if cfg.RedisURL != "" {
		// The URL was validated with the rest of the settings, and a Redis
		// that does not answer only keeps the limits per instance.
		shared, err := authn.NewSharedLimits(authn.SharedOptions{
			URL: cfg.RedisURL, Timeout: cfg.RedisTimeout, Logger: logger, OnBackend: s.metrics.RateLimitBackend,
		})
		if err != nil {
			logger.Error("rate limits stay per instance: the Redis URL cannot be used", "error", err)
		}
		s.shared = shared
	}
	s.guard = authn.NewLoginGuard(cfg.LoginLimits, s.shared)
	s.usage = usage.NewRecorder(store, usage.Options{Interval: cfg.UsageFlush, Logger: logger, Clock: store.Clock(),
		Observe: func(r usage.FlushReport) { s.metrics.UsageFlush(r.Pairs, r.Requests, r.Lag, r.Err, r.Shed) }})
	opts := authn.Options{
		CacheTTL: cfg.CacheTTL, NegativeCacheTTL: cfg.NegativeTTL, CacheSize: 100_000, RateLimits: cfg.RateLimits, SharedLimits: s.shared,
		OnOutcome: s.metrics.Verification, Clock: store.Clock(), FailClosedOnOutage: cfg.FailClosedOnOutage,
	}
	if cfg.DatabaseURL != "" {
		// A server that can be unreachable; SQLite is a file in the process,
		// whose look-ups wait their turn on its one connection.
		opts.LookUpTimeout = cfg.DBLookupTimeout
	}
	s.authn = authn.New(store, s.usage, logger, opts)
	store.OnRevoke = s.authn.Cache.Revoke
	s.scanner = &leak.Scanner{Keys: leak.NewKeySet(cfg.GitHubScanningKeys, cfg.GitHubScanningToken, store.Clock(), logger), Store: store, Logger: logger}
	s.public = leak.NewPublicRevocations(store, logger)
	s.publicLimit = authn.NewRequestLimit("revocations", cfg.PublicRevocationsPerHour, publicRevocationWindow, s.shared)
	ctx, cancel := context.WithCancel(context.Background())
	s.stopListening = cancel
	if cfg.DatabaseURL == "" {
		close(s.listening) // one SQLite instance hears all its own revocations
		return s
	}
	// Until LISTEN is in place another instance's revocation could go
	// unheard, so the cache starts bypassed. While the listener is down the
	// cache keeps its entries, unserved, to answer if the database cannot
	// (authn.Cache.SetListening).
	s.authn.Cache.SetListening(false)
	var once sync.Once
	go db.ListenRevocations(ctx, cfg.DatabaseURL, db.ListenerEvents{
		Revoked: s.authn.Cache.Revoke,
		Listening: func(ok bool) {
			s.authn.Cache.SetListening(ok)
			if ok {
				once.Do(func() { close(s.listening) })
			}
		},
	}, logger)
	return s
}

// Close stops background work: it waits for the public revocation
// reports already answered to be applied, and writes the usage still
// buffered. The two drain side by side, each until ctx ends: a backed-up
// revocation queue must not spend the final usage flush's time, or the
// usage admitted since the last flush would be lost.
func (s *Server) Close(ctx context.Context) error {
	revocations := make(chan error, 1)
	go func() { revocations <- s.public.Close(ctx) }()
	s.stopListening()
	s.authn.Close()
	var errs []error
	if err := s.usage.Close(ctx); err != nil {
		errs = append(errs, fmt.Errorf("final usage flush: %w", err))
	}
	if err := <-revocations; err != nil {
		errs = append(errs, fmt.Errorf("public revocation reports not all applied: %w", err))
	}
	err := errors.Join(errs...)
	if s.shared != nil {
		_ = s.shared.Close()
	}
	return err
}

// The hooks below are for tests and operators' tools, which need to see or
// push what the service does in the background.

// FlushUsage writes buffered usage increments now.
func (s *Server) FlushUsage(ctx context.Context) error { return s.usage.Flush(ctx) }

// Listening is closed once the revocation listener is in place (at once
// on SQLite): until then the credential cache is bypassed.
func (s *Server) Listening() <-chan struct{} { return s.listening }

// Authenticator is the service's authenticator, whose cache tests inspect.
func (s *Server) Authenticator() *authn.Authenticator { return s.authn }

// Handler routes HTTP. Data flows one way: request id and logging, client
// IP, authentication with the per-request loaders, then GraphQL.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	api := s.graphQLOverHTTP(s.slots.limit(s.authenticate(s.graphql())))
	mux.Handle("/graphql", s.cors().Handler(api))
	if s.cfg.Playground {
		pg := playground.Handler("Keyfob", "/graphql")
		mux.Handle("GET /{$}", pg)
		mux.Handle("GET "+playground.AssetPrefix, pg)
	}
	if s.cfg.App {
		mux.Handle("GET "+webapp.Prefix, webapp.Handler())
	}
	if s.cfg.NoopEndpoint {
		// The baseline for load measurements: the same server, middleware
		// and connection handling, with no work of its own.
		mux.HandleFunc("/noop", func(w http.ResponseWriter, r *http.Request) {})
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeStatus(w, http.StatusOK, "ok", "")
	})
	mux.HandleFunc("GET /readyz", s.ready)
	mux.HandleFunc("POST /secret-scanning/github", s.gitHubSecretScanning)
	mux.HandleFunc("POST /credentials/revoke", s.publicRevocation)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.Registry, promhttp.HandlerOpts{}))
	// The gateway endpoint takes any path below it as it comes (Envoy
	// appends the original one), so it bypasses the mux, which would
	// redirect paths holding "//" or "..".
	verify := s.verify()
	routes := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; p == "/auth/verify" || strings.HasPrefix(p, "/auth/verify/") {
			verify.ServeHTTP(w, r)
			return
		}
		// The two hot paths skip the wrapper: /graphql answers its own
		// errors, and /noop is the load command's do-nothing baseline.
		if p := r.URL.Path; p != "/graphql" && (p != "/noop" || !s.cfg.NoopEndpoint) {
			w = &muxErrorWriter{ResponseWriter: w}
		}
		mux.ServeHTTP(w, r)
	})
	return s.clientIPs.middleware(withRequestInfo(s.requestLog(routes)))
}

// muxErrorWriter turns a plain-text 404 or 405 (a path or method nothing
// serves, from the mux or a handler below it such as the playground's
// assets) into the coded JSON error every other refusal is.
type muxErrorWriter struct {
	http.ResponseWriter
	replaced bool
}

func (w *muxErrorWriter) WriteHeader(status int) {
	switch status {
	case http.StatusNotFound:
		w.replaced = true
		writeError(w.ResponseWriter, &model.Error{Code: model.CodeNotFound, Message: "nothing is served at this path: the API is at /graphql"})
	case http.StatusMethodNotAllowed:
		w.replaced = true // the mux has set Allow
		writeError(w.ResponseWriter, &model.Error{Code: model.CodeMethodNotAllowed, Message: "this path does not take that method; Allow lists those it takes"})
	default:
		w.ResponseWriter.WriteHeader(status)
	}
}

// Unwrap lets http.ResponseController reach the connection, to flush.
func (w *muxErrorWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *muxErrorWriter) Write(b []byte) (int, error) {
	if w.replaced {
		return len(b), nil // the mux's text, already answered in JSON
	}
	return w.ResponseWriter.Write(b)
}

func (s *Server) graphql() http.Handler {
	cfg := graph.Config{Resolvers: &resolvers.Resolver{DB: s.store, Accounts: &account.Service{DB: s.store, Guard: s.guard}}}
	srv := handler.New(graph.NewExecutableSchema(cfg))
	// Parsing and validating the same documents again is most of the cost
	// of a small query: integrations send the same few queries all day.
	validated := lru.New[*ast.QueryDocument](1000)
	srv.SetQueryCache(validated)
	// GET and POST with JSON only: form and multipart bodies are what a
	// cross-site form can send without a CORS preflight.
	srv.AddTransport(transport.GET{})
	srv.AddTransport(postJSON{})
	if s.cfg.Introspection {
		srv.Use(extension.Introspection{})
	}
	srv.Use(queryShapeLimit{limits: s.cfg.QueryLimits, validated: validated})
	srv.SetDisableSuggestion(!s.cfg.Development)
	srv.AroundResponses(s.observeOperation)
	srv.SetErrorPresenter(s.presentError)
	srv.SetRecoverFunc(s.recoverPanic)
	return srv
}

// observeOperation measures each GraphQL operation for /metrics.
func (s *Server) observeOperation(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	start := time.Now()
	resp := next(ctx)
	var op *ast.OperationDefinition
	if graphql.HasOperationContext(ctx) {
		op = graphql.GetOperationContext(ctx).Operation
	}
	outcome := "ok"
	if resp != nil && len(resp.Errors) > 0 {
		outcome = "error"
		if code, ok := resp.Errors[0].Extensions["code"]; ok {
			outcome = fmt.Sprint(code)
		}
	}
	s.metrics.GraphQLOperation(op, outcome, time.Since(start))
	return resp
}

// cors lets the configured browser origins call the API. Authorization is
// an allowed request header; cookies are not used, so credentials are never
// allowed and a wildcard origin stays harmless.
func (s *Server) cors() *cors.Cors {
	opts := cors.Options{
		AllowedOrigins:   s.cfg.CORSOrigins,
		AllowedMethods:   []string{http.MethodGet, http.MethodPost, http.MethodOptions},
		AllowedHeaders:   []string{"Authorization", "Content-Type", "Accept", "X-System", "X-Request-Id"},
		ExposedHeaders:   []string{"X-Request-Id", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Window", "Retry-After"},
		AllowCredentials: false,
		MaxAge:           600,
	}
	if len(s.cfg.CORSOrigins) == 0 {
		// rs/cors reads an empty list as "every origin"; ours means none.
		opts.AllowOriginFunc = func(string) bool { return false }
	}
	return cors.New(opts)
}

// ready answers whether this instance can serve: the database answers and
// its schema is current.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		writeStatus(w, http.StatusServiceUnavailable, "unavailable", "database unreachable")
		return
	}
	current, err := s.store.MigrationsCurrent(ctx)
	if err != nil || !current {
		writeStatus(w, http.StatusServiceUnavailable, "unavailable", "database schema is not current")
		return
	}
	writeStatus(w, http.StatusOK, "ready", "")
}

func writeStatus(w http.ResponseWriter, status int, state, reason string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	body := map[string]string{"status": state}
	if reason != "" {
		body["reason"] = reason
	}
	_ = json.NewEncoder(w).Encode(body)
}

// presentError is the one place errors take the shape clients see. Domain
// errors keep their code and message; gqlgen's protocol errors keep theirs;
// anything else is internal, logged here and shown only as "internal error".
func (s *Server) presentError(ctx context.Context, err error) *gqlerror.Error {
	gqlErr := graphql.DefaultErrorPresenter(ctx, err)
	var domain *model.Error
	if errors.As(err, &domain) {
		gqlErr.Message = domain.Message
		gqlErr.Extensions = map[string]any{"code": domain.Code}
		if domain.Field != "" {
			gqlErr.Extensions["field"] = domain.Field
		}
		if seconds := domain.RetryAfterSeconds(); seconds > 0 {
			gqlErr.Extensions["retryAfterSeconds"] = seconds
		}
		if domain.Code == model.CodeUnavailable {
			s.logger.WarnContext(ctx, "database unavailable", "error", err)
		}
		return gqlErr
	}
	if gqlErr.Err == nil {
		// gqlgen's switch silences suggestions for fields only; gqlparser
		// still offers argument, input-field, enum and type names, which
		// would spell out the schema even with introspection off.
		if before, _, found := strings.Cut(gqlErr.Message, " Did you mean "); found && !s.cfg.Development {
			gqlErr.Message = before
		}
		// A protocol error from gqlgen itself. Its JSON-decoding message
		// quotes the request body, which may hold a password: never echo it.
		if strings.HasPrefix(gqlErr.Message, "json request body could not be decoded") {
			gqlErr.Message = "the request body is not valid JSON"
		}
		// gqlparser prints the failed conversion's zero, not the value sent:
		// 1.5 for an Int reads "cannot use value 0 as Int".
		if t, ok := strings.CutPrefix(gqlErr.Message, "cannot use value "); ok && len(gqlErr.Path) == 2 {
			if _, kind, found := strings.Cut(t, " as "); found {
				article := "a"
				if kind == "Int" {
					article = "an"
				}
				gqlErr.Message = fmt.Sprintf("variable $%v must be %s %s", gqlErr.Path[1], article, kind)
			}
		}
		if gqlErr.Extensions == nil || gqlErr.Extensions["code"] == nil {
			if gqlErr.Extensions == nil {
				gqlErr.Extensions = map[string]any{}
			}
			gqlErr.Extensions["code"] = model.CodeBadRequest
		}
		return gqlErr
	}
	id := requestIDFromContext(ctx)
	s.logger.ErrorContext(ctx, "internal error", "error", err, "path", gqlErr.Path.String())
	gqlErr.Message = "internal error (request id " + id + ")"
	gqlErr.Extensions = map[string]any{"code": model.CodeInternal, "requestId": id}
	return gqlErr
}

// recoverPanic turns a panic into INTERNAL; the stack goes to the log only.
func (s *Server) recoverPanic(ctx context.Context, p any) error {
	s.logger.ErrorContext(ctx, "panic", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
	return fmt.Errorf("panic: %v", p)
}

type requestIDKey struct{}

func requestIDFromContext(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// requestLog gives every request an id (the client's X-Request-Id if it sent
// a sane one) and logs it when done. Headers are never logged: they carry
// credentials.
func (s *Server) requestLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if len(id) == 0 || len(id) > 128 || strings.ContainsFunc(id, func(c rune) bool { return c < 0x21 || c > 0x7e }) {
			var b [12]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		ctx := context.WithValue(r.Context(), requestIDKey{}, id)
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		start := time.Now()
		next.ServeHTTP(rec, r.WithContext(ctx))
		s.logger.LogAttrs(ctx, slog.LevelInfo, "request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", rec.status), slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
			slog.String("client_ip", authn.ClientIPFromContext(ctx)))
	})
}

// withRequestInfo puts the client's address and user agent in the context
// for the audit log, which the db layer reads from there. The user agent is
// whatever the client sent: it is cut and cleaned so that it always stores.
func withRequestInfo(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := model.RequestInfo{
			IP:        authn.ClientIPFromContext(r.Context()),
			UserAgent: model.StorableText(r.UserAgent(), model.MaxUserAgentLength),
		}
		next.ServeHTTP(w, r.WithContext(model.NewContextWithRequestInfo(r.Context(), info)))
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func NewLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(requestIDHandler{slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: redact})})
}

// requestIDHandler adds the request id to every line logged with a
// request's context, so that a line from deep inside (why a credential was
// refused, an internal error) can be matched to the request's own line.
type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := requestIDFromContext(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}

// redact is a safety net: Keyfob never logs headers or secrets, and should
// any attribute with a credential's name slip in, its value is hidden.
func redact(_ []string, attr slog.Attr) slog.Attr {
	switch strings.ToLower(attr.Key) {
	case "authorization", "secret", "token", "password", "cookie", "api_key", "key_secret":
		return slog.String(attr.Key, "[REDACTED]")
	}
	return attr
}
