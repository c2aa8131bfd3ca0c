// Package ncalayerfake is a STAND-IN for NCALayer, the NCA's signing
// application that listens on a local WebSocket (wss://127.0.0.1:13579) on
// the user's machine; it cannot run here. It answers the part of the
// protocol the incident page uses (docs/signatures.md): the greeting with a
// version, then kz.gov.pki.knca.basics "sign" with format "cms", signing
// the given data with a test PKCS#12 key (a detached CMS, as NCALayer makes
// with encapsulate=false) instead of asking the user for a key and PIN. It
// can be told to refuse (as NCALayer does for a wrong PIN or an expired key)
// or to answer as when the user cancels. Tests only.
package ncalayerfake

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	"golang.org/x/net/websocket"

	"tenderdesk/internal/signature"
)

// Request is a sign call as received.
type Request struct {
	Module string `json:"module"`
	Method string `json:"method"`
	Args   struct {
		AllowedStorages []string `json:"allowedStorages"`
		Format          string   `json:"format"`
		Data            string   `json:"data"`
		SigningParams   struct {
			Decode      bool `json:"decode"`
			Encapsulate bool `json:"encapsulate"`
			Digested    bool `json:"digested"`
		} `json:"signingParams"`
		Locale string `json:"locale"`
	} `json:"args"`
}

// Server is the stand-in.
type Server struct {
	*httptest.Server
	URL string // ws://127.0.0.1:port (NCALayer's own is wss)

	mu     sync.Mutex
	key    *signature.DeskKey
	refuse string // non-empty: answer {"status":false,"message":refuse}
	cancel bool   // answer as when the user closes the key dialog
	got    []Request
}

// New starts the stand-in signing with key; Close it when done.
func New(key *signature.DeskKey) *Server {
	s := &Server{key: key}
	// NCALayer answers any page's origin: no Origin check.
	s.Server = httptest.NewServer(websocket.Server{Handler: s.serve, Handshake: func(*websocket.Config, *http.Request) error { return nil }})
	s.URL = "ws://" + strings.TrimPrefix(s.Server.URL, "http://")
	return s
}

// Refuse makes the next signs fail with NCALayer's error text msg ("" signs again).
func (s *Server) Refuse(msg string) { s.mu.Lock(); s.refuse = msg; s.mu.Unlock() }

// Cancel makes the next signs answer as a cancelled dialog (status true, no result).
func (s *Server) Cancel(on bool) { s.mu.Lock(); s.cancel = on; s.mu.Unlock() }

// Requests are the sign calls received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.got...)
}

type answer struct {
	Status  bool   `json:"status"`
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
	Body    *struct {
		Result []string `json:"result,omitempty"`
	} `json:"body,omitempty"`
}

func (s *Server) serve(ws *websocket.Conn) {
	defer ws.Close()
	// NCALayer greets every connection with its version first.
	if err := websocket.JSON.Send(ws, map[string]any{"result": map[string]string{"version": "1.4-stand-in"}}); err != nil {
		return
	}
	for {
		var raw string
		if err := websocket.Message.Receive(ws, &raw); err != nil {
			return
		}
		if err := websocket.JSON.Send(ws, s.answer(raw)); err != nil {
			return
		}
	}
}

func (s *Server) answer(raw string) answer {
	var r Request
	if err := json.Unmarshal([]byte(raw), &r); err != nil {
		return answer{Code: "500", Message: "stand-in: not JSON: " + err.Error()}
	}
	s.mu.Lock()
	s.got = append(s.got, r)
	refuse, cancel := s.refuse, s.cancel
	s.mu.Unlock()
	if r.Module != "kz.gov.pki.knca.basics" || r.Method != "sign" {
		return answer{Code: "500", Message: "stand-in: unknown module or method " + r.Module + "." + r.Method}
	}
	if r.Args.Format != "cms" || !r.Args.SigningParams.Decode || r.Args.SigningParams.Encapsulate || r.Args.SigningParams.Digested {
		return answer{Code: "500", Message: "stand-in: only format cms, decode=true, encapsulate=false, digested=false"}
	}
	data, err := base64.StdEncoding.DecodeString(r.Args.Data)
	if err != nil {
		return answer{Code: "500", Message: "stand-in: data is not base64"}
	}
	if refuse != "" {
		return answer{Code: "500", Message: refuse}
	}
	a := answer{Status: true, Body: &struct {
		Result []string `json:"result,omitempty"`
	}{}}
	if cancel {
		return a
	}
	cms, err := s.key.Sign(data)
	if err != nil {
		return answer{Code: "500", Message: "stand-in: " + err.Error()}
	}
	a.Body.Result = []string{base64.StdEncoding.EncodeToString(cms)}
	return a
}
