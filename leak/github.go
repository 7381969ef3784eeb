package leak

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/db"
	"github.com/keyfob/keyfob/model"
)

// A GitHub report holds up to MaxMatches matches in up to MaxReportBytes.
const (
	MaxMatches     = 1000
	MaxReportBytes = 1 << 20
)

// Labels GitHub reads in the answer.
const (
	LabelTruePositive  = "true_positive"
	LabelFalsePositive = "false_positive"
)

// Match is one token GitHub found: the token itself, the type it was
// registered under, where it was found (url) and in what (source, such as
// "content" or "commit").
type Match struct {
	Token  string `json:"token"`
	Type   string `json:"type"`
	URL    string `json:"url"`
	Source string `json:"source"`
}

// Answer is what the reply says of one match. It names the token by its
// SHA-256 only: the reply never holds a token.
type Answer struct {
	TokenHash string `json:"token_hash"`
	TokenType string `json:"token_type"`
	Label     string `json:"label"`
}

var (
	errMalformedReport = &model.Error{Code: model.CodeBadRequest,
		Message: `the body must be a JSON array of matches, each {"token", "type", "url", "source"} with string values`}
	errTooManyMatches = &model.Error{Code: model.CodePayloadTooLarge,
		Message: "a report may hold at most 1000 matches: send the rest in another"}
)

// Scanner takes GitHub secret scanning's reports.
type Scanner struct {
	Keys   *KeySet
	Store  *db.DB
	Logger *slog.Logger
}

// GitHubSource is how a GitHub report's source is stored: "github:" and
// where on GitHub the token was ("github" alone when GitHub did not say).
func GitHubSource(where string) string {
	if where == "" {
		return "github"
	}
	return "github:" + where
}

// Report verifies a GitHub report's signature over body, then revokes each
// match that is a live secret (db.ReportLeakedSecrets) and answers for
// each match in order. A body whose signature does not verify changes
// nothing.
func (s *Scanner) Report(ctx context.Context, keyIdentifier, signature string, body []byte) ([]Answer, error) {
	if err := s.Keys.Verify(ctx, keyIdentifier, signature, body); err != nil {
		return nil, err
	}
	matches, err := ParseMatches(body)
	if err != nil {
		return nil, err
	}
	answers := make([]Answer, len(matches))
	var leaked []db.LeakedSecret
	for i, m := range matches {
		hash := credential.Hash(m.Token)
		answers[i] = Answer{TokenHash: hash, TokenType: m.Type, Label: Label(m.Token)}
		if answers[i].Label == LabelTruePositive {
			leaked = append(leaked, db.LeakedSecret{Hash: hash, Source: GitHubSource(m.Source), URL: m.URL})
		}
	}
	changed, err := s.Store.ReportLeakedSecrets(ctx, leaked)
	if err != nil {
		return nil, err
	}
	s.Logger.InfoContext(ctx, "GitHub secret scanning report", "matches", len(matches), "keyfob_tokens", len(leaked), "keys_changed", changed)
	return answers, nil
}

// Label is true_positive for a kf_ token whose checksum is valid: Keyfob
// issued it, whether or not it still works (a deleted key leaves no row
// to tell it from one never issued). Anything else is false_positive.
func Label(token string) string {
	if credential.ValidKey(token) {
		return LabelTruePositive
	}
	return LabelFalsePositive
}

// ParseMatches reads a report's body: a JSON array of at most MaxMatches
// matches.
func ParseMatches(body []byte) ([]Match, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	var matches []Match
	if err := dec.Decode(&matches); err != nil || !atEnd(dec) || matches == nil {
		return nil, errMalformedReport
	}
	if len(matches) > MaxMatches {
		return nil, errTooManyMatches
	}
	return matches, nil
}
