package model

import (
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzCleanIntegration: whatever an X-System header holds, the result is
// either BAD_USER_INPUT on X-System or a name that is valid UTF-8, 1 to 100
// runes, free of control characters, trimmed, and stable if cleaned again.
func FuzzCleanIntegration(f *testing.F) {
	for _, s := range []string{
		"", " ", "\t", "Zapier", "  Zapier  ", "Zap\x00ier", "a\tb", "a\nb", "\x7f", "\xff", "\xc3", "\u0085Zapier\u0085", "\u00a0",
		"\u200b", "\u202eReverse", "unknown", "other", "' OR 1=1 --", "<script>alert(1)</script>", strings.Repeat("é", 100),
		strings.Repeat("é", 101), strings.Repeat("x", 300), "\ufeffBOM", "\ud7ff", "日本語のシステム",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := CleanIntegration(s)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code != CodeBadUserInput || e.Field != "X-System" {
				t.Fatalf("CleanIntegration(%q) error %v, want BAD_USER_INPUT on X-System", s, err)
			}
			if got != "" {
				t.Fatalf("CleanIntegration(%q) returned %q with its error", s, got)
			}
			return
		}
		if !utf8.ValidString(got) {
			t.Fatalf("CleanIntegration(%q) = %q: invalid UTF-8", s, got)
		}
		if n := utf8.RuneCountInString(got); n < 1 || n > MaxNameLength {
			t.Fatalf("CleanIntegration(%q) = %q: %d runes", s, got, n)
		}
		if strings.ContainsFunc(got, unicode.IsControl) {
			t.Fatalf("CleanIntegration(%q) = %q: control characters", s, got)
		}
		if strings.TrimSpace(got) != got {
			t.Fatalf("CleanIntegration(%q) = %q: not trimmed", s, got)
		}
		if strings.TrimSpace(s) == "" && got != UnknownIntegration {
			t.Fatalf("CleanIntegration(%q) = %q, want %q for a blank header", s, got, UnknownIntegration)
		}
		if again, err := CleanIntegration(got); err != nil || again != got {
			t.Fatalf("cleaning %q again gives %q, %v", got, again, err)
		}
	})
}
