package httpapi

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// openConnectionsTimeout bounds the opening of the pool's connections
// before serving: PostgreSQL starts a backend in milliseconds when well.
const openConnectionsTimeout = 10 * time.Second

// Run serves on the configured address until ctx ends. Then it drains the
// requests in flight for up to the shutdown timeout, and only once no
// request can record usage any more writes the last of it, so that the
// final flush is exact. It closes s.
func (s *Server) Run(ctx context.Context) error {
	srv := &http.Server{
		Addr:              s.cfg.Addr,
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
	}
	if s.cfg.PprofAddr != "" {
		// A separate listener, so the profiler is never exposed with the API.
		go func() {
			mux := http.NewServeMux()
			mux.HandleFunc("/debug/pprof/", pprof.Index)
			mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
			mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
			s.logger.Warn("profiler listening", "addr", s.cfg.PprofAddr, "error", http.ListenAndServe(s.cfg.PprofAddr, mux))
		}()
	}
	// The pool's connections open before the first request (see
	// db.OpenConnections); a database that refuses now is for the
	// readiness check to report, not a reason not to serve.
	connecting, cancel := context.WithTimeout(ctx, openConnectionsTimeout)
	if opened, err := s.store.OpenConnections(connecting); err != nil {
		s.logger.Warn("not every database connection could be opened before serving; the rest open on demand", "opened", opened, "error", err)
	}
	cancel()
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		_ = s.Close(context.Background())
		return err
	}
	s.logger.Info("keyfob listening", "addr", ln.Addr().String(), "database", s.cfg.DatabaseKind())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		_ = s.Close(context.Background())
		return err
	case <-ctx.Done():
	}
	s.logger.Info("shutting down: draining requests", "timeout", s.cfg.ShutdownDrain.String())
	drainCtx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownDrain)
	defer cancel()
	if err := srv.Shutdown(drainCtx); err != nil {
		s.logger.Warn("drain timed out", "error", err)
	}
	flushCtx, cancelFlush := context.WithTimeout(context.Background(), s.cfg.ShutdownDrain)
	defer cancelFlush()
	if err := s.Close(flushCtx); err != nil {
		return fmt.Errorf("stopping: %w", err)
	}
	s.logger.Info("stopped: usage flushed")
	return nil
}
