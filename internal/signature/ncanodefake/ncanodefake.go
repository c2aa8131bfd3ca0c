// Package ncanodefake is a STAND-IN for NCANode, the NCA verification
// service that checks GOST 34.310 signatures (no Go implementation exists,
// and NCANode cannot run here). It is not a verifier: it answers
// /cms/verify from a table the test fills, keyed by the SHA-256 of the CMS,
// and checks only that the request has NCANode's shape. Tests only.
package ncanodefake

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"

	"tenderdesk/internal/signature"
)

// Server is the stand-in.
type Server struct {
	*httptest.Server
	mu      sync.Mutex
	answers map[string]signature.NCANodeResponse
	Calls   int
}

// New starts the stand-in; Close it when done.
func New() *Server {
	s := &Server{answers: map[string]signature.NCANodeResponse{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Answer sets what the stand-in says about cms.
func (s *Server) Answer(cms []byte, r signature.NCANodeResponse) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers[key(cms)] = r
}

func key(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:]) }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/cms/verify" {
		http.NotFound(w, r)
		return
	}
	var req signature.NCANodeRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.CMS == "" {
		http.Error(w, `{"message":"cms required"}`, http.StatusBadRequest)
		return
	}
	cms, err := base64.StdEncoding.DecodeString(req.CMS)
	if err != nil {
		http.Error(w, `{"message":"cms is not base64"}`, http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.Calls++
	a, ok := s.answers[key(cms)]
	s.mu.Unlock()
	if !ok {
		a = signature.NCANodeResponse{Valid: false, Message: "stand-in: no answer set for this CMS"}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(a)
}
