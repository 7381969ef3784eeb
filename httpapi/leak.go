package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/keyfob/keyfob/authn"
	"github.com/keyfob/keyfob/leak"
	"github.com/keyfob/keyfob/model"
)

// publicRevocationWindow is the window of the per-IP limit on public
// revocation reports.
const publicRevocationWindow = time.Hour

var errPublicRevocationsLimited = &model.Error{Code: model.CodeRateLimited, RetryAfter: publicRevocationWindow,
	Message: "too many revocation reports from this address: retry after the time in Retry-After"}

// readBody reads at most limit bytes of r's body; a longer one is
// PAYLOAD_TOO_LARGE.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, &model.Error{Code: model.CodePayloadTooLarge, Message: "the body is larger than " + strconv.FormatInt(limit, 10) + " bytes"}
	case err != nil:
		return nil, &model.Error{Code: model.CodeBadRequest, Message: "the body could not be read"}
	}
	return body, nil
}

// gitHubSecretScanning implements GitHub secret scanning's partner
// protocol: a signed JSON array of matches in, a label per match out.
func (s *Server) gitHubSecretScanning(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r, leak.MaxReportBytes)
	if err != nil {
		writeError(w, err)
		return
	}
	answers, err := s.scanner.Report(r.Context(), r.Header.Get("Github-Public-Key-Identifier"), r.Header.Get("Github-Public-Key-Signature"), body)
	if err != nil {
		// A stale key set is not logged per report: anyone can send made-up
		// identifiers, and the key set logs its own fetches.
		if code := model.ErrorCode(err); (code == model.CodeInternal || code == model.CodeUnavailable) && !errors.Is(err, leak.ErrKeySetStale) {
			s.logger.ErrorContext(r.Context(), "GitHub secret scanning report failed", "error", err)
		}
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(answers)
}

// publicRevocation takes anyone's report of keys they found. A
// well-formed report is always answered 202 {} at once, whatever it lists;
// the revocations run after the answer is sent, so that neither the
// answer nor its timing tells a prober whether a key was live.
func (s *Server) publicRevocation(w http.ResponseWriter, r *http.Request) {
	if !s.publicLimit.Allow(w, r, authn.ClientIPFromContext(r.Context())) {
		writeError(w, errPublicRevocationsLimited)
		return
	}
	body, err := readBody(w, r, leak.MaxPublicReportBytes)
	if err != nil {
		writeError(w, err)
		return
	}
	credentials, err := leak.ParsePublicReport(body)
	if err != nil {
		writeError(w, err)
		return
	}
	const accepted = "{}\n"
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(accepted)))
	w.WriteHeader(http.StatusAccepted)
	_, _ = io.WriteString(w, accepted)
	_ = http.NewResponseController(w).Flush()
	s.public.Submit(model.RequestInfoFromContext(r.Context()), credentials)
}
