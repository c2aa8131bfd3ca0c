package web

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"tenderdesk/internal/apperr"
)

// Whatever bytes arrive as a request body, decoding either succeeds or is
// a client error (4xx) naming the problem: never a panic, never a 500.
func FuzzDecodeBodies(f *testing.F) {
	for _, seed := range []string{
		`{"channel":"email","received_at":"2026-11-20T10:15:00+05:00","bin":"123456789013","description":"сбой","lots":["1"]}`,
		`{"channel":1}`, `{"lots":"1"}`, `{"incident_id":"x"}`, `{"a":1}`, `{}`, `{} {}`, `[`, ``, `null`, `"s"`,
		`{"criticality":"high","operator_dependent":true,"modules":["auction"],"fixed_at":"2026-11-20T10:15:00Z"}`,
		"{\"description\":\"\xff\xfe\"}", `{"received_at":"2026-11-20T10:15:00"}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		for _, target := range []any{&appealRequest{}, &transitionRequest{}} {
			r := httptest.NewRequest("POST", "/api/v1/appeals", strings.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			err := decode(r, target)
			if err == nil {
				continue
			}
			var ae *apperr.Error
			if !errors.As(err, &ae) {
				t.Fatalf("decode(%q) returned a foreign error %T: %v", body, err, err)
			}
			if code := status[ae.Code]; code < 400 || code >= 500 {
				t.Fatalf("decode(%q) = %v: status %d, want 4xx", body, err, code)
			}
			if ae.Message == "" {
				t.Fatalf("decode(%q): empty message", body)
			}
		}
		if a := (&appealRequest{}); decode(httptest.NewRequest("POST", "/", strings.NewReader(body)), a) == nil {
			v := apperr.Validation{}
			parseTime(v, "received_at", a.ReceivedAt)
			parseTime(v, "detected_at", a.DetectedAt)
		}
	})
}
