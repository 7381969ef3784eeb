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
	// Two READ_ONLY keys, as the limit of 3 requests per key would not let
	// one key make all six requests below.
	var readOnly [2]struct{ id, secret string }
	for i := range readOnly {
		readOnly[i].id, readOnly[i].secret = e.CreateKey(t, owner, fmt.Sprintf("Reader %d", i))
		if resp := updateKey(t, e, testkit.Bearer(owner.Token), map[string]any{"id": readOnly[i].id, "access": "READ_ONLY"}); len(resp.Errors) > 0 {
			t.Fatalf("updateApiKey: %s", resp.Body)
		}
	}

	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "upstream saw key=%s user=%s account=%s access=%s method=%s path=%s",
			r.Header.Get("X-Keyfob-Key-Id"), r.Header.Get("X-Keyfob-User-Id"), r.Header.Get("X-Keyfob-Account-Id"),
			r.Header.Get("X-Keyfob-Key-Access"), r.Method, r.URL.Path)
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
	var do func(method, auth string, extra map[string]string) (int, http.Header, string)
	waitFor(t, front, out, dir)

	get := func(auth string, extra map[string]string) (int, http.Header, string) {
		return do(http.MethodGet, auth, extra)
	}
	do = func(method, auth string, extra map[string]string) (int, http.Header, string) {
		req, _ := http.NewRequest(method, front+"/api/people", nil)
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
	status, _, body := get(testkit.Bearer(secret), map[string]string{"X-Keyfob-Key-Id": "key_forged", "X-Keyfob-Key-Access": "READ_ONLY", "X-System": "nginx-test"})
	if status != http.StatusOK || !strings.Contains(body, "key="+keyID) || !strings.Contains(body, "user="+owner.ID) ||
		!strings.Contains(body, "access=FULL ") || !strings.Contains(body, "path=/api/people") {
		t.Fatalf("admitted request: %d %s", status, body)
	}
	// A key that expires says when to the client, through nginx; one that
	// never expires sends no such header.
	_, lasting := e.CreateKey(t, owner, "Lasting")
	if _, header, _ := get(testkit.Bearer(lasting), nil); header.Get("X-Keyfob-Key-Expires-At") != "" {
		t.Fatalf("a key without an expiry answered X-Keyfob-Key-Expires-At %q", header.Get("X-Keyfob-Key-Expires-At"))
	}
	expiresAt := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Second).Format(time.RFC3339Nano)
	expiring := e.MustDo(t, testkit.Request{Auth: testkit.Bearer(owner.Token),
		Query:     `mutation($in: CreateApiKeyInput!) { createApiKey(input: $in) { secret apiKey { expiresAt } } }`,
		Variables: map[string]any{"in": map[string]any{"name": "Expiring", "expiresAt": expiresAt}}})
	expiringSecret := testkit.Dig(expiring, "createApiKey", "secret").(string)
	if status, header, body := get(testkit.Bearer(expiringSecret), nil); status != http.StatusOK || header.Get("X-Keyfob-Key-Expires-At") != testkit.Dig(expiring, "createApiKey", "apiKey", "expiresAt") {
		t.Fatalf("an expiring key through nginx: %d, X-Keyfob-Key-Expires-At %q, want %v: %s", status, header.Get("X-Keyfob-Key-Expires-At"), testkit.Dig(expiring, "createApiKey", "apiKey", "expiresAt"), body)
	}
	// A READ_ONLY key is refused anything but GET (HEAD, OPTIONS) with
	// Keyfob's JSON 403, even when the client claims GET itself.
	const forbidden = `{"error":{"code":"FORBIDDEN","message":"this API key is read-only: it may only GET, HEAD and OPTIONS"}}` + "\n"
	refusals := []struct {
		key    int
		method string
		extra  map[string]string
	}{
		{0, http.MethodPost, nil},
		{0, http.MethodPut, nil},
		{0, http.MethodPatch, nil},
		{1, http.MethodDelete, nil},
		{1, http.MethodDelete, map[string]string{"X-Forwarded-Method": "GET"}},
	}
	for _, r := range refusals {
		status, header, body := do(r.method, testkit.Bearer(readOnly[r.key].secret), r.extra)
		if status != http.StatusForbidden || body != forbidden || !strings.HasPrefix(header.Get("Content-Type"), "application/json") {
			t.Fatalf("READ_ONLY key, %s %v through nginx: %d %v %q", r.method, r.extra, status, header, body)
		}
	}
	status, _, body = get(testkit.Bearer(readOnly[1].secret), map[string]string{"X-Keyfob-Key-Access": "FULL"})
	if status != http.StatusOK || !strings.Contains(body, "key="+readOnly[1].id) || !strings.Contains(body, "access=READ_ONLY method=GET") {
		t.Fatalf("READ_ONLY key, GET through nginx: %d %s", status, body)
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
	// The READ_ONLY keys' refusals are not usage either: only the GET is.
	for i, want := range []int{0, 1} {
		if got := keyRequests(t, e, testkit.Bearer(owner.Token), readOnly[i].id); got != want {
			t.Errorf("READ_ONLY key %d: %d requests recorded through nginx, want %d", i, got, want)
		}
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
