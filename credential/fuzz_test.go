package credential

import (
	"encoding/base64"
	"strings"
	"testing"
)

// FuzzKeyChecksum: Classify and ValidKey never panic and agree with an
// independent checksum; a valid kf_ key with any one byte changed is invalid
// (CRC-32 catches every single-byte change, and the 6 base62 digits hold
// all 2^32 values).
func FuzzKeyChecksum(f *testing.F) {
	for _, k := range knownKeys {
		f.Add(k, uint8(3), byte('A'))
		f.Add(k, uint8(40), byte('0'))
	}
	f.Add("", uint8(0), byte(0))
	f.Add("kf_", uint8(2), byte('s'))
	f.Add("0123456789abcdef0123456789abcdef", uint8(31), byte('g')) // legacy form
	f.Add("kfs_"+strings.Repeat("a", 43), uint8(4), byte(0xff))
	f.Add("kf_\xff\xfe"+strings.Repeat("z", 36), uint8(7), byte('\n'))
	f.Fuzz(func(t *testing.T, s string, pos uint8, repl byte) {
		kind, valid := Classify(s), ValidKey(s)
		if valid && kind != KindAPIKey {
			t.Fatalf("ValidKey(%q) but Classify = %v", s, kind)
		}
		if strings.HasPrefix(s, KeyPrefix) && kind == KindAPIKey && !valid {
			t.Fatalf("Classify accepted %q, a kf_ key ValidKey refuses", s)
		}
		if valid && (len(s) != 41 || wantChecksum(s[:35]) != s[35:]) {
			t.Fatalf("ValidKey accepted %q, whose checksum is not %s", s, wantChecksum(s[:min(35, len(s))]))
		}
		if kind == KindSession && (len(s) != 47 || !strings.HasPrefix(s, SessionPrefix)) {
			t.Fatalf("Classify took %q for a session token", s)
		}

		// A valid key made from the input, then one byte changed.
		body := make([]byte, 32)
		for i := range body {
			var b byte
			if len(s) > 0 {
				b = s[i%len(s)]
			}
			body[i] = alphabet[(int(b)+i)%len(alphabet)]
		}
		key := KeyPrefix + string(body)
		key += wantChecksum(key)
		if !ValidKey(key) || Classify(key) != KindAPIKey {
			t.Fatalf("a correct key %q is refused", key)
		}
		i := int(pos) % len(key)
		if repl == key[i] {
			repl++
		}
		mutated := key[:i] + string([]byte{repl}) + key[i+1:]
		if ValidKey(mutated) || Classify(mutated) != KindInvalid {
			t.Fatalf("%q (byte %d of %q changed to %q) is accepted", mutated, i, key, repl)
		}
	})
}

// FuzzFromAuthorization: any header value, Basic or Bearer, bad base64,
// huge: FromAuthorization never panics, never returns a secret Classify
// refuses, and takes every well-formed secret in both forms.
func FuzzFromAuthorization(f *testing.F) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	for _, k := range knownKeys {
		f.Add("Bearer " + k)
		f.Add("Basic " + b64(k+":"))
		f.Add("Basic " + b64(k+":password"))
		f.Add(k)
	}
	for _, s := range []string{
		"", " ", "Bearer", "Bearer ", "Bearer  ", "bearer 0123456789abcdef0123456789abcdef", "BASIC " + b64("0123456789abcdef0123456789abcdef:"),
		"Basic !!!", "Basic " + b64(":"), "Basic " + b64("no-colon"), "Basic Og", "Basic =====", "Basic " + b64("kf_:\x00"),
		"Bearer kfs_" + strings.Repeat("A", 43), "Bearer kfs_" + strings.Repeat("A", 42) + "!", "NTLM TlRMTVNTUAAB", "Digest username=\"kf\"",
		"Bearer " + strings.Repeat("A", 1<<20), "Basic " + strings.Repeat("QUFB", 1<<18), "Bearer \x00\xff\xfe", "Bearer\t" + knownKeys[0],
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		secret, kind := FromAuthorization(header)
		if kind == KindInvalid {
			if secret != "" {
				t.Fatalf("FromAuthorization(%q) refused but returned %q", header, secret)
			}
		} else {
			if secret == "" || len(secret) > 512 || Classify(secret) != kind {
				t.Fatalf("FromAuthorization(%q) accepted %q as %v, which Classify does not", header, secret, kind)
			}
			if _, value, _ := strings.Cut(header, " "); !strings.Contains(value, secret) {
				raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(value))
				if err != nil || string(raw) != secret+":" {
					t.Fatalf("FromAuthorization(%q) returned %q, which the header does not hold", header, secret)
				}
			}
		}
		if Classify(header) == KindInvalid {
			return
		}
		for _, h := range []string{"Bearer " + header, "bearer " + header, "Basic " + b64(header+":")} {
			if got, kind := FromAuthorization(h); kind != Classify(header) || got != header {
				t.Fatalf("FromAuthorization(%q) = %q, %v; want the well-formed secret back", h, got, kind)
			}
		}
		if _, kind := FromAuthorization("Basic " + b64(header+":x")); kind != KindInvalid {
			t.Fatalf("a Basic header with a password was accepted for %q", header)
		}
	})
}
