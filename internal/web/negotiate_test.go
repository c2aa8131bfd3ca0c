package web

import (
	"errors"
	"testing"

	"tenderdesk/internal/apperr"
)

// GET /api/v1/journal's Accept (issue 13): quality values and wildcards
// pick JSON or CSV, a tie or no Accept is JSON, and an Accept taking
// neither is a 406 naming the header.
func TestNegotiate(t *testing.T) {
	offers := []string{"application/json", "text/csv"}
	for accept, want := range map[string]string{
		"":                                  "application/json",
		"*/*":                               "application/json",
		"application/json":                  "application/json",
		"text/csv":                          "text/csv",
		"TEXT/CSV; charset=utf-8":           "text/csv",
		"text/html, text/csv":               "text/csv",
		"text/*":                            "text/csv",
		"application/*":                     "application/json",
		"text/csv;q=0.5, application/json":  "application/json",
		"application/json;q=0.5, text/csv":  "text/csv",
		"*/*;q=0.1, text/csv":               "text/csv",
		"text/csv, */*":                     "text/csv",
		"text/csv;q=0, */*":                 "application/json",
		"text/csv, application/json":        "application/json", // a tie: the default
		"text/*;q=0.3, text/csv;q=0.9":      "text/csv",
		"application/json;q=0, text/*;q=.2": "text/csv",
	} {
		got, err := Negotiate(accept, offers...)
		if err != nil || got != want {
			t.Errorf("Accept %q: %q %v, want %q", accept, got, err, want)
		}
	}
	for _, accept := range []string{"text/html", "application/pdf, image/*", "text/csv;q=0", "application/json;q=0"} {
		_, err := Negotiate(accept, offers...)
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != apperr.NotAcceptable || ae.Fields["Accept"] == "" || status[ae.Code] != 406 {
			t.Errorf("Accept %q: %v, want a 406 naming Accept", accept, err)
		}
	}
	if _, err := Negotiate("text/csv", "application/json"); err == nil {
		t.Error("text/csv accepted where only JSON is served")
	}
}
