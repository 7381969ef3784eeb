package credential

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"
)

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// wantChecksum is the spec's checksum, computed here independently: the
// CRC-32 (IEEE) of body in 6 base62 digits, most significant first,
// left-padded with '0'.
func wantChecksum(body string) string {
	v := uint64(crc32.ChecksumIEEE([]byte(body)))
	digits := ""
	for v > 0 {
		digits = string(alphabet[v%62]) + digits
		v /= 62
	}
	return strings.Repeat("0", 6-len(digits)) + digits
}

// Keys whose checksums were computed outside Go (Python's zlib.crc32).
var knownKeys = []string{
	"kf_000000000000000000000000000000001udrg3",
	"kf_abcdefghijABCDEFGHIJ0123456789zZ0GS1UR",
	"kf_zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz18dCxF",
}

func TestChecksumKnownVectors(t *testing.T) {
	for _, k := range knownKeys {
		if got := wantChecksum(k[:35]); got != k[35:] {
			t.Errorf("independent checksum of %s = %s, want %s", k[:35], got, k[35:])
		}
		if !ValidKey(k) {
			t.Errorf("ValidKey(%s) = false", k)
		}
		if Classify(k) != KindAPIKey {
			t.Errorf("Classify(%s) = %v, want KindAPIKey", k, Classify(k))
		}
	}
}

func TestNewAPIKeyFormat(t *testing.T) {
	seen := map[string]bool{}
	used := map[rune]bool{}
	for i := 0; i < 2000; i++ {
		k := NewAPIKey()
		if len(k) != 41 || !strings.HasPrefix(k, "kf_") {
			t.Fatalf("NewAPIKey() = %q: want kf_ + 38 characters", k)
		}
		random, sum := k[3:35], k[35:]
		for _, c := range random + sum {
			if !strings.ContainsRune(alphabet, c) {
				t.Fatalf("NewAPIKey() = %q holds %q, outside base62", k, c)
			}
		}
		for _, c := range random {
			used[c] = true
		}
		if want := wantChecksum(k[:35]); sum != want {
			t.Fatalf("NewAPIKey() = %q: checksum %s, want %s", k, sum, want)
		}
		if seen[k] {
			t.Fatalf("NewAPIKey() repeated %q", k)
		}
		seen[k] = true
		if !ValidKey(k) || Classify(k) != KindAPIKey {
			t.Fatalf("a fresh key %q is not valid", k)
		}
		if Last4(k) != k[37:] {
			t.Fatalf("Last4(%q) = %q", k, Last4(k))
		}
	}
	// 64,000 random characters miss none of the 62 unless the generator is biased.
	if len(used) != 62 {
		t.Errorf("the random part used %d of the 62 base62 characters", len(used))
	}
}

func TestAnySingleCharacterChangeIsInvalid(t *testing.T) {
	keys := append([]string{NewAPIKey(), NewAPIKey(), NewAPIKey()}, knownKeys...)
	for _, k := range keys {
		for i := 0; i < len(k); i++ {
			for _, c := range alphabet + "_-+/= ." {
				if byte(c) == k[i] {
					continue
				}
				mutated := k[:i] + string(c) + k[i+1:]
				if ValidKey(mutated) {
					t.Errorf("ValidKey(%q) = true: %q with position %d changed", mutated, k, i)
				}
				if Classify(mutated) != KindInvalid {
					t.Errorf("Classify(%q) = %v, want KindInvalid", mutated, Classify(mutated))
				}
			}
		}
		// Transposing two neighbours is the other typical typo.
		for i := 3; i+1 < len(k); i++ {
			if k[i] == k[i+1] {
				continue
			}
			swapped := k[:i] + string(k[i+1]) + string(k[i]) + k[i+2:]
			if ValidKey(swapped) {
				t.Errorf("ValidKey(%q) = true after swapping positions %d and %d", swapped, i, i+1)
			}
		}
		for _, short := range []string{k[:len(k)-1], k + "0", k[1:], strings.ToUpper(k)} {
			if ValidKey(short) {
				t.Errorf("ValidKey(%q) = true", short)
			}
		}
	}
}

func TestClassify(t *testing.T) {
	key := NewAPIKey()
	session := NewSessionToken()
	legacy := NewLegacyKey()
	cases := []struct {
		name string
		in   string
		want Kind
	}{
		{"fresh API key", key, KindAPIKey},
		{"legacy 32 lowercase hex", legacy, KindAPIKey},
		{"legacy all zeros", strings.Repeat("0", 32), KindAPIKey},
		{"legacy all f", strings.Repeat("f", 32), KindAPIKey},
		{"session token", session, KindSession},
		{"empty", "", KindInvalid},
		{"garbage", "hello world", KindInvalid},
		{"bare key prefix", "kf_", KindInvalid},
		{"bare session prefix", "kfs_", KindInvalid},
		{"key with bad checksum", key[:40] + map[bool]string{true: "1", false: "0"}[key[40] == '0'], KindInvalid},
		{"key one short", key[:40], KindInvalid},
		{"key one long", key + "a", KindInvalid},
		{"upper-case hex", strings.ToUpper(strings.Repeat("ab", 16)), KindInvalid},
		{"31 hex", strings.Repeat("a", 31), KindInvalid},
		{"33 hex", strings.Repeat("a", 33), KindInvalid},
		{"32 non-hex", strings.Repeat("g", 32), KindInvalid},
		{"64 hex (a hash, not a key)", Hash("x"), KindInvalid},
		{"session one short", session[:len(session)-1], KindInvalid},
		{"session one long", session + "a", KindInvalid},
		{"session with a dash", session[:10] + "-" + session[11:], KindInvalid},
		{"session prefix on a key", "kfs_" + key[3:], KindInvalid},
		{"key with spaces", " " + key + " ", KindInvalid},
		{"NUL", "\x00", KindInvalid},
	}
	for _, c := range cases {
		if got := Classify(c.in); got != c.want {
			t.Errorf("%s: Classify(%q) = %v, want %v", c.name, c.in, got, c.want)
		}
	}
	if !strings.HasPrefix(session, SessionPrefix) || SessionPrefix == KeyPrefix {
		t.Errorf("session token %q lacks its own prefix", session)
	}
	if len(legacy) != 32 || strings.Trim(legacy, "0123456789abcdef") != "" {
		t.Errorf("NewLegacyKey() = %q, want 32 lowercase hex", legacy)
	}
	if NewSessionToken() == session || NewLegacyKey() == legacy {
		t.Error("secrets repeat")
	}
}

func TestFromAuthorization(t *testing.T) {
	key := NewAPIKey()
	session := NewSessionToken()
	legacy := NewLegacyKey()
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	badSum := key[:40] + map[bool]string{true: "1", false: "0"}[key[40] == '0']
	cases := []struct {
		name   string
		header string
		want   string
		ok     bool
	}{
		{"Bearer key", "Bearer " + key, key, true},
		{"lower-case scheme", "bearer " + key, key, true},
		{"upper-case scheme", "BEARER " + key, key, true},
		{"Bearer session", "Bearer " + session, session, true},
		{"Bearer legacy key", "Bearer " + legacy, legacy, true},
		{"Basic key with empty password", "Basic " + b64(key+":"), key, true},
		{"basic lower-case", "basic " + b64(key+":"), key, true},
		{"Basic legacy key", "Basic " + b64(legacy+":"), legacy, true},
		{"Basic with a password", "Basic " + b64(key+":secret"), "", false},
		{"Basic without a colon", "Basic " + b64(key), "", false},
		{"Basic with the key as password", "Basic " + b64(":"+key), "", false},
		{"Basic bad base64", "Basic !!!notbase64", "", false},
		{"Basic URL-safe base64 of something else", "Basic " + base64.URLEncoding.EncodeToString([]byte("\xfb\xff:")), "", false},
		{"Basic empty", "Basic ", "", false},
		{"empty", "", "", false},
		{"scheme only", "Bearer", "", false},
		{"Bearer empty", "Bearer ", "", false},
		{"no scheme", key, "", false},
		{"unknown scheme", "Token " + key, "", false},
		{"Bearer garbage", "Bearer not-a-key", "", false},
		{"Bearer bad checksum", "Bearer " + badSum, "", false},
		{"Bearer two keys", "Bearer " + key + " " + key, "", false},
		{"huge", "Bearer " + strings.Repeat("a", 1<<20), "", false},
		{"huge Basic", "Basic " + b64(strings.Repeat("a", 4096)+":"), "", false},
		{"NUL", "Bearer \x00", "", false},
	}
	for _, c := range cases {
		got, kind := FromAuthorization(c.header)
		if ok := kind != KindInvalid; ok != c.ok || got != c.want {
			name := c.header
			if len(name) > 80 {
				name = name[:80] + "..."
			}
			t.Errorf("%s: FromAuthorization(%q) = %q, %v; want %q, %v", c.name, name, got, ok, c.want, c.ok)
		}
	}
}

func TestHashAndLast4(t *testing.T) {
	for _, s := range []string{"", "kf_abc", NewAPIKey(), NewLegacyKey(), "héllo"} {
		sum := sha256.Sum256([]byte(s))
		want := hex.EncodeToString(sum[:])
		if got := Hash(s); got != want {
			t.Errorf("Hash(%q) = %s, want %s", s, got, want)
		}
	}
	if Hash("a") == Hash("b") {
		t.Error("Hash collides")
	}
	long := strings.Repeat("k", maxHeaderSecret+1) // past Sum's stack buffer
	if want := sha256.Sum256([]byte(long)); Sum(long) != want {
		t.Error("Sum of a long secret is wrong")
	}
	key := NewAPIKey()
	if d, ok := ParseDigest(Hash(key)); !ok || d != Sum(key) {
		t.Errorf("ParseDigest(Hash(key)) = %x, %v; want %x", d, ok, Sum(key))
	}
	for _, bad := range []string{"", Hash(key)[:63], Hash(key) + "0", strings.Repeat("g", 64)} {
		if _, ok := ParseDigest(bad); ok {
			t.Errorf("ParseDigest(%q) accepted", bad)
		}
	}
	for _, c := range []struct{ in, want string }{{"kf_abcdefWXYZ", "WXYZ"}, {"abcd", "abcd"}, {knownKeys[0], "drg3"}} {
		if got := Last4(c.in); got != c.want {
			t.Errorf("Last4(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestNewID(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		id := NewID("key")
		if !strings.HasPrefix(id, "key_") || len(id) != len("key_")+20 || strings.Trim(id[4:], alphabet) != "" {
			t.Fatalf("NewID = %q", id)
		}
		if seen[id] {
			t.Fatalf("NewID repeated %q", id)
		}
		seen[id] = true
	}
}

func TestPasswords(t *testing.T) {
	params := DefaultPasswordParams
	params.Memory = 1024
	p, err := NewPasswords(params)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	check := func(pw, hash string) bool {
		ok, err := p.Check(ctx, pw, hash)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	for _, pw := range []string{"12345678", "correct horse battery staple", strings.Repeat("p", 256), strings.Repeat("é", 256), "pässwörd-ü"} {
		hash, err := p.Hash(ctx, pw)
		if err != nil {
			t.Fatalf("Hash(%d chars): %v", len(pw), err)
		}
		if !strings.HasPrefix(hash, "$argon2id$") {
			t.Errorf("hash %q is not argon2id", hash)
		}
		if strings.Contains(hash, pw) {
			t.Error("the hash holds the password")
		}
		if !check(pw, hash) {
			t.Errorf("Check(right password) = false for %d bytes", len(pw))
		}
		if check(pw+"x", hash) || check(pw[:len(pw)-1], hash) || check("", hash) {
			t.Error("Check accepts a wrong password")
		}
		again, _ := p.Hash(ctx, pw)
		if again == hash {
			t.Error("two hashes of one password are equal: no salt")
		}
	}
	// Long passwords differ beyond bcrypt's 72 bytes.
	long := strings.Repeat("a", 100)
	hash, _ := p.Hash(ctx, long)
	if check(strings.Repeat("a", 99)+"b", hash) {
		t.Error("a password differing at byte 100 is accepted")
	}
	for _, h := range []string{"", "garbage", "$argon2id$v=19$m=1024,t=2,p=1$bad"} {
		for _, pw := range []string{"", "keyfob-dummy-password", "12345678"} {
			if check(pw, h) {
				t.Errorf("Check(%q, %q) = true", pw, h)
			}
		}
	}
	// Another instance's hashes verify too: the parameters travel in the hash.
	other, err := NewPasswords(argon2id.Params{Memory: 2048, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32})
	if err != nil {
		t.Fatal(err)
	}
	h, _ := other.Hash(ctx, "portable password")
	if !check("portable password", h) {
		t.Error("a hash made with other parameters does not verify")
	}
}

// Hashes beyond the bound wait for a slot, and give up when their request
// does, instead of each taking another 19 MiB.
func TestPasswordHashingIsBounded(t *testing.T) {
	params := DefaultPasswordParams
	params.Memory = 1024
	p, err := NewPasswords(params)
	if err != nil {
		t.Fatal(err)
	}
	n := int64(runtime.GOMAXPROCS(0))
	if !p.slots.TryAcquire(n) {
		t.Fatal("the slots are not free at start")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := p.Hash(ctx, "a password"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Hash with every slot taken: err = %v, want the context's deadline", err)
	}
	if _, err := p.Check(ctx, "a password", ""); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Check with every slot taken: err = %v, want the context's deadline", err)
	}
	p.slots.Release(n)
	if _, err := p.Hash(context.Background(), "a password"); err != nil {
		t.Fatalf("Hash once the slots are free: %v", err)
	}
}
