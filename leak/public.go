package leak

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/db"
	"github.com/keyfob/keyfob/model"
)

// A public report lists 1 to MaxPublicCredentials credentials, each at
// most maxCredentialBytes long, in at most MaxPublicReportBytes.
const (
	MaxPublicCredentials = 100
	MaxPublicReportBytes = 64 << 10
	maxCredentialBytes   = 256
)

var errMalformedPublicReport = &model.Error{Code: model.CodeBadRequest,
	Message: `the body must be {"credentials": [...]}, listing 1 to 100 credentials as strings of at most 256 characters`}

// ParsePublicReport reads a public report's body, {"credentials": [...]}.
// Whether the credentials are keys, live or not, is not its business: a
// well-formed report is accepted whatever it lists.
func ParsePublicReport(body []byte) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	var report struct {
		Credentials []string `json:"credentials"`
	}
	if err := dec.Decode(&report); err != nil || !atEnd(dec) {
		return nil, errMalformedPublicReport
	}
	if n := len(report.Credentials); n < 1 || n > MaxPublicCredentials {
		return nil, errMalformedPublicReport
	}
	for _, c := range report.Credentials {
		if len(c) > maxCredentialBytes {
			return nil, errMalformedPublicReport
		}
	}
	return report.Credentials, nil
}

// atEnd reports whether nothing but white space follows the value dec
// decoded.
func atEnd(dec *json.Decoder) bool {
	_, err := dec.Token()
	return err == io.EOF
}

// publicQueue bounds the reports waiting for the worker.
const publicQueue = 256

// submitWait bounds how long a report waits for room in a full queue
// once it has been answered; past it the report is dropped, and logged.
const submitWait = 10 * time.Second

// jobTimeout bounds the revocations of one report.
const jobTimeout = 30 * time.Second

// PublicRevocations works through public reports in the background, one
// at a time, after each has been answered, so that neither the answer nor
// its timing tells a prober anything about the keys it listed.
type PublicRevocations struct {
	store  *db.DB
	logger *slog.Logger
	queue  chan publicReport
	// mu orders submissions against Close: Close waits for a submission
	// under way, and none starts after it.
	mu     sync.RWMutex
	closed bool
	done   chan struct{}
}

// NewPublicRevocations starts the worker; Close stops it.
func NewPublicRevocations(store *db.DB, logger *slog.Logger) *PublicRevocations {
	p := &PublicRevocations{store: store, logger: logger, queue: make(chan publicReport, publicQueue), done: make(chan struct{})}
	go p.work()
	return p
}

// publicReport is one report's credentials, and where it came from, for
// the audit log.
type publicReport struct {
	credentials []string
	from        model.RequestInfo
}

// Submit queues a report's credentials for revocation; from is the
// reporter's address and user agent, which the audit events record. Its
// caller has already answered, so it may wait a little for room.
func (p *PublicRevocations) Submit(from model.RequestInfo, credentials []string) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		p.logger.Warn("public revocation report arrived while stopping; dropped", "credentials", len(credentials))
		return
	}
	timer := time.NewTimer(submitWait)
	defer timer.Stop()
	select {
	case p.queue <- publicReport{credentials: credentials, from: from}:
	case <-timer.C:
		p.logger.Warn("public revocation queue full; report dropped", "credentials", len(credentials))
	}
}

// Close stops taking reports and waits until those queued are done, or
// ctx ends.
func (p *PublicRevocations) Close(ctx context.Context) error {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.queue)
	}
	p.mu.Unlock()
	select {
	case <-p.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *PublicRevocations) work() {
	defer close(p.done)
	for report := range p.queue {
		p.revoke(report)
	}
}

// revoke reports each kf_ key with a valid checksum as leaked by a public
// report; anything else cannot be a key Keyfob issued, and is ignored.
func (p *PublicRevocations) revoke(report publicReport) {
	var leaked []db.LeakedSecret
	for _, c := range report.credentials {
		if credential.ValidKey(c) {
			leaked = append(leaked, db.LeakedSecret{Hash: credential.Hash(c), Source: model.LeakSourcePublicReport})
		}
	}
	if len(leaked) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(model.NewContextWithRequestInfo(context.Background(), report.from), jobTimeout)
	defer cancel()
	changed, err := p.store.ReportLeakedSecrets(ctx, leaked)
	if err != nil {
		p.logger.Error("public revocation report could not be applied", "keyfob_tokens", len(leaked), "error", err)
		return
	}
	p.logger.Info("public revocation report applied", "keyfob_tokens", len(leaked), "keys_changed", changed)
}
