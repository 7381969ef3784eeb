package api

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyfob/keyfob/internal/config"
	"github.com/keyfob/keyfob/internal/testkit"
)

// TestNginxAuthRequest puts Debian's nginx, configured with the very
// snippet docs/gateways.md shows (deploy/nginx/keyfob.conf), in front of a
// toy upstream.
func TestNginxAuthRequest(t *testing.T) {
	nginx, err := exec.LookPath("nginx")
	if err != nil {
		for _, p := range []string{"/usr/sbin/nginx"} {
			if _, statErr := os.Stat(p); statErr == nil {
				nginx, err = p, nil
			}
		}
	}
	if err != nil {
		if os.Getenv("KEYFOB_REQUIRE_NGINX") != "" {
			t.Fatal("nginx is required here (apt-get install nginx-light)")
		}
		t.Skip("nginx is not installed (apt-get install nginx-light); CI runs this test")
	}
	snippet, err := os.ReadFile(testkit.RepoPath("deploy/nginx/keyfob.conf"))
	if err != nil {
		t.Fatal(err)
	}
	gateways, err := os.ReadFile(testkit.RepoPath("docs/gateways.md"))
	if err != nil || !strings.Contains(string(gateways), string(snippet)) {
		t.Fatal("docs/gateways.md must show deploy/nginx/keyfob.conf verbatim")
	}

	e := testkit.NewEnv(t, "sqlite", func(c *config.Config) {
		c.RateLimits.PerKey = 3
		c.TrustedProxies = "127.0.0.1"
	})
	owner := e.SignUp(t, "Behind nginx")
	keyID, secret := e.CreateKey(t, owner, "Proxied")

	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "upstream saw key=%s user=%s account=%s path=%s",
			r.Header.Get("X-Keyfob-Key-Id"), r.Header.Get("X-Keyfob-User-Id"), r.Header.Get("X-Keyfob-Account-Id"), r.URL.Path)
	}))
	defer upstream.Close()

	dir := t.TempDir()
	port := testkit.FreePort(t)
	conf := fmt.Sprintf(`daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log info;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    upstream keyfob { server %[2]s; }
    upstream app { server %[3]s; }
    server {
        listen 127.0.0.1:%[4]d;
%[5]s
    }
}
`, dir, hostOf(t, e.URL), hostOf(t, upstream.URL), port, snippet)
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(nginx, "-e", filepath.Join(dir, "error.log"), "-p", dir, "-c", confPath)
	out := &testkit.SyncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	front := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitFor(t, front, out, dir)

	get := func(auth string, extra map[string]string) (int, http.Header, string) {
		req, _ := http.NewRequest(http.MethodGet, front+"/api/people", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		for k, v := range extra {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(body)
	}

	// Admitted, with identity from Keyfob even when the client forges it.
	status, _, body := get(testkit.Bearer(secret), map[string]string{"X-Keyfob-Key-Id": "key_forged", "X-System": "nginx-test"})
	if status != http.StatusOK || !strings.Contains(body, "key="+keyID) || !strings.Contains(body, "user="+owner.ID) || !strings.Contains(body, "path=/api/people") {
		t.Fatalf("admitted request: %d %s", status, body)
	}
	// Refused: no key, and an unknown key, with a JSON body and a Bearer challenge.
	for _, auth := range []string{"", "Bearer kf_nope"} {
		status, header, body := get(auth, map[string]string{"X-Keyfob-Key-Id": "key_forged"})
		if status != http.StatusUnauthorized || !strings.Contains(body, "UNAUTHENTICATED") || header.Get("WWW-Authenticate") != `Bearer realm="keyfob"` {
			t.Fatalf("refused request (%q): %d %v %s", auth, status, header, body)
		}
	}
	// A bad X-System keeps its 400 through nginx (which would make it 500).
	if status, _, body := get(testkit.Bearer(secret), map[string]string{"X-System": strings.Repeat("x", 101)}); status != http.StatusBadRequest || !strings.Contains(body, "BAD_USER_INPUT") {
		t.Fatalf("bad X-System through nginx: %d %s", status, body)
	}
	// A control byte in a header is refused by Go's HTTP server itself,
	// before Keyfob runs, so no X-Keyfob-Status comes back; the 400 must
	// still not become nginx's 500. (Go's client will not send it.)
	if raw := rawGet(t, front, "GET /api/people HTTP/1.1\r\nHost: x\r\nAuthorization: "+testkit.Bearer(secret)+"\r\nX-System: Zap\x01ier\r\nConnection: close\r\n\r\n"); !strings.HasPrefix(raw, "HTTP/1.1 400") || !strings.Contains(raw, "BAD_REQUEST") {
		t.Fatalf("control byte in X-System through nginx:\n%s", raw)
	}
	// Rate limited: the key's 3 requests are used up (the admitted one, the
	// refused X-System one, which still counts, and 1 more; the control
	// byte never reached Keyfob).
	for range 1 {
		if status, _, body := get(testkit.Bearer(secret), nil); status != http.StatusOK {
			t.Fatalf("within the limit: %d %s", status, body)
		}
	}
	status, header, body := get(testkit.Bearer(secret), nil)
	if status != http.StatusTooManyRequests || header.Get("Retry-After") == "" || !strings.Contains(body, "RATE_LIMITED") {
		t.Fatalf("past the limit through nginx: %d %v %s", status, header, body)
	}
	e.FlushUsage(t)
	data := e.MustDo(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: `query($id: ID!) { apiKey(id: $id) { usageByIntegration { integration requestCount } } }`, Variables: map[string]any{"id": keyID}})
	counts := map[any]any{}
	for _, u := range testkit.Dig(data, "apiKey", "usageByIntegration").([]any) {
		counts[testkit.Dig(u, "integration")] = testkit.Dig(u, "requestCount")
	}
	// One request named itself with X-System and one did not; the refused
	// ones are not counted as usage.
	if counts["nginx-test"] != 1.0 || counts["unknown"] != 1.0 || len(counts) != 2 {
		t.Fatalf("usage recorded through nginx = %v", counts)
	}
}

// rawGet sends request as written and returns the whole answer.
func rawGet(t *testing.T, base, request string) string {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(conn)
	return string(answer)
}

func hostOf(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

func waitFor(t *testing.T, base string, out *testkit.SyncBuffer, dir string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/")
		if err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
	t.Fatalf("nginx did not start: %s\n%s", out.String(), log)
}
