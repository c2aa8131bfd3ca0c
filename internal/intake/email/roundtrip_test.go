package email_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"tenderdesk/internal/intake/email"
	"tenderdesk/internal/notify/mail"
	"tenderdesk/internal/notify/templates"
)

// Both halves together: what the desk sends (a rendered template through
// notify/mail) arrives at the desk's own listener, parses back to the same
// Kazakh subject and number, and is recognised as automatic — so if a
// reporter's server loops our acknowledgement back, the desk does not answer
// it (no mail loop).
func TestOwnMailRoundTripIsNotAnswered(t *testing.T) {
	now := time.Date(2026, 2, 2, 5, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	var got []*email.Message
	l, err := email.Listen(email.ListenerConfig{
		Addr: "127.0.0.1:0", Accept: []string{"desk.example"}, Now: func() time.Time { return now },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}, email.HandlerFunc(func(ctx context.Context, env email.Envelope, raw email.Raw) error {
		m, err := email.Parse(ctx, raw.Reader(), email.Options{Envelope: &env})
		if err != nil {
			return err
		}
		mu.Lock()
		got = append(got, m)
		mu.Unlock()
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close(context.Background())

	subj, text, html, err := templates.Render(templates.Registered, "kk", templates.Data{Number: "2026-000123", Received: now, Zone: "Asia/Almaty"})
	if err != nil {
		t.Fatal(err)
	}
	snd, err := mail.NewSender(mail.Config{RelayURL: "smtp://" + l.Addr().String(), From: "Tenderdesk <noreply@desk.example>", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	err = snd.Send(context.Background(), mail.Message{MessageID: "<n-1.r-1@desk.example>", To: []string{"support@desk.example"},
		Subject: subj, Text: text, HTML: html, AutoSubmitted: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("listener got %d", len(got))
	}
	m := got[0]
	if m.Subject != "[2026-000123] Өтініш тіркелді" || m.AppealNumber != "2026-000123" || m.MessageID != "n-1.r-1@desk.example" {
		t.Errorf("subject %q number %q id %q", m.Subject, m.AppealNumber, m.MessageID)
	}
	if m.TextFromHTML || m.HTML == "" || m.Text == "" {
		t.Errorf("parts: text %q html %d bytes", m.Text, len(m.HTML))
	}
	if !m.Auto.NoReply() {
		t.Errorf("our own automatic mail would be answered: %+v", m.Auto)
	}
}
