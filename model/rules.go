package model

import (
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits on what people type. They are part of the API contract.
const (
	MaxNameLength       = 100
	MaxNoteLength       = 500
	MinPasswordLength   = 8
	MaxPasswordLength   = 256
	MaxEmailLength      = 254
	MaxIntegrations     = 100
	DefaultAPIKeyName   = "Default API Key"
	UnknownIntegration  = "unknown"
	OverflowIntegration = "other"
)

// A connection's `first` runs from 1 to MaxPageSize. The schema's default
// for it is written there as a literal; graph's tests hold it to
// DefaultPageSize, and the query cost is priced with MaxPageSize.
const (
	MaxPageSize     = 100
	DefaultPageSize = 50
)

// DefaultKeyCutoff is the last sign-up day (UTC) whose users got an
// automatically created "Default API Key".
var DefaultKeyCutoff = time.Date(2021, 7, 31, 0, 0, 0, 0, time.UTC)

// HasDefaultAPIKey reports whether a user who signed up at signedUpAt gets a
// Default API Key: those who signed up on or before 2021-07-30.
func HasDefaultAPIKey(signedUpAt time.Time) bool {
	return signedUpAt.Before(DefaultKeyCutoff)
}

// CleanName trims a display name (an account's, a user's, a key's) and
// checks it: 1 to MaxNameLength characters of valid UTF-8 with no control
// characters.
func CleanName(field, name string) (string, error) {
	name = strings.TrimSpace(name)
	if err := checkText(name, MaxNameLength, false); err != "" {
		return "", InvalidInput(field, "%s %s", field, err)
	}
	return name, nil
}

// CleanNote trims a key's note and checks it as CleanName checks a name,
// except that it may break lines, since a note explains where a name
// labels, and run to MaxNoteLength characters. Empty means no note.
func CleanNote(note string) (string, error) {
	note = strings.TrimSpace(note)
	if note == "" {
		return "", nil
	}
	if err := checkText(note, MaxNoteLength, true); err != "" {
		return "", InvalidInput("note", "note %s", err)
	}
	return note, nil
}

// CleanIntegration normalises an X-System header: trimmed, case kept; empty
// means the integration is unknown.
func CleanIntegration(system string) (string, error) {
	system = strings.TrimSpace(system)
	if system == "" {
		return UnknownIntegration, nil
	}
	if err := checkText(system, MaxNameLength, false); err != "" {
		return "", InvalidInput("X-System", "X-System %s", err)
	}
	return system, nil
}

// checkText returns why s is not acceptable text of 1 to most characters,
// or "" if it is. Line breaks (CR, LF, and Unicode's line and paragraph
// separators) are allowed only where lineBreaks says so.
func checkText(s string, most int, lineBreaks bool) string {
	if printableASCII(s) {
		// The common case, decided without decoding runes: every check
		// below passes printable ASCII except the length and visibility.
		switch {
		case s == "":
			return "must not be empty"
		case len(s) > most:
			return fmt.Sprintf("must be at most %d characters", most)
		case strings.Trim(s, " ") == "":
			return "must contain a visible character"
		}
		return ""
	}
	// U+FFFD is what decoders leave of invalid bytes or lone surrogates; a
	// name holding it was damaged on the way, so it is refused, not stored.
	if !utf8.ValidString(s) || strings.ContainsRune(s, utf8.RuneError) {
		return "must be valid UTF-8"
	}
	n := utf8.RuneCountInString(s)
	if n == 0 {
		return "must not be empty"
	}
	if n > most {
		return fmt.Sprintf("must be at most %d characters", most)
	}
	visible := false
	for _, r := range s {
		lineBreak := r == '\n' || r == '\r' || unicode.In(r, unicode.Zl, unicode.Zp)
		if lineBreak && lineBreaks {
			continue
		}
		if lineBreak || unicode.IsControl(r) {
			if lineBreaks {
				return "must not contain control characters other than line breaks"
			}
			return "must not contain control characters or line breaks"
		}
		if r == '\u202D' || r == '\u202E' {
			// An override makes a name read differently from what it is;
			// embeddings and isolates, which right-to-left text uses, stay.
			return "must not contain bidirectional overrides"
		}
		visible = visible || shows(r)
	}
	if !visible {
		return "must contain a visible character"
	}
	return ""
}

// printableASCII reports whether s holds only the bytes from space to
// tilde: no line breaks, controls or anything beyond ASCII.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c > '~' {
			return false
		}
	}
	return true
}

// shows reports whether r draws something on its own: not a space, a
// format character (zero-width space, joiners), a combining mark (variation
// selectors) or one of the blank letters (Hangul fillers, blank Braille).
func shows(r rune) bool {
	switch r {
	case '\u115F', '\u1160', '\u3164', '\uFFA0', '\u2800':
		return false
	}
	return unicode.IsGraphic(r) && !unicode.IsSpace(r) && !unicode.In(r, unicode.Cf, unicode.Mn, unicode.Me)
}

// NormalizeEmail validates an address and returns it as typed (trimmed) and
// in the lower-cased form that uniqueness and log-in compare.
func NormalizeEmail(email string) (display, normalized string, err error) {
	display = strings.TrimSpace(email)
	bad := InvalidInput("email", "email must be a valid address such as name@example.com")
	if display == "" || len(display) > MaxEmailLength || !utf8.ValidString(display) || strings.ContainsRune(display, utf8.RuneError) {
		return "", "", bad
	}
	for _, r := range display {
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			return "", "", bad
		}
	}
	addr, perr := mail.ParseAddress(display)
	if perr != nil || addr.Address != display || addr.Name != "" {
		return "", "", bad
	}
	at := strings.LastIndexByte(display, '@')
	if at < 1 || !strings.Contains(display[at+1:], ".") {
		return "", "", bad
	}
	return display, strings.ToLower(display), nil
}

// CheckPassword enforces the password policy. Argon2id has no input-length
// cap, so long passphrases are welcome up to a bound that keeps hashing cheap.
func CheckPassword(password string) error {
	n := utf8.RuneCountInString(password)
	if !utf8.ValidString(password) || n < MinPasswordLength || n > MaxPasswordLength {
		return InvalidInput("password", "password must be %d to %d characters", MinPasswordLength, MaxPasswordLength)
	}
	return nil
}

// PageSize checks a connection's `first` argument: 1 to MaxPageSize. An
// explicit null is as wrong as 0.
func PageSize(first *int) (int, error) {
	if first == nil || *first < 1 || *first > MaxPageSize {
		return 0, InvalidInput("first", "first must be between 1 and %d", MaxPageSize)
	}
	return *first, nil
}

// HasAPIAccess reports whether u may create API keys in account a. Without
// the Power-Up everyone may; with it, the owner always may and everyone else
// as the owner decided.
func HasAPIAccess(a *Account, u *User) bool {
	return !a.APIKeyRestriction || u.Role == RoleOwner || u.StoredAPIAccess
}

// InitialAPIAccess is the API access a new user of account a is stored
// with. The owner always has it. Under the Power-Up others start without
// it and the owner grants it; without the Power-Up everyone starts with it,
// so that switching the Power-Up on later leaves everyone their access
// until the owner decides otherwise.
func InitialAPIAccess(a *Account, r Role) bool {
	return r == RoleOwner || !a.APIKeyRestriction
}

// CheckCreateKey refuses a key to a user without API access.
func CheckCreateKey(a *Account, u *User) error {
	if !HasAPIAccess(a, u) {
		return &Error{Code: CodeAPIAccessDisabled, Message: "your account owner has not given you API access"}
	}
	return nil
}

// KeyCaps bound the keys a user and an account may hold at once, counting
// every key not deleted. Without them one tenant could fill the table that
// every other tenant's pages and counts are read from.
type KeyCaps struct {
	PerUser    int
	PerAccount int
}

// DefaultKeyCaps are far above what any integration setup needs.
var DefaultKeyCaps = KeyCaps{PerUser: 200, PerAccount: 2000}

// CheckNewKey refuses another key to a user holding userKeys in an account
// holding accountKeys once either has reached its cap.
func (c KeyCaps) CheckNewKey(userKeys, accountKeys int64) error {
	if userKeys >= int64(c.PerUser) {
		return keyCapReached("user", userKeys, c.PerUser)
	}
	if accountKeys >= int64(c.PerAccount) {
		return keyCapReached("account", accountKeys, c.PerAccount)
	}
	return nil
}

// keyCapReached says what to delete; a holder can be past its cap after an
// operator lowered it.
func keyCapReached(holder string, held int64, most int) error {
	if held == int64(most) {
		return Errorf(CodeBadUserInput, "this %s already has %d API keys, the most allowed: delete one first", holder, held)
	}
	return Errorf(CodeBadUserInput, "this %s already has %d API keys, more than the %d allowed: delete %d first", holder, held, most, held-int64(most)+1)
}

// CheckPowerUp refuses per-user API access settings in an account without
// the API Key Restriction Power-Up.
func CheckPowerUp(a *Account) error {
	if !a.APIKeyRestriction {
		return &Error{Code: CodePowerUpRequired, Message: "per-user API access needs the API Key Restriction Power-Up"}
	}
	return nil
}

// CheckAPIAccessChange refuses to take API access from the owner, who
// always has it (see HasAPIAccess).
func CheckAPIAccessChange(u *User, enabled bool) error {
	if u.Role == RoleOwner && !enabled {
		return &Error{Code: CodeForbidden, Message: "the account owner always has API access"}
	}
	return nil
}

// CanSeeKey reports whether viewer may see (and so manage) key k: their
// own keys, or every key of their account for owners and admins. Whether
// the viewer came with a session or a key makes no difference. db lists
// keys with the same rule in SQL, and its tests hold the two together.
func CanSeeKey(viewer *User, k *APIKey) bool {
	if k.AccountID != viewer.AccountID {
		return false
	}
	return k.UserID == viewer.ID || viewer.Role.IsManager()
}

// CheckKeyAccess refuses anything but the accesses the schema declares.
func CheckKeyAccess(a KeyAccess) error {
	switch a {
	case KeyAccessFull, KeyAccessReadOnly:
		return nil
	}
	return InvalidInput("access", "access must be FULL or READ_ONLY")
}

// KeyChange is a change to a key's name, note or access. A nil field stays
// as it is; an empty Note removes the note.
type KeyChange struct {
	Name   *string
	Note   *string
	Access *KeyAccess
}

// Clean checks and trims the change's values by the rules for names,
// notes and accesses.
func (c KeyChange) Clean() (KeyChange, error) {
	if c.Name != nil {
		name, err := CleanName("name", *c.Name)
		if err != nil {
			return KeyChange{}, err
		}
		c.Name = &name
	}
	if c.Note != nil {
		note, err := CleanNote(*c.Note)
		if err != nil {
			return KeyChange{}, err
		}
		c.Note = &note
	}
	if c.Access != nil {
		if err := CheckKeyAccess(*c.Access); err != nil {
			return KeyChange{}, err
		}
	}
	return c, nil
}

// ApplyTo makes a cleaned change to k and says what it changed, as the
// audit log words it: "name", "note", and "access" with the new access. A
// value the key already has is no change.
func (c KeyChange) ApplyTo(k *APIKey) (changed []string) {
	if c.Name != nil && *c.Name != k.Name {
		k.Name = *c.Name
		changed = append(changed, "name")
	}
	if c.Note != nil && *c.Note != noteText(k.Note) {
		k.Note = nil
		if *c.Note != "" {
			k.Note = c.Note
		}
		changed = append(changed, "note")
	}
	if c.Access != nil && *c.Access != k.Access {
		k.Access = *c.Access
		changed = append(changed, "access "+string(k.Access))
	}
	return changed
}

// noteText is a key's note, "" for none.
func noteText(note *string) string {
	if note == nil {
		return ""
	}
	return *note
}

// CleanKeyExpiry checks a new key's expiry against now: nil (never) or a
// time in the future. The time is kept to the microsecond, as the database
// stores it, so that the key shows the instant it expires at.
func CleanKeyExpiry(expiresAt *time.Time, now time.Time) (*time.Time, error) {
	if expiresAt == nil {
		return nil, nil
	}
	t := expiresAt.UTC().Truncate(time.Microsecond)
	if !t.After(now) {
		return nil, InvalidInput("expiresAt", "expiresAt must be in the future, or null for a key that never expires")
	}
	return &t, nil
}

// MaxRollGrace is the longest a rolled key's previous secret may keep
// working: 7 days, as Stripe allows.
const MaxRollGrace = 7 * 24 * time.Hour

// CleanRollGrace checks a roll's grace period, in seconds: 0 (the previous
// secret stops at once) to MaxRollGrace.
func CleanRollGrace(seconds int) (time.Duration, error) {
	if seconds < 0 || seconds > int(MaxRollGrace/time.Second) {
		return 0, InvalidInput("gracePeriodSeconds", "gracePeriodSeconds must be 0 to %d (7 days)", int(MaxRollGrace/time.Second))
	}
	return time.Duration(seconds) * time.Second, nil
}

// CheckRollKey refuses to roll a key that has expired at now: a new
// secret would not work either, so create a new key instead.
func CheckRollKey(k *APIKey, now time.Time) error {
	if k.Expired(now) {
		return InvalidInput("id", "the key has expired and cannot be rolled: create a new key instead")
	}
	return nil
}

// CheckNewRole refuses a second owner and unknown roles.
func CheckNewRole(r Role) error {
	switch r {
	case RoleAdmin, RoleAgent:
		return nil
	case RoleOwner:
		return InvalidInput("role", "an account has exactly one OWNER: choose ADMIN or AGENT")
	}
	return InvalidInput("role", "role must be ADMIN or AGENT")
}
