package model

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestStorableText(t *testing.T) {
	cases := []struct {
		name, in string
		max      int
		want     string
	}{
		{"plain", "Mozilla/5.0", 512, "Mozilla/5.0"},
		{"empty", "", 512, ""},
		{"NUL dropped", "Mo\x00zilla\x00", 512, "Mozilla"},
		{"invalid UTF-8 dropped", "\xffMo\xc3zilla\xe2\x82", 512, "Mozilla"},
		{"exactly the limit", strings.Repeat("a", 512), 512, strings.Repeat("a", 512)},
		{"cut to the limit", strings.Repeat("a", 600), 512, strings.Repeat("a", 512)},
		{"cut between characters", "a" + strings.Repeat("é", 300), 512, "a" + strings.Repeat("é", 255)},
		{"cut before a four-byte character", "ab" + strings.Repeat("🔑", 200), 512, "ab" + strings.Repeat("🔑", 127)},
		{"cleaned before it is cut", strings.Repeat("\x00", 600) + "ok", 512, "ok"},
		{"other text kept", "Zoho CRM — Ünïcødé 日本\t", 512, "Zoho CRM — Ünïcødé 日本\t"},
	}
	for _, c := range cases {
		got := StorableText(c.in, c.max)
		if got != c.want {
			t.Errorf("%s: StorableText = %q, want %q", c.name, got, c.want)
		}
		if !utf8.ValidString(got) || strings.ContainsRune(got, 0) || len(got) > c.max {
			t.Errorf("%s: %q is not storable", c.name, got)
		}
	}
}

func TestRequestInfoContext(t *testing.T) {
	if got := RequestInfoFromContext(context.Background()); got != (RequestInfo{}) {
		t.Errorf("outside a request: %+v, want empty", got)
	}
	info := RequestInfo{IP: "192.0.2.7", UserAgent: "curl/8.0"}
	if got := RequestInfoFromContext(NewContextWithRequestInfo(context.Background(), info)); got != info {
		t.Errorf("RequestInfoFromContext = %+v, want %+v", got, info)
	}
}

func TestAuditActionUnmarshal(t *testing.T) {
	for _, in := range []string{"SIGNED_UP", "LOGGED_IN", "LOGIN_FAILED", "LOGGED_OUT", "USER_CREATED", "API_KEY_CREATED",
		"API_KEY_DELETED", "API_KEY_UPDATED", "API_ACCESS_CHANGED", "POWER_UP_CHANGED", "MOBILE_SESSIONS_LOGGED_OUT"} {
		var a AuditAction
		if err := a.UnmarshalGQL(in); err != nil || string(a) != in {
			t.Errorf("AuditAction.UnmarshalGQL(%q) = %q, %v", in, a, err)
		}
	}
	for _, in := range []any{"signed_up", "", "DELETED", 3, nil} {
		var a AuditAction
		wantInputError(t, "AuditAction.UnmarshalGQL", a.UnmarshalGQL(in), "action")
	}
}
