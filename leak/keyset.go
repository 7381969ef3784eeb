// Package leak revokes API keys found in public: GitHub secret scanning's
// partner reports, whose signatures it verifies against GitHub's published
// keys, and reports from anyone through the public revocation endpoint,
// which it works through in the background.
package leak

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/keyfob/keyfob/model"
)

// GitHubKeysURL is where GitHub publishes the keys that sign its secret
// scanning reports.
const GitHubKeysURL = "https://api.github.com/meta/public_keys/secret_scanning"

// RefetchInterval is the least time between two fetches of the key set.
// GitHub rate-limits that endpoint, so reports naming made-up key
// identifiers must not be able to spend its quota.
const RefetchInterval = 10 * time.Minute

// maxKeySetBytes bounds the key set read: GitHub's is a few kilobytes.
const maxKeySetBytes = 1 << 20

// fetchTimeout bounds one fetch of the key set; the report waiting for it
// is answered 503 past it, and GitHub retries.
const fetchTimeout = 10 * time.Second

var (
	// ErrBadSignature answers a report whose signature does not verify, or
	// whose key identifier is not in the set just fetched for it: nothing
	// changes.
	ErrBadSignature = &model.Error{Code: model.CodeUnauthenticated,
		Message: "the report's Github-Public-Key-Signature does not verify against the key Github-Public-Key-Identifier names"}
	// ErrNoKeySet answers reports while no key set could ever be had, so
	// that GitHub retries them later.
	ErrNoKeySet = &model.Error{Code: model.CodeUnavailable,
		Message: "GitHub's secret scanning public keys could not be fetched yet: retry later"}
	// ErrKeySetStale answers a report naming an identifier the set does not
	// hold when no fresh set could be had for it: the refetch allowance was
	// spent (perhaps by a made-up identifier) or the fetch failed. The key
	// may be one GitHub has just rotated in, so GitHub is asked to retry
	// rather than told the report is forged.
	ErrKeySetStale = &model.Error{Code: model.CodeUnavailable,
		Message: "the key Github-Public-Key-Identifier names is not in the GitHub public keys held, which cannot be refreshed yet: retry later"}
)

// KeySet is GitHub's secret scanning public keys, by identifier. It loads
// them lazily, on the first report: nothing is fetched at start-up. A
// report naming an identifier it does not know makes it fetch them again,
// at most once every RefetchInterval, and a failed fetch keeps the last
// good set. An identifier unknown while no fetch is allowed answers 503,
// so that GitHub retries a report signed with a newly rotated key.
type KeySet struct {
	// source is GitHubKeysURL (or another http(s) URL), or the path of a
	// local file holding the same JSON, for tests and air-gapped installs.
	source string
	token  string
	client *http.Client
	clock  clockwork.Clock
	logger *slog.Logger

	// mu orders fetches: a report waits for the one under way rather than
	// start its own.
	mu          sync.Mutex
	keys        map[string]*ecdsa.PublicKey
	lastAttempt time.Time // zero before the first
}

// NewKeySet reads keys from source (a URL or a file path), sending token,
// if not empty, as a bearer token with each fetch. clock decides when a
// refetch is allowed; nil is the real clock.
func NewKeySet(source, token string, clock clockwork.Clock, logger *slog.Logger) *KeySet {
	if clock == nil {
		clock = clockwork.NewRealClock()
	}
	return &KeySet{source: source, token: token, clock: clock, logger: logger, client: &http.Client{Timeout: fetchTimeout}}
}

// IsURL reports whether source names a URL rather than a file.
func IsURL(source string) bool {
	return strings.HasPrefix(source, "https://") || strings.HasPrefix(source, "http://")
}

// Verify checks that signature (base64 of an ASN.1 DER ECDSA signature,
// P-256 with SHA-256) signs body under the key named identifier.
func (s *KeySet) Verify(ctx context.Context, identifier, signature string, body []byte) error {
	if identifier == "" || signature == "" {
		return ErrBadSignature
	}
	key, err := s.key(ctx, identifier)
	if err != nil {
		return err
	}
	sig, err := base64.StdEncoding.DecodeString(signature)
	if err != nil {
		return ErrBadSignature
	}
	digest := sha256.Sum256(body)
	if !ecdsa.VerifyASN1(key, digest[:], sig) {
		return ErrBadSignature
	}
	return nil
}

// key finds the key named identifier, fetching the set if it is not known
// and the last attempt is old enough.
func (s *KeySet) key(ctx context.Context, identifier string) (*ecdsa.PublicKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k, ok := s.keys[identifier]; ok {
		return k, nil
	}
	now := s.clock.Now()
	fresh := false // a set fetched for this report
	if s.lastAttempt.IsZero() || now.Sub(s.lastAttempt) >= RefetchInterval {
		s.lastAttempt = now
		// The attempt counts whatever becomes of the report that made it,
		// so a client that hangs up must not cut it short.
		keys, err := s.load(context.WithoutCancel(ctx))
		if err != nil {
			s.logger.WarnContext(ctx, "GitHub secret scanning keys could not be loaded; keeping the last good set",
				"source", s.sourceForLog(), "error", err, "next_attempt_after", RefetchInterval.String())
		} else {
			s.keys = keys
			fresh = true
			s.logger.InfoContext(ctx, "GitHub secret scanning keys loaded", "source", s.sourceForLog(), "keys", len(keys))
		}
	}
	if k, ok := s.keys[identifier]; ok {
		return k, nil
	}
	switch {
	case s.keys == nil:
		return nil, ErrNoKeySet
	case !fresh:
		return nil, ErrKeySetStale
	}
	// GitHub's current set does not hold it: a made-up identifier.
	return nil, ErrBadSignature
}

// sourceForLog is the source as a log line may show it: a URL's query
// could hold a credential.
func (s *KeySet) sourceForLog() string {
	if before, _, found := strings.Cut(s.source, "?"); found && IsURL(s.source) {
		return before
	}
	return s.source
}

// load reads and parses the key set; a set with no usable key is an error.
func (s *KeySet) load(ctx context.Context) (map[string]*ecdsa.PublicKey, error) {
	var raw []byte
	var err error
	if IsURL(s.source) {
		raw, err = s.fetch(ctx)
	} else {
		raw, err = readFileLimited(s.source)
	}
	if err != nil {
		return nil, err
	}
	return ParseKeySet(raw)
}

func (s *KeySet) fetch(ctx context.Context) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.source, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("User-Agent", "keyfob-secret-scanning")
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: status %d", s.sourceForLog(), resp.StatusCode)
	}
	return readLimited(resp.Body)
}

func readFileLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readLimited(f)
}

func readLimited(r io.Reader) ([]byte, error) {
	raw, err := io.ReadAll(io.LimitReader(r, maxKeySetBytes+1))
	if err != nil {
		return nil, err
	}
	if len(raw) > maxKeySetBytes {
		return nil, fmt.Errorf("the key set is larger than %d bytes", maxKeySetBytes)
	}
	return raw, nil
}

// ParseKeySet reads GitHub's key set JSON, {"public_keys": [{"key_identifier",
// "key" (a PEM public key), "is_current"}]}. Keys other than ECDSA P-256
// are skipped; a set without any usable key is an error. Keys that are no
// longer current still verify: GitHub may have signed a report in flight
// with one.
func ParseKeySet(raw []byte) (map[string]*ecdsa.PublicKey, error) {
	var set struct {
		PublicKeys []struct {
			KeyIdentifier string `json:"key_identifier"`
			Key           string `json:"key"`
		} `json:"public_keys"`
	}
	if err := json.Unmarshal(raw, &set); err != nil {
		return nil, fmt.Errorf("the key set is not JSON of the expected shape: %w", err)
	}
	keys := map[string]*ecdsa.PublicKey{}
	var skipped []error
	for _, k := range set.PublicKeys {
		pub, err := parsePublicKey(k.Key)
		if err != nil || k.KeyIdentifier == "" {
			skipped = append(skipped, fmt.Errorf("key %q: %v", k.KeyIdentifier, err))
			continue
		}
		keys[k.KeyIdentifier] = pub
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("the key set holds no usable ECDSA P-256 key: %w", errors.Join(skipped...))
	}
	return keys, nil
}

func parsePublicKey(text string) (*ecdsa.PublicKey, error) {
	block, _ := pem.Decode([]byte(text))
	if block == nil {
		return nil, errors.New("not a PEM block")
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	ec, ok := pub.(*ecdsa.PublicKey)
	if !ok || ec.Curve != elliptic.P256() {
		return nil, errors.New("not an ECDSA P-256 key")
	}
	return ec, nil
}
