package testkit

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// GitHubSigner stands in for GitHub secret scanning: a P-256 key of its
// own, published in a key set file the server reads as it would read
// GitHub's, and reports signed with it.
type GitHubSigner struct {
	Identifier string
	Key        *ecdsa.PrivateKey
	// KeySetPath is the key set file, for -github-secret-scanning-keys.
	KeySetPath string
}

// NewGitHubSigner makes a key, writes a key set holding it (and a second,
// not current, key of another identifier) and returns the signer.
func NewGitHubSigner(t testing.TB) *GitHubSigner {
	t.Helper()
	s := &GitHubSigner{Identifier: "test-key-" + RandomHex(8), Key: NewP256Key(t)}
	other := NewP256Key(t)
	s.KeySetPath = filepath.Join(t.TempDir(), "secret_scanning_keys.json")
	WriteKeySet(t, s.KeySetPath, map[string]*ecdsa.PublicKey{s.Identifier: &s.Key.PublicKey, "retired-" + RandomHex(4): &other.PublicKey})
	return s
}

// NewP256Key makes an ECDSA P-256 key.
func NewP256Key(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// KeySetJSON is a key set in GitHub's shape:
// {"public_keys": [{"key_identifier", "key", "is_current"}]}.
func KeySetJSON(t testing.TB, keys map[string]*ecdsa.PublicKey) []byte {
	t.Helper()
	type entry struct {
		KeyIdentifier string `json:"key_identifier"`
		Key           string `json:"key"`
		IsCurrent     bool   `json:"is_current"`
	}
	var set struct {
		PublicKeys []entry `json:"public_keys"`
	}
	for id, k := range keys {
		der, err := x509.MarshalPKIXPublicKey(k)
		if err != nil {
			t.Fatal(err)
		}
		set.PublicKeys = append(set.PublicKeys, entry{KeyIdentifier: id, IsCurrent: true,
			Key: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))})
	}
	raw, _ := json.Marshal(set)
	return raw
}

// WriteKeySet writes a key set file.
func WriteKeySet(t testing.TB, path string, keys map[string]*ecdsa.PublicKey) {
	t.Helper()
	if err := os.WriteFile(path, KeySetJSON(t, keys), 0o600); err != nil {
		t.Fatal(err)
	}
}

// SignWith is key's signature of body as GitHub sends it: base64 of an
// ASN.1 DER ECDSA signature over the body's SHA-256.
func SignWith(t testing.TB, key *ecdsa.PrivateKey, body []byte) string {
	t.Helper()
	digest := sha256.Sum256(body)
	sig, err := ecdsa.SignASN1(rand.Reader, key, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

// Sign is the signer's signature of body.
func (s *GitHubSigner) Sign(t testing.TB, body []byte) string { return SignWith(t, s.Key, body) }

// LeakMatch is one match of a report.
type LeakMatch struct {
	Token  string `json:"token"`
	Type   string `json:"type"`
	URL    string `json:"url"`
	Source string `json:"source"`
}

// ReportBody is a report of matches, as JSON.
func ReportBody(matches ...LeakMatch) []byte {
	if matches == nil {
		matches = []LeakMatch{}
	}
	raw, _ := json.Marshal(matches)
	return raw
}

// GitHubReportRequest is a POST of body to base's /secret-scanning/github
// with the given key identifier and signature headers.
func GitHubReportRequest(base, identifier, signature string, body []byte) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, base+"/secret-scanning/github", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Github-Public-Key-Identifier", identifier)
	req.Header.Set("Github-Public-Key-Signature", signature)
	return req
}

// Report signs body and posts it to base as GitHub would.
func (s *GitHubSigner) Report(t testing.TB, c *http.Client, base string, body []byte) Answer {
	t.Helper()
	a, err := DoHTTP(c, GitHubReportRequest(base, s.Identifier, s.Sign(t, body), body))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// LeakQuery reads a key's status, last4, previous secret and leak.
const LeakQuery = `query($id: ID!) { apiKey(id: $id) { id name status last4 previousSecretExpiresAt leak { reportedAt source url } } }`

// PublicRevokeRequest is a POST of body to base's /credentials/revoke.
func PublicRevokeRequest(base string, body []byte) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, base+"/credentials/revoke", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return req
}
