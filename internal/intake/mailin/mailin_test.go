package mailin

import (
	"strings"
	"testing"
	"unicode/utf8"

	"tenderdesk/internal/config"
	"tenderdesk/internal/intake/email"
)

// R1: separate support addresses map to profiles; a domain entry covers the
// addresses without one of their own.
func TestProfilesR1(t *testing.T) {
	c, err := config.Parse(map[string]string{"mail-profile": " Zakaz-Gos@ugra.example = ru-khmao-goszakaz , @quasi.kz=kz-quasi ,"})
	if err != nil {
		t.Fatal(err)
	}
	s := &Service{Profiles: c.MailProfile}
	for rcpts, want := range map[string]string{
		"zakaz-gos@UGRA.example":            "ru-khmao-goszakaz",
		"help@quasi.kz":                     "kz-quasi",
		"support@portal.kz":                 "",
		"support@portal.kz,<x@quasi.kz>":    "kz-quasi",
		"zakaz-gos@ugra.example,a@quasi.kz": "ru-khmao-goszakaz",
	} {
		if got := s.profileFor(strings.Split(rcpts, ",")); got != want {
			t.Errorf("%s: %q, want %q", rcpts, got, want)
		}
	}
	for _, bad := range []string{"support@portal.kz", "=kz-quasi", "portal.kz=kz-quasi", "a@b="} {
		if _, err := config.Parse(map[string]string{"mail-profile": bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// The Journal's description is subject + text, capped without cutting a
// letter; an empty message still gets a description (it must be registered).
func TestDescription(t *testing.T) {
	s := &Service{MaxDescription: 10}
	d := s.description(&email.Message{Subject: "Ошибка", Text: "қате жүйеде"})
	if utf8.RuneCountInString(d) != 10 || !strings.HasPrefix(d, "Ошибка\n\n") || !strings.HasSuffix(d, "…") {
		t.Errorf("capped description %q", d)
	}
	if d := (&Service{}).description(&email.Message{Attachments: make([]email.Attachment, 2)}); !strings.Contains(d, "2") {
		t.Errorf("empty message: %q", d)
	}
	if got := sender(&email.Message{From: email.Address{Address: "not an address"}}, email.Envelope{From: "ivan@supplier.kz"}); got != "ivan@supplier.kz" {
		t.Errorf("sender falls back to the envelope: %q", got)
	}
}
