package httpapi

// Tests of the service's own pieces, from inside the package: the
// behaviour through HTTP is tested end to end in e2e/.

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/99designs/gqlgen/graphql/handler"

	"github.com/keyfob/keyfob/graph"
	"github.com/keyfob/keyfob/internal/config"
	"github.com/keyfob/keyfob/model"
	"github.com/keyfob/keyfob/resolvers"
)

// lockedBuffer collects log lines written from the server's goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newTestServer is a Server over a fresh SQLite file, logging to the
// buffer it returns.
func newTestServer(t *testing.T) (*Server, *lockedBuffer) {
	t.Helper()
	cfg, _, err := config.Load([]string{"-password-memory-kib", "1024", "-database-url=", "-db", filepath.Join(t.TempDir(), "keyfob.db")}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	store, _, err := cfg.OpenStore(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	s := New(cfg, store, NewLogger(logs, slog.LevelDebug))
	t.Cleanup(func() {
		_ = s.Close(context.Background())
		store.Close()
	})
	return s, logs
}

// panickingQuery makes viewer panic, to prove the recover function and the
// error presenter in the real executor.
type panickingResolver struct{ *resolvers.Resolver }

func (r panickingResolver) Query() graph.QueryResolver {
	return panickingQuery{r.Resolver.Query()}
}

type panickingQuery struct{ graph.QueryResolver }

func (panickingQuery) Viewer(context.Context) (*model.User, error) {
	panic("boom: SELECT secret FROM nowhere")
}

func TestPanicBecomesInternal(t *testing.T) {
	s, logs := newTestServer(t)
	srv := handler.New(graph.NewExecutableSchema(graph.Config{Resolvers: panickingResolver{&resolvers.Resolver{DB: s.store}}}))
	srv.AddTransport(postJSON{})
	srv.SetErrorPresenter(s.presentError)
	srv.SetRecoverFunc(s.recoverPanic)
	ts := httptest.NewServer(s.requestLog(srv))
	defer ts.Close()
	resp, err := http.Post(ts.URL, "application/json", strings.NewReader(`{"query":"{ viewer { id } }"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	id := resp.Header.Get("X-Request-Id")
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"code":"INTERNAL"`) || !strings.Contains(string(body), id) {
		t.Fatalf("panic answered %d %s (request id %s)", resp.StatusCode, body, id)
	}
	if strings.Contains(string(body), "boom") || strings.Contains(string(body), "goroutine") || strings.Contains(string(body), ".go:") {
		t.Fatalf("the client saw the panic: %s", body)
	}
	logged := logs.String()
	if !strings.Contains(logged, "boom") || !strings.Contains(logged, "goroutine") {
		t.Fatalf("the panic and its stack were not logged: %s", logged)
	}
}
