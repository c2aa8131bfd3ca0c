package apitest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// The validating client is not a rubber stamp: it fails a call whose
// answer the document does not describe, and one the document refuses but
// the server accepts.
func TestValidatingClientCatchesDrift(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/v1/roles":
			fmt.Fprint(w, `{"operator": 42}`) // the document says: arrays of permissions
		case "/healthz":
			w.WriteHeader(http.StatusTeapot) // not a documented status
			fmt.Fprint(w, `{}`)
		default: // accepts anything
			w.WriteHeader(http.StatusCreated)
			fmt.Fprint(w, `{"number":"2026-000001","incident_id":1}`)
		}
	}))
	defer srv.Close()
	for _, c := range []struct {
		name, method, path, body string
	}{
		{"answer off schema", "GET", "/api/v1/roles", ""},
		{"undocumented status", "GET", "/healthz", ""},
		{"bad request accepted", "POST", "/api/v1/appeals", `{"channel": 7}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := &recordingTB{TB: t}
			hc := Client(rec)
			var body io.Reader
			if c.body != "" {
				body = strings.NewReader(c.body)
			}
			req, _ := http.NewRequest(c.method, srv.URL+c.path, body)
			req.Header.Set("Authorization", "Bearer x")
			req.Header.Set("Content-Type", "application/json")
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if len(rec.errors) == 0 {
				t.Fatal("the drift went unnoticed")
			}
		})
	}
}

// recordingTB keeps the errors reported to it instead of failing.
type recordingTB struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
