package model

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// wantInputError checks that err is BAD_USER_INPUT on field.
func wantInputError(t *testing.T, what string, err error, field string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Errorf("%s: error %v is not a *model.Error", what, err)
		return
	}
	if e.Code != CodeBadUserInput || e.Field != field {
		t.Errorf("%s: error %s/%q, want BAD_USER_INPUT/%q", what, e.Code, e.Field, field)
	}
}

func TestCleanName(t *testing.T) {
	cases := []struct {
		name, in, want string
		ok             bool
	}{
		{"plain", "Zapier", "Zapier", true},
		{"trimmed", "  Zapier \t\n", "Zapier", true},
		{"inner spaces kept", "Website  lead form", "Website  lead form", true},
		{"one character", "x", "x", true},
		{"100 characters", strings.Repeat("a", 100), strings.Repeat("a", 100), true},
		{"100 two-byte characters", strings.Repeat("é", 100), strings.Repeat("é", 100), true},
		{"100 four-byte characters", strings.Repeat("🔑", 100), strings.Repeat("🔑", 100), true},
		{"100 characters after trimming", "  " + strings.Repeat("a", 100) + "  ", strings.Repeat("a", 100), true},
		{"unicode", "Zoho CRM — Ünïcødé 日本", "Zoho CRM — Ünïcødé 日本", true},
		{"empty", "", "", false},
		{"blank", " \t\r\n ", "", false},
		{"101 characters", strings.Repeat("a", 101), "", false},
		{"101 two-byte characters", strings.Repeat("é", 101), "", false},
		{"NUL", "a\x00b", "", false},
		{"BEL", "a\x07", "", false},
		{"inner newline", "a\nb", "", false},
		{"inner tab", "a\tb", "", false},
		{"ESC", "\x1b[31mred", "", false},
		{"DEL", "a\x7f", "", false},
		{"C1 NEL", "a\u0085b", "", false},
		{"C1 CSI", "a\u009bb", "", false},
		{"invalid UTF-8", "a\xffb", "", false},
		{"truncated UTF-8", "a\xc3", "", false},
		{"only zero-width spaces", "\u200b\u200b", "", false},
		{"only a byte-order mark", "\ufeff", "", false},
		{"only variation selectors", "\ufe0f\ufe0f", "", false},
		{"only a combining grapheme joiner", "\u034f", "", false},
		{"only a Hangul filler", "\u3164", "", false},
		{"only a blank Braille pattern", "\u2800", "", false},
		{"a line separator", "a\u2028b", "", false},
		{"right-to-left override", "\u202egpj.exe", "", false},
		{"left-to-right override", "a\u202db", "", false},
		{"right-to-left isolate around Arabic", "Sync \u2067مزامنة\u2069", "Sync \u2067مزامنة\u2069", true},
		{"right-to-left embedding", "\u202bمزامنة\u202c", "\u202bمزامنة\u202c", true},
		{"zero-width joiner inside an emoji", "👩\u200d💻 sync", "👩\u200d💻 sync", true},
		{"emoji with a variation selector", "❤\ufe0f sync", "❤\ufe0f sync", true},
		{"right-to-left text", "مزامنة", "مزامنة", true},
	}
	for _, c := range cases {
		for _, field := range []string{"name", "accountName"} {
			got, err := CleanName(field, c.in)
			if c.ok {
				if err != nil || got != c.want {
					t.Errorf("%s: CleanName(%q) = %q, %v; want %q", c.name, c.in, got, err, c.want)
				}
				continue
			}
			if got != "" {
				t.Errorf("%s: CleanName(%q) returned %q with its error", c.name, c.in, got)
			}
			wantInputError(t, c.name, err, field)
		}
	}
}

// A note follows the name rule except that it may be empty (no note), may
// break lines, and may be MaxNoteLength characters long.
func TestCleanNote(t *testing.T) {
	cases := []struct {
		name, in, want string
		ok             bool
	}{
		{"plain", "Posts new leads to Zapier", "Posts new leads to Zapier", true},
		{"empty is no note", "", "", true},
		{"blank is no note", " \t\r\n ", "", true},
		{"trimmed", "  For the web form \n", "For the web form", true},
		{"LF inside", "line one\nline two", "line one\nline two", true},
		{"CRLF inside", "line one\r\nline two", "line one\r\nline two", true},
		{"line and paragraph separators", "a\u2028b\u2029c", "a\u2028b\u2029c", true},
		{"500 characters", strings.Repeat("n", 500), strings.Repeat("n", 500), true},
		{"500 four-byte characters", strings.Repeat("🔑", 500), strings.Repeat("🔑", 500), true},
		{"501 characters", strings.Repeat("n", 501), "", false},
		{"501 two-byte characters", strings.Repeat("é", 501), "", false},
		{"tab", "a\tb", "", false},
		{"NUL", "a\x00b", "", false},
		{"ESC", "\x1b[31mred", "", false},
		{"C1 NEL", "a\u0085b", "", false},
		{"invalid UTF-8", "a\xffb", "", false},
		{"replacement character", "a\ufffdb", "", false},
		{"only zero-width spaces", "\u200b\u200b", "", false},
		{"only line breaks around a zero-width space", "\n\u200b\n", "", false},
		{"right-to-left override", "\u202egpj.exe", "", false},
		{"right-to-left isolate", "Sync \u2067مزامنة\u2069", "Sync \u2067مزامنة\u2069", true},
	}
	for _, c := range cases {
		got, err := CleanNote(c.in)
		if c.ok {
			if err != nil || got != c.want {
				t.Errorf("%s: CleanNote(%q) = %q, %v; want %q", c.name, c.in, got, err, c.want)
			}
			continue
		}
		if got != "" {
			t.Errorf("%s: CleanNote(%q) returned %q with its error", c.name, c.in, got)
		}
		wantInputError(t, c.name, err, "note")
	}
}

// A change is cleaned field by field, and applying it says what changed in
// the audit log's words; values the key already has are no change.
func TestKeyChange(t *testing.T) {
	ptr := func(s string) *string { return &s }
	readOnly, full, bogus := KeyAccessReadOnly, KeyAccessFull, KeyAccess("ADMIN")
	refused := []struct {
		name   string
		change KeyChange
		field  string
	}{
		{"blank name", KeyChange{Name: ptr("  ")}, "name"},
		{"name with a line break", KeyChange{Name: ptr("a\nb")}, "name"},
		{"note of 501 characters", KeyChange{Note: ptr(strings.Repeat("n", 501))}, "note"},
		{"unknown access", KeyChange{Access: &bogus}, "access"},
	}
	for _, c := range refused {
		_, err := c.change.Clean()
		wantInputError(t, c.name, err, c.field)
	}

	key := &APIKey{Name: "Zapier", Note: ptr("old"), Access: KeyAccessFull}
	steps := []struct {
		name       string
		change     KeyChange
		changed    string
		wantName   string
		wantNote   *string
		wantAccess KeyAccess
	}{
		{"nothing", KeyChange{}, "", "Zapier", ptr("old"), KeyAccessFull},
		{"the same values", KeyChange{Name: ptr(" Zapier "), Note: ptr("old\n"), Access: &full}, "", "Zapier", ptr("old"), KeyAccessFull},
		{"everything", KeyChange{Name: ptr("Make"), Note: ptr("new\nnote"), Access: &readOnly}, "name, note, access READ_ONLY", "Make", ptr("new\nnote"), KeyAccessReadOnly},
		{"note cleared", KeyChange{Note: ptr("  ")}, "note", "Make", nil, KeyAccessReadOnly},
		{"note cleared again", KeyChange{Note: ptr("")}, "", "Make", nil, KeyAccessReadOnly},
		{"access back", KeyChange{Access: &full}, "access FULL", "Make", nil, KeyAccessFull},
	}
	for _, s := range steps {
		clean, err := s.change.Clean()
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := strings.Join(clean.ApplyTo(key), ", "); got != s.changed {
			t.Errorf("%s: changed %q, want %q", s.name, got, s.changed)
		}
		if key.Name != s.wantName || noteText(key.Note) != noteText(s.wantNote) || (key.Note == nil) != (s.wantNote == nil) || key.Access != s.wantAccess {
			t.Errorf("%s: key is %q/%q (nil %v)/%s, want %q/%q (nil %v)/%s", s.name, key.Name, noteText(key.Note), key.Note == nil, key.Access,
				s.wantName, noteText(s.wantNote), s.wantNote == nil, s.wantAccess)
		}
	}
}

func TestCleanIntegration(t *testing.T) {
	cases := []struct {
		name, in, want string
		ok             bool
	}{
		{"absent", "", "unknown", true},
		{"blank", "   ", "unknown", true},
		{"plain", "Zapier", "Zapier", true},
		{"case kept", "zapIER", "zapIER", true},
		{"trimmed", "  Zapier  ", "Zapier", true},
		{"100 characters", strings.Repeat("z", 100), strings.Repeat("z", 100), true},
		{"100 two-byte characters", strings.Repeat("ß", 100), strings.Repeat("ß", 100), true},
		{"101 characters", strings.Repeat("z", 101), "", false},
		{"control character", "Zap\x01ier", "", false},
		{"inner newline", "Zap\nier", "", false},
		{"C1 control", "Zap\u0085ier", "", false},
		{"invalid UTF-8", "Zap\xfeier", "", false},
		{"only a zero-width space", "\u200b", "", false},
		{"right-to-left override", "Zap\u202eier", "", false},
		{"right-to-left isolate", "Zap \u2067مزامنة\u2069", "Zap \u2067مزامنة\u2069", true},
	}
	for _, c := range cases {
		got, err := CleanIntegration(c.in)
		if c.ok {
			if err != nil || got != c.want {
				t.Errorf("%s: CleanIntegration(%q) = %q, %v; want %q", c.name, c.in, got, err, c.want)
			}
			continue
		}
		wantInputError(t, c.name, err, "X-System")
	}
}

func TestNormalizeEmail(t *testing.T) {
	good := []struct{ in, display, normalized string }{
		{"ann@example.com", "ann@example.com", "ann@example.com"},
		{"Ann@Example.COM", "Ann@Example.COM", "ann@example.com"},
		{"  ann@example.com  ", "ann@example.com", "ann@example.com"},
		{"ann.lee+crm@mail.example.co.uk", "ann.lee+crm@mail.example.co.uk", "ann.lee+crm@mail.example.co.uk"},
		{"ÉLODIE@EXAMPLE.FR", "ÉLODIE@EXAMPLE.FR", "élodie@example.fr"},
		{"a@b.c", "a@b.c", "a@b.c"},
		{strings.Repeat("a", 242) + "@example.com", strings.Repeat("a", 242) + "@example.com", strings.Repeat("a", 242) + "@example.com"},
	}
	for _, c := range good {
		display, normalized, err := NormalizeEmail(c.in)
		if err != nil || display != c.display || normalized != c.normalized {
			t.Errorf("NormalizeEmail(%q) = %q, %q, %v; want %q, %q", c.in, display, normalized, err, c.display, c.normalized)
		}
	}
	bad := []string{
		"", "   ", "no-at", "a@b", "a b@c.d", "x@y.z\x00", "x\x00@y.z", "x@y.zz\nbcc@evil.test", "x\r@y.zz",
		strings.Repeat("a", 288) + "@example.test", // 300 characters
		strings.Repeat("a", 243) + "@example.com",  // 255 characters: one over the limit
		"Ann <ann@example.com>", "<ann@example.com>", "@example.com", "ann@", "ann@@example.com",
		"ann@exa mple.com", "ann@example.com (Ann)", "ann@example.com,bob@example.com", "ann@\xff.com",
	}
	for _, in := range bad {
		display, normalized, err := NormalizeEmail(in)
		if display != "" || normalized != "" {
			t.Errorf("NormalizeEmail(%q) returned %q, %q with its error", in, display, normalized)
		}
		wantInputError(t, "NormalizeEmail("+in+")", err, "email")
	}
}

func TestCheckPassword(t *testing.T) {
	cases := []struct {
		name string
		in   string
		ok   bool
	}{
		{"empty", "", false},
		{"7 characters", "1234567", false},
		{"8 characters", "12345678", true},
		{"7 two-byte characters (14 bytes)", strings.Repeat("é", 7), false},
		{"8 two-byte characters", strings.Repeat("é", 8), true},
		{"256 characters", strings.Repeat("p", 256), true},
		{"256 two-byte characters (512 bytes)", strings.Repeat("é", 256), true},
		{"257 characters", strings.Repeat("p", 257), false},
		{"invalid UTF-8", "password\xff", false},
		{"spaces count", "        ", true},
	}
	for _, c := range cases {
		err := CheckPassword(c.in)
		if c.ok && err != nil {
			t.Errorf("%s: CheckPassword = %v, want nil", c.name, err)
		}
		if !c.ok {
			wantInputError(t, c.name, err, "password")
		}
	}
}

func TestHasDefaultAPIKey(t *testing.T) {
	est := time.FixedZone("EST", -5*3600)
	cases := []struct {
		at   time.Time
		want bool
	}{
		{time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{time.Date(2021, 3, 15, 14, 0, 0, 0, time.UTC), true},
		{time.Date(2021, 7, 30, 0, 0, 0, 0, time.UTC), true},
		{time.Date(2021, 7, 30, 23, 59, 59, 0, time.UTC), true},
		{time.Date(2021, 7, 30, 23, 59, 59, 999999000, time.UTC), true},
		{time.Date(2021, 7, 31, 0, 0, 0, 0, time.UTC), false},
		{time.Date(2021, 7, 31, 0, 0, 0, 1000, time.UTC), false},
		{time.Date(2021, 8, 1, 0, 0, 0, 0, time.UTC), false},
		{time.Date(2024, 5, 2, 9, 30, 0, 0, time.UTC), false},
		// The same instants in another zone give the same answer.
		{time.Date(2021, 7, 30, 18, 59, 59, 0, est), true},
		{time.Date(2021, 7, 30, 19, 0, 0, 0, est), false},
	}
	for _, c := range cases {
		if got := HasDefaultAPIKey(c.at); got != c.want {
			t.Errorf("HasDefaultAPIKey(%s) = %v, want %v", c.at.Format(time.RFC3339Nano), got, c.want)
		}
	}
}

func TestHasAPIAccess(t *testing.T) {
	for _, restricted := range []bool{false, true} {
		for _, role := range []Role{RoleOwner, RoleAdmin, RoleAgent} {
			for _, stored := range []bool{false, true} {
				want := !restricted || role == RoleOwner || stored
				got := HasAPIAccess(&Account{APIKeyRestriction: restricted}, &User{Role: role, StoredAPIAccess: stored})
				if got != want {
					t.Errorf("HasAPIAccess(Power-Up %v, %s, stored %v) = %v, want %v", restricted, role, stored, got, want)
				}
			}
		}
	}
}

// A user added without the Power-Up keeps access when it is switched on; one
// added under it waits for the owner; the owner has it from sign-up.
func TestInitialAPIAccess(t *testing.T) {
	cases := []struct {
		restricted bool
		role       Role
		want       bool
	}{
		{false, RoleOwner, true},
		{false, RoleAdmin, true},
		{false, RoleAgent, true},
		{true, RoleOwner, true},
		{true, RoleAdmin, false},
		{true, RoleAgent, false},
	}
	for _, c := range cases {
		if got := InitialAPIAccess(&Account{APIKeyRestriction: c.restricted}, c.role); got != c.want {
			t.Errorf("InitialAPIAccess(Power-Up %v, %s) = %v, want %v", c.restricted, c.role, got, c.want)
		}
	}
}

func TestSignedInUser(t *testing.T) {
	user := &User{ID: "u1"}
	got, err := (&Actor{User: user, Session: &Session{ID: "s1"}}).SignedInUser()
	if err != nil || got != user {
		t.Fatalf("a session's actor: %v, %v; want the user", got, err)
	}
	for name, actor := range map[string]*Actor{
		"an API key's actor":     {User: user, APIKey: &APIKey{ID: "k1"}},
		"an actor with no proof": {User: user},
	} {
		if got, err := actor.SignedInUser(); got != nil || ErrorCode(err) != CodeForbidden {
			t.Errorf("%s: %v, %v; want FORBIDDEN", name, got, err)
		}
	}
}

func TestCanSeeKey(t *testing.T) {
	mk := func(id, account string, role Role) *User {
		return &User{ID: id, AccountID: account, Role: role}
	}
	owner, admin, agent, agent2 := mk("u1", "a1", RoleOwner), mk("u2", "a1", RoleAdmin), mk("u3", "a1", RoleAgent), mk("u4", "a1", RoleAgent)
	otherOwner := mk("u9", "a2", RoleOwner)
	ownersKey := &APIKey{ID: "k1", AccountID: "a1", UserID: "u1"}
	agentsKey := &APIKey{ID: "k3", AccountID: "a1", UserID: "u3"}
	// A key whose user id matches but whose account does not (never valid data, but never visible).
	strayKey := &APIKey{ID: "k5", AccountID: "a2", UserID: "u3"}
	cases := []struct {
		name   string
		viewer *User
		key    *APIKey
		want   bool
	}{
		{"owner, own key", owner, ownersKey, true},
		{"owner, agent's key", owner, agentsKey, true},
		{"admin, owner's key", admin, ownersKey, true},
		{"admin, agent's key", admin, agentsKey, true},
		{"agent, own key", agent, agentsKey, true},
		{"agent, owner's key", agent, ownersKey, false},
		{"agent, colleague's key", agent2, agentsKey, false},
		{"other account's owner", otherOwner, ownersKey, false},
		{"other account's owner, agent's key", otherOwner, agentsKey, false},
		{"agent, own user id in another account", agent, strayKey, false},
		{"owner, key of another account", owner, strayKey, false},
	}
	for _, c := range cases {
		if got := CanSeeKey(c.viewer, c.key); got != c.want {
			t.Errorf("%s: CanSeeKey = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestCheckNewRole(t *testing.T) {
	for _, r := range []Role{RoleAdmin, RoleAgent} {
		if err := CheckNewRole(r); err != nil {
			t.Errorf("CheckNewRole(%s) = %v", r, err)
		}
	}
	for _, r := range []Role{RoleOwner, "", "admin", "SUPERUSER", "OWNER "} {
		wantInputError(t, "CheckNewRole("+string(r)+")", CheckNewRole(r), "role")
	}
}

func TestRoleIsManager(t *testing.T) {
	for r, want := range map[Role]bool{RoleOwner: true, RoleAdmin: true, RoleAgent: false, "": false, "owner": false} {
		if got := r.IsManager(); got != want {
			t.Errorf("%q.IsManager() = %v, want %v", r, got, want)
		}
	}
}

func TestEnumUnmarshal(t *testing.T) {
	for _, in := range []any{"OWNER", "ADMIN", "AGENT"} {
		var r Role
		if err := r.UnmarshalGQL(in); err != nil || string(r) != in {
			t.Errorf("Role.UnmarshalGQL(%v) = %q, %v", in, r, err)
		}
	}
	for _, in := range []any{"admin", "Owner", "", "SUPERUSER", 1, nil} {
		var r Role
		wantInputError(t, "Role.UnmarshalGQL", r.UnmarshalGQL(in), "role")
	}
	for _, in := range []any{"WEB", "MOBILE"} {
		var c ClientKind
		if err := c.UnmarshalGQL(in); err != nil || string(c) != in {
			t.Errorf("ClientKind.UnmarshalGQL(%v) = %q, %v", in, c, err)
		}
	}
	for _, in := range []any{"mobile", "Web", "", "TABLET", 2, nil} {
		var c ClientKind
		wantInputError(t, "ClientKind.UnmarshalGQL", c.UnmarshalGQL(in), "client")
	}
	for _, in := range []any{"FULL", "READ_ONLY"} {
		var a KeyAccess
		if err := a.UnmarshalGQL(in); err != nil || string(a) != in {
			t.Errorf("KeyAccess.UnmarshalGQL(%v) = %q, %v", in, a, err)
		}
	}
	for _, in := range []any{"full", "READ", "", "WRITE", 3, nil} {
		var a KeyAccess
		wantInputError(t, "KeyAccess.UnmarshalGQL", a.UnmarshalGQL(in), "access")
	}
}

func TestKeyCapsCheckNewKey(t *testing.T) {
	caps := KeyCaps{PerUser: 3, PerAccount: 5}
	cases := []struct {
		name               string
		userKeys, accounts int64
		want               string // "" when the key is allowed
	}{
		{"first key", 0, 0, ""},
		{"one below both caps", 2, 4, ""},
		{"user at its cap", 3, 3, "this user already has 3 API keys, the most allowed: delete one first"},
		{"account at its cap", 1, 5, "this account already has 5 API keys, the most allowed: delete one first"},
		{"user cap named first", 3, 5, "this user already has 3 API keys, the most allowed: delete one first"},
		{"past a lowered cap", 1, 7, "this account already has 7 API keys, more than the 5 allowed: delete 3 first"},
	}
	for _, c := range cases {
		err := caps.CheckNewKey(c.userKeys, c.accounts)
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: %v, want the key allowed", c.name, err)
			}
			continue
		}
		wantInputError(t, c.name, err, "")
		if err != nil && err.(*Error).Message != c.want {
			t.Errorf("%s: message %q, want %q", c.name, err.(*Error).Message, c.want)
		}
	}
}

func TestCleanKeyExpiry(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if got, err := CleanKeyExpiry(nil, now); got != nil || err != nil {
		t.Errorf("nil: %v, %v; want never", got, err)
	}
	for _, past := range []time.Time{now, now.Add(-time.Hour), now.Add(time.Nanosecond)} {
		_, err := CleanKeyExpiry(&past, now)
		wantInputError(t, past.String(), err, "expiresAt")
	}
	later := now.Add(time.Hour + 1500*time.Nanosecond).In(time.FixedZone("CET", 3600))
	got, err := CleanKeyExpiry(&later, now)
	if err != nil || !got.Equal(now.Add(time.Hour+time.Microsecond)) || got.Location() != time.UTC {
		t.Errorf("an hour later: %v, %v; want it in UTC to the microsecond", got, err)
	}
	k := &APIKey{ExpiresAt: got}
	if k.Status(got.Add(-time.Nanosecond)) != APIKeyStatusActive || k.Status(*got) != APIKeyStatusExpired {
		t.Errorf("status around the expiry is wrong")
	}
	if (&APIKey{}).Status(now.Add(100*365*24*time.Hour)) != APIKeyStatusActive {
		t.Errorf("a key without expiry expired")
	}
}
