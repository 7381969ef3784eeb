// Package credential makes, recognises and verifies the secrets Keyfob hands
// out: API keys for integrations and session tokens for people. It is the
// only place that sees a secret in the clear.
package credential

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"hash/crc32"
	"strings"
)

const (
	base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

	// KeyPrefix starts every API key, so secret scanners can find leaked keys.
	KeyPrefix = "kf_"
	// SessionPrefix starts every session token: a session token can never be
	// mistaken for an API key, nor the other way round.
	SessionPrefix = "kfs_"

	keyRandomLen   = 32
	checksumLen    = 6
	keyLen         = len(KeyPrefix) + keyRandomLen + checksumLen
	legacyKeyLen   = 32
	sessionRandLen = 43
)

// Kind says what a presented secret looks like.
type Kind int

const (
	KindInvalid Kind = iota
	KindAPIKey
	KindSession
)

// NewAPIKey returns a fresh API key: kf_, 32 random base62 characters, and a
// 6-character base62 CRC-32 of what precedes it, so a mistyped or invented
// key is refused without a database look-up.
func NewAPIKey() string {
	body := KeyPrefix + randomBase62(keyRandomLen)
	return body + checksum(body)
}

// NewLegacyKey returns a secret in the pre-2021 form of Default API Keys:
// 32 lowercase hex characters.
func NewLegacyKey() string {
	b := make([]byte, legacyKeyLen/2)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms.
	return hex.EncodeToString(b)
}

// NewSessionToken returns a fresh session token.
func NewSessionToken() string {
	return SessionPrefix + randomBase62(sessionRandLen)
}

// Classify says whether s has the shape of an API key (current or legacy,
// checksum verified) or of a session token. It never touches storage.
func Classify(s string) Kind {
	switch {
	case strings.HasPrefix(s, SessionPrefix):
		if len(s) == len(SessionPrefix)+sessionRandLen && isBase62(s[len(SessionPrefix):]) {
			return KindSession
		}
	case strings.HasPrefix(s, KeyPrefix):
		if ValidKey(s) {
			return KindAPIKey
		}
	case len(s) == legacyKeyLen && isLowerHex(s):
		return KindAPIKey
	}
	return KindInvalid
}

// ValidKey reports whether s is a well-formed kf_ key with a correct checksum.
func ValidKey(s string) bool {
	if len(s) != keyLen || !strings.HasPrefix(s, KeyPrefix) || !isBase62(s[len(KeyPrefix):]) {
		return false
	}
	var sum [checksumLen]byte
	writeChecksum(&sum, s[:keyLen-checksumLen])
	return s[keyLen-checksumLen:] == string(sum[:]) // compared without allocating
}

// Digest is a secret's SHA-256. Secrets are 190+ bits of randomness, so a
// fast hash is enough: there is nothing to brute-force. Storage keeps it as
// hex (Hash); the verification cache keys on the raw bytes, which costs the
// hot path no encoding.
type Digest [sha256.Size]byte

// Sum returns the digest of secret.
func Sum(secret string) Digest {
	// Copied into an array the compiler keeps on the stack: converting a
	// string this long to a slice would allocate on every request.
	var buf [maxHeaderSecret]byte
	n := copy(buf[:], secret)
	if n < len(secret) {
		return sha256.Sum256([]byte(secret))
	}
	return sha256.Sum256(buf[:n])
}

// String is the digest as storage keeps it: lowercase hex.
func (d Digest) String() string { return hex.EncodeToString(d[:]) }

// ParseDigest reads a digest in the form String writes.
func ParseDigest(s string) (d Digest, ok bool) {
	if len(s) != 2*len(d) {
		return d, false
	}
	_, err := hex.Decode(d[:], []byte(s))
	return d, err == nil
}

// Hash is what storage keeps instead of a secret: its digest in hex.
func Hash(secret string) string { return Sum(secret).String() }

// Last4 is the part of a key the key list shows.
func Last4(secret string) string {
	return secret[len(secret)-4:]
}

func checksum(body string) string {
	var out [checksumLen]byte
	writeChecksum(&out, body)
	return string(out[:])
}

func writeChecksum(out *[checksumLen]byte, body string) {
	// CRC-32 (IEEE) over the string as it is, with the standard table:
	// crc32.Update takes a slice, and the copy would cost every request an
	// allocation.
	v := ^uint32(0)
	for i := 0; i < len(body); i++ {
		v = crc32.IEEETable[byte(v)^body[i]] ^ v>>8
	}
	v = ^v
	for i := checksumLen - 1; i >= 0; i-- {
		out[i] = base62[v%62]
		v /= 62
	}
}

func randomBase62(n int) string {
	// Rejection sampling keeps every character uniformly likely.
	const maxByte = 255 - (256 % 62)
	out := make([]byte, 0, n)
	buf := make([]byte, n*2)
	for len(out) < n {
		_, _ = rand.Read(buf)
		for _, b := range buf {
			if b <= maxByte && len(out) < n {
				out = append(out, base62[b%62])
			}
		}
	}
	return string(out)
}

func isBase62(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
			return false
		}
	}
	return true
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
