package analysis_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"tenderdesk/internal/analysis"
	"tenderdesk/internal/calendar"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/notify"
	"tenderdesk/internal/notify/notifytest"
	"tenderdesk/internal/reports"
	"tenderdesk/internal/vocab"
)

func pdftotext(t *testing.T, b []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI: pdftotext (poppler-utils) is not installed")
		}
		t.Skip("pdftotext (poppler-utils) not installed")
	}
	in := filepath.Join(t.TempDir(), "a.pdf")
	if err := os.WriteFile(in, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, in, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	// pdftotext breaks long lines where the PDF wraps them.
	return strings.Join(strings.Fields(string(out)), " ")
}

// received is the attachments a recipient got, by name.
func received(t *testing.T, sink *notifytest.Sink, addr string) (msgs []notifytest.Message) {
	t.Helper()
	msgs, _ = sink.Inbox(addr)
	return msgs
}

// Q43 (issue 13): each stored daily analysis is emailed to the configured
// recipients with its PDF in Russian and Kazakh, through a real SMTP
// conversation, once (a second run, a restart mail nothing more); the
// attachment's bytes are the document's PDF and pdftotext finds the
// document's Russian and Kazakh words in it.
func TestQ43DailyMailedWithPDF(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		sink := notifytest.Start(t)
		raw := map[string]string{"analysis-email": "analysis@authority.kz, head@operator.kz", "smtp-relay": sink.URL()}
		c := &clock{t: local(2026, 12, 11, 11, 0)} // Friday
		a := open(t, dsn, c, raw)
		r := register(t, a, c, "email", "Договоры")
		act(t, a, r.IncidentID, journal.TransitionInput{Action: journal.ActAnalyse})
		dep := true
		act(t, a, r.IncidentID, journal.TransitionInput{Action: journal.ActConfirm, Criticality: vocab.Medium, OperatorDependent: &dep})
		c.set(local(2026, 12, 14, 9, 0)) // Monday: Friday, Saturday, Sunday
		if made, err := a.Analysis.RunOnce(ctx); err != nil || !slices.Contains(made, "daily:2026-12-11") {
			t.Fatalf("Q43 Monday: %v %v", made, err)
		}
		notifytest.Drain(t, a.Outbox)
		a.Close()
		a = open(t, dsn, c, raw) // a restart: nothing mailed again
		defer a.Close()
		if made, _ := a.Analysis.RunOnce(ctx); len(made) != 0 {
			t.Fatalf("run again: %v", made)
		}
		notifytest.Drain(t, a.Outbox)
		st, err := a.Analysis.Get(ctx, "daily", "2026-12-11")
		if err != nil {
			t.Fatal(err)
		}
		for _, addr := range []string{"analysis@authority.kz", "head@operator.kz"} {
			msgs := received(t, sink, addr)
			var friday *notifytest.Message
			days := 0
			for i, m := range msgs {
				if strings.HasPrefix(m.Subject, "[") && strings.Contains(m.Subject, "Ежедневный анализ") {
					days++
				}
				if strings.HasPrefix(m.Subject, "[11.12.2026]") {
					friday = &msgs[i]
				}
			}
			if days != 3 || friday == nil {
				t.Fatalf("%s: %d daily analyses (want Friday, Saturday, Sunday, each once): %v", addr, days, subjects(msgs))
			}
			if len(friday.Attachments) != 2 {
				t.Fatalf("%s: %d attachments, want the PDF in ru and kk", addr, len(friday.Attachments))
			}
			want := map[string][]string{
				"ru": {"Ежедневный анализ технических сбоев предыдущего дня", "Договоры", "Зарегистрировано обращений: 1", "По уровню критичности"},
				"kk": {"Алдыңғы күннің техникалық іркілістерін күнделікті талдау", "Договоры", "Тіркелген өтініштер: 1", "Маңыздылық деңгейі бойынша"},
			}
			for i, lang := range analysis.DocumentLangs {
				at := friday.Attachments[i]
				day := analysis.DailyFileName(dateOf(t, "2026-12-11"), lang) + ".pdf"
				if at.Name != day || at.ContentType != "application/pdf" {
					t.Errorf("%s: attachment %q %q, want %q application/pdf", addr, at.Name, at.ContentType, day)
				}
				var x analysis.Daily
				mustJSON(t, st.Body, &x)
				pdf, err := reports.TextPDFBytes(analysis.DailyText(x, lang, a.Analysis.CauseLabel), lang, st.GeneratedAt)
				if err != nil || !bytes.Equal(at.Data, pdf) {
					t.Errorf("%s/%s: the attachment's %d bytes are not the document's PDF (%d, %v)", addr, lang, len(at.Data), len(pdf), err)
				}
				text := pdftotext(t, at.Data)
				for _, s := range want[lang] {
					if !strings.Contains(text, s) {
						t.Errorf("%s/%s: the PDF lacks %q:\n%s", addr, lang, s, text)
					}
				}
			}
		}
		var rows int
		if err := a.DB.R.QueryRowContext(ctx, "SELECT count(*) FROM outbox WHERE event = $1", analysis.DailyEvent("2026-12-11")).Scan(&rows); err != nil || rows != 2 {
			t.Errorf("outbox rows of the day: %d %v", rows, err)
		}
	})
}

// Q36.10 / Q37.13 (issue 13): the sent written report carries its PDF in
// Russian and Kazakh to the authorized body's address, through SMTP; the
// Q37.13 clock is met at the sending as before; pdftotext finds the
// report's parts.
func TestQ37_13ReportMailedWithPDF(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		sink := notifytest.Start(t)
		c := &clock{t: local(2026, 12, 4, 10, 0)}
		a := open(t, dsn, c, map[string]string{"smtp-relay": sink.URL()})
		defer a.Close()
		r := register(t, a, c, "email", "Аукционы")
		act(t, a, r.IncidentID, journal.TransitionInput{Action: journal.ActAnalyse})
		act(t, a, r.IncidentID, journal.TransitionInput{Action: journal.ActConfirm, Criticality: vocab.High, Cause: "operator_staff_error"})
		act(t, a, r.IncidentID, journal.TransitionInput{Action: journal.ActStartFix})
		c.set(local(2026, 12, 4, 15, 20))
		act(t, a, r.IncidentID, journal.TransitionInput{Action: journal.ActFix, Decision: "Откат обновления", Recommendations: "Проверка обновлений на стенде"})
		w, err := a.Analysis.WrittenOf(ctx, r.IncidentID)
		if err != nil {
			t.Fatal(err)
		}
		c.set(local(2026, 12, 7, 11, 0))
		res := "Работа модуля восстановлена"
		if w, err = a.Analysis.SendReport(ctx, staff, r.IncidentID, analysis.Edit{Result: &res, Version: w.Version}); err != nil {
			t.Fatal(err)
		}
		notifytest.Drain(t, a.Outbox)
		var msgs []notifytest.Message // besides the Q37.1 notice of the confirmation
		for _, m := range received(t, sink, "body@authority.kz") {
			if m.Header["X-Tenderdesk-Event"] == analysis.ReportEvent(r.IncidentID) {
				msgs = append(msgs, m)
			}
		}
		if len(msgs) != 1 || len(msgs[0].Attachments) != 2 {
			t.Fatalf("the authorized body got %d messages (%v)", len(msgs), subjects(msgs))
		}
		stored, err := notify.Attachments(ctx, a.DB.R, analysis.ReportEvent(r.IncidentID))
		if err != nil || len(stored) != 2 {
			t.Fatalf("stored %d %v", len(stored), err)
		}
		want := map[string][]string{
			"ru": {"Письменное извещение уполномоченного органа о техническом сбое", w.Report.Number, "Работа модуля восстановлена", "Откат обновления", "направлено"},
			"kk": {"Техникалық іркіліс туралы уәкілетті органға жазбаша хабарлау", w.Report.Number, "Работа модуля восстановлена", "жіберілді"},
		}
		for i, lang := range analysis.DocumentLangs {
			at := msgs[0].Attachments[i]
			if at.Name != analysis.ReportFileName(w, lang)+".pdf" || !bytes.Equal(at.Data, stored[i].Data) || !bytes.HasPrefix(at.Data, []byte("%PDF-")) {
				t.Errorf("%s: %q, %d bytes (stored %d)", lang, at.Name, len(at.Data), len(stored[i].Data))
			}
			text := pdftotext(t, at.Data)
			for _, s := range want[lang] {
				if !strings.Contains(text, s) {
					t.Errorf("%s: the PDF lacks %q:\n%s", lang, s, text)
				}
			}
		}
		d, err := notify.EventDelivery(ctx, a.DB.R, analysis.ReportEvent(r.IncidentID))
		if err != nil || !d.Met() || !d.LastSentAt.Equal(local(2026, 12, 7, 11, 0)) {
			t.Errorf("delivery %+v %v", d, err)
		}
	})
}

func subjects(ms []notifytest.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Subject)
	}
	return out
}

func dateOf(t *testing.T, s string) calendar.Date {
	t.Helper()
	d, err := calendar.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func mustJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}
