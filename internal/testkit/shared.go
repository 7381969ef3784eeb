package testkit

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keyfob/keyfob/db"
)

func Aliases(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "a%d: viewer { id } ", i)
	}
	return b.String()
}

// RawHTTP sends one request verbatim and reads the answer. The request
// is written from another goroutine: a server that answers early (431) and
// stops reading must not deadlock the test.
func RawHTTP(base, method, path string, headers [][2]string, body string) (int, http.Header, string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return 0, nil, "", err
	}
	conn, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
	if err != nil {
		return 0, nil, "", err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	var head strings.Builder
	fmt.Fprintf(&head, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", method, path, u.Host)
	for _, h := range headers {
		fmt.Fprintf(&head, "%s: %s\r\n", h[0], h[1])
	}
	if body != "" || method == http.MethodPost {
		fmt.Fprintf(&head, "Content-Length: %d\r\n", len(body))
	}
	head.WriteString("\r\n")
	go func() { _, _ = io.WriteString(conn, head.String()+body) }()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0, nil, "", err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, resp.Header, string(raw), nil
}

// GQLJSON is a GraphQL POST body whose variables are given as raw JSON text
// (so that it may hold bytes json.Marshal would repair).
func GQLJSON(query, variables string) string {
	q, _ := json.Marshal(query)
	if variables == "" {
		variables = "null"
	}
	return `{"query":` + string(q) + `,"variables":` + variables + `}`
}

// AssertCredentialWorks checks that a credential authenticates as wantUserID.
func AssertCredentialWorks(t *testing.T, e *Env, auth, wantUserID string) {
	t.Helper()
	resp := e.Do(t, Request{Auth: auth, Query: `{ viewer { id } }`})
	if resp.Status != http.StatusOK || len(resp.Errors) > 0 || Dig(resp.Data, "viewer", "id") != wantUserID {
		t.Errorf("want viewer %s, got %d: %s", wantUserID, resp.Status, resp.Body)
	}
}

// SetAccessRequest is setUserApiAccess as the holder of auth.
func SetAccessRequest(auth, userID string, enabled bool) Request {
	return Request{Auth: auth, Query: SetAccessMutation,
		Variables: map[string]any{"in": map[string]any{"userId": userID, "enabled": enabled}}}
}

func DBKinds() []string {
	kinds := []string{"sqlite"}
	if PGURL() != "" {
		kinds = append(kinds, "postgres")
	}
	return kinds
}

func Flip(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}

// Verify calls /auth/verify (plus suffix, as Envoy appends the original path).
func (e *Env) Verify(t *testing.T, method, suffix, auth string, headers map[string]string) VerifyResponse {
	t.Helper()
	h := map[string]string{}
	for k, v := range headers {
		h[k] = v
	}
	if auth != "" {
		h["Authorization"] = auth
	}
	status, header, body := e.Raw(t, method, "/auth/verify"+suffix, "", "", h)
	return VerifyResponse{status, header, body}
}

// VerifyResponse is an answer of the gateway endpoint.
type VerifyResponse struct {
	Status int
	Header http.Header
	Body   string
}

// Raw sends an HTTP request to the server as a client would and reads back
// status, headers and body.
func (e *Env) Raw(t *testing.T, method, path, contentType, body string, headers map[string]string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest(method, e.URL+path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func ErrorCode(t *testing.T, body string) string {
	t.Helper()
	var parsed struct {
		Errors []struct {
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal([]byte(body), &parsed); err != nil || len(parsed.Errors) == 0 {
		t.Fatalf("not a GraphQL error response: %s", body)
	}
	code, _ := parsed.Errors[0].Extensions["code"].(string)
	return code
}

func JSONBody(query string) string {
	b, _ := json.Marshal(map[string]string{"query": query})
	return string(b)
}

// JSONBodyVars is a GraphQL request body with variables.
func JSONBodyVars(query string, vars map[string]any) string {
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return string(b)
}

func Itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

// NewTenantA signs up an account in 2021 (so its owner has a Default API Key
// bound to a mobile session) with an admin, an agent and a key each.
func NewTenantA(t *testing.T, e *Env) *TenantA {
	t.Helper()
	a := &TenantA{}
	ownerEmail := UniqueEmail("alpha-owner")
	res, err := e.Store.SignUp(context.Background(), db.SignUp{
		AccountName: "Alpha Tenant Realty", Name: "Alpha Owner", Email: ownerEmail, Password: "alpha owner password",
		SignedUpAt: time.Date(2021, 6, 1, 12, 0, 0, 0, time.UTC),
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.DefaultKeySecret == "" {
		t.Fatal("an owner who signed up in June 2021 got no Default API Key")
	}
	a.DefaultKey = res.DefaultKeySecret
	a.Owner = &User{ID: res.User.ID, AccountID: res.Account.ID, Email: ownerEmail, Password: "alpha owner password"}
	a.Owner.Token = e.LogIn(t, ownerEmail, a.Owner.Password, "WEB")
	a.MobileToken = e.LogIn(t, ownerEmail, a.Owner.Password, "MOBILE")
	a.Admin = e.CreateUser(t, a.Owner, "ADMIN")
	a.Agent = e.CreateUser(t, a.Owner, "AGENT")
	a.OwnerKeyID, a.OwnerSecret = e.CreateKey(t, a.Owner, "alpha-owner-integration")
	a.AgentKeyID, a.AgentSecret = e.CreateKey(t, a.Agent, "alpha-agent-integration")
	data := e.MustDo(t, Request{Auth: Bearer(a.Owner.Token), Query: `{ apiKeys { nodes { id isDefault activeMobileSessions } } }`})
	for _, k := range Dig(data, "apiKeys", "nodes").([]any) {
		if Dig(k, "isDefault") == true {
			a.DefaultKeyID = Dig(k, "id").(string)
			if Dig(k, "activeMobileSessions") != 1.0 {
				t.Fatalf("A's default key has %v active mobile sessions, want 1", Dig(k, "activeMobileSessions"))
			}
		}
	}
	if a.DefaultKeyID == "" {
		t.Fatal("A's owner has no Default API Key in apiKeys")
	}
	a.KeyIDs = []string{a.OwnerKeyID, a.AgentKeyID, a.DefaultKeyID}
	a.UserIDs = []string{a.Owner.ID, a.Admin.ID, a.Agent.ID}
	a.Forbidden = append(append([]string{a.Owner.AccountID, "Alpha Tenant", "alpha-owner-integration", "alpha-agent-integration",
		a.Owner.Email, a.Admin.Email, a.Agent.Email, a.DefaultKey, a.OwnerSecret, a.AgentSecret}, a.KeyIDs...), a.UserIDs...)
	return a
}

// TenantA is an account whose ids another account aims at.
type TenantA struct {
	Owner, Admin, Agent        *User
	OwnerKeyID, OwnerSecret    string
	AgentKeyID, AgentSecret    string
	DefaultKeyID, DefaultKey   string
	MobileToken                string
	KeyIDs, UserIDs, Forbidden []string
}

// SameAnswer fails unless two responses are byte-for-byte the same answer.
func SameAnswer(t *testing.T, what string, got, missing *Response) {
	t.Helper()
	if got.Status != missing.Status || got.Body != missing.Body {
		t.Errorf("%s answers differently from a non-existent id:\n  got     %d %s\n  missing %d %s", what, got.Status, got.Body, missing.Status, missing.Body)
	}
}

// RandomHex returns n random lowercase hex characters (n even).
func RandomHex(n int) string {
	b := make([]byte, n/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Race runs fns at the same moment (as near as goroutines allow) and
// returns their answers in order. Errors end up as a status of -1.
func Race(c *http.Client, base string, reqs ...Request) []Answer {
	out := make([]Answer, len(reqs))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, r := range reqs {
		wg.Go(func() {
			<-start
			a, err := GraphQL(c, base, r)
			if err != nil {
				a = Answer{Status: -1, Body: err.Error()}
			}
			out[i] = a
		})
	}
	close(start)
	wg.Wait()
	return out
}

func SHA256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func SignUpVars(accountName, name, email, password string) map[string]any {
	return map[string]any{"in": map[string]any{"accountName": accountName, "name": name, "email": email, "password": password}}
}
