package credential_test

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/keyfob/keyfob/credential"
)

// The docs' example keys must fail the checksum: once the kf_ pattern is
// registered with GitHub secret scanning, a valid-looking example copied
// into a public repository would be reported as a leak (and one that
// happened to be issued would be revoked).
func TestDocumentedKeysFailTheChecksum(t *testing.T) {
	files, err := filepath.Glob("../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, "../README.md", "../RELIABILITY.md", "../BENCHMARKS.md")
	token := regexp.MustCompile(credential.KeyPrefix + `[A-Za-z0-9]+`)
	seen := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, key := range token.FindAllString(string(raw), -1) {
			seen++
			if credential.ValidKey(key) {
				t.Errorf("%s: example key %s passes the checksum; change a character so that it fails", f, key)
			}
		}
	}
	if seen == 0 {
		t.Fatal("no kf_ key found in the docs: the scan reads the wrong files")
	}
}
