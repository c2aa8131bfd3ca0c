package convo

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/web"
)

// The reply endpoint's body (POST /api/v1/appeals/{number}/messages):
// whatever arrives is decoded and validated into a message, or refused
// with a client error naming the field; never a panic, never a 500.
func FuzzMessageBody(f *testing.F) {
	for _, seed := range []string{
		`{"text":"Ошибка: «Сертификат отозван»"}`, `{"text":"x","internal":true}`, `{"text":"x","attachments":[1,2]}`,
		`{"text":"x","attachments":[0]}`, `{"text":"x","attachments":"1"}`, `{"text":""}`, `{"text":"  \n "}`, `{"text":1}`,
		`{}`, `[`, ``, `null`, `{"text":"x"} {"text":"y"}`, "{\"text\":\"\xff\"}", `{"text":"x","extra":1}`,
	} {
		f.Add(seed, false)
	}
	f.Fuzz(func(t *testing.T, body string, portal bool) {
		by := auth.Principal{User: auth.User{ID: 1, Login: "op", Role: auth.RoleOperator}}
		if portal {
			by.Role, by.BIN = auth.RoleApplicant, "123456789013"
		}
		r := httptest.NewRequest("POST", "/api/v1/appeals/2026-000001/messages", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		var p Post
		err := web.Decode(r, &p)
		if err == nil {
			err = p.validate(by)
			if err == nil {
				if strings.TrimSpace(p.Text) == "" || (portal && p.Internal) || len(p.Attachments) > 20 {
					t.Fatalf("accepted %+v", p)
				}
				return
			}
		}
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Message == "" {
			t.Fatalf("%q: not a client error: %v", body, err)
		}
		if ae.Code != apperr.Invalid && ae.Code != apperr.Unsupported && ae.Code != apperr.TooLarge {
			t.Fatalf("%q: code %s", body, ae.Code)
		}
	})
}
