package analysis_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"tenderdesk/internal/analysis"
	"tenderdesk/internal/app"
	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/config"
	"tenderdesk/internal/files/clamdtest"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/regulation"
	"tenderdesk/internal/store/storetest"
	"tenderdesk/internal/vocab"
)

var almaty, _ = time.LoadLocation("Asia/Almaty")

func local(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, almaty)
}

// clock is the one injected clock, moved by the test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time)     { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// backends runs fn on SQLite and PostgreSQL, each a database DSN that two
// opens share (a restart, a second desk).
func backends(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, filepath.Join(t.TempDir(), "data")) })
	t.Run("postgres", func(t *testing.T) { fn(t, storetest.PostgresURL(t)) })
}

func open(t *testing.T, dsn string, c *clock, raw map[string]string) *app.App {
	t.Helper()
	m := map[string]string{"db": dsn, "log-level": "error", "addr": "127.0.0.1:0", "authority-email": "body@authority.kz"}
	for k, v := range raw {
		m[k] = v
	}
	cfg := config.MustParse(m)
	cfg.FilesDir = t.TempDir()
	a, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), app.WithClock(c.Now))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

var staff = audit.Actor{Login: "admin", Role: "admin"}

func register(t *testing.T, a *app.App, c *clock, channel, module string) journal.Registration {
	t.Helper()
	at := c.Now()
	reg, err := a.Journal.Register(context.Background(), journal.Caller{Actor: staff}, journal.NewAppeal{Channel: channel, ReceivedAt: &at,
		Organization: "ТОО «Әлем»", BIN: "123456789013", ContactPhone: "+7 701 000 0000", ContactEmail: "user@alem.kz",
		Description: "Не подаётся заявка: қате шықты", Module: module}, "")
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func act(t *testing.T, a *app.App, id int64, in journal.TransitionInput) {
	t.Helper()
	if _, err := a.Journal.Transition(context.Background(), staff, id, in); err != nil {
		t.Fatalf("%s: %v", in.Action, err)
	}
}

// Q43: the daily analyses are made on working mornings, once per day,
// across restarts (a reopened desk finds what is stored) and holidays, on
// both backends; the figures are those of the Journal.
func TestQ43DailyOnceAcrossRestartsAndHolidays(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		c := &clock{t: local(2026, 12, 11, 11, 0)} // Friday
		a := open(t, dsn, c, nil)
		r1 := register(t, a, c, "email", "Договоры")
		c.add(10 * time.Minute)
		r2 := register(t, a, c, "phone", "Тендеры")
		act(t, a, r1.IncidentID, journal.TransitionInput{Action: journal.ActAnalyse})
		dep := true
		act(t, a, r1.IncidentID, journal.TransitionInput{Action: journal.ActConfirm, Criticality: vocab.Medium, OperatorDependent: &dep})
		_ = r2
		c.set(local(2026, 12, 12, 10, 0)) // Saturday: no morning
		// Friday's morning covered Thursday; Q44: the year's first run makes the previous year's information.
		if made, err := a.Analysis.RunOnce(ctx); err != nil || !slices.Equal(made, []string{"daily:2026-12-10", "annual:2025"}) {
			t.Fatalf("Q43 first run: %v %v", made, err)
		}
		a.Close()

		c.set(local(2026, 12, 14, 8, 30)) // Monday before the time: a restart finds Thursday's
		a = open(t, dsn, c, nil)
		if made, err := a.Analysis.RunOnce(ctx); err != nil || len(made) != 0 {
			t.Fatalf("Q43 restart before 09:00: %v %v", made, err)
		}
		c.set(local(2026, 12, 14, 9, 0))
		made, err := a.Analysis.RunOnce(ctx)
		if err != nil || !slices.Equal(made, []string{"daily:2026-12-11", "daily:2026-12-12", "daily:2026-12-13"}) {
			t.Fatalf("Q43 Monday: Friday, Saturday, Sunday: %v %v", made, err)
		}
		if made, _ := a.Analysis.RunOnce(ctx); len(made) != 0 {
			t.Fatalf("Q43 run again: %v", made)
		}
		a.Close()

		c.set(local(2026, 12, 16, 12, 0)) // Independence Day: no morning
		a = open(t, dsn, c, nil)
		defer a.Close()
		if made, _ := a.Analysis.RunOnce(ctx); !slices.Equal(made, []string{"daily:2026-12-14"}) {
			t.Fatalf("Q43 on the holiday only Tuesday's morning's due (Monday): %v", made)
		}
		c.set(local(2026, 12, 17, 9, 1))
		if made, _ := a.Analysis.RunOnce(ctx); !slices.Equal(made, []string{"daily:2026-12-15", "daily:2026-12-16"}) {
			t.Fatalf("Q43 the morning after the holiday: Tuesday and the holiday: %v", made)
		}

		st, err := a.Analysis.Get(ctx, "daily", "2026-12-11")
		if err != nil || st.GeneratedBy != "system" || st.Profile != "kz-quasi@2021" {
			t.Fatalf("Q43 stored: %+v %v", st, err)
		}
		var d analysis.Daily
		if err := json.Unmarshal(st.Body, &d); err != nil {
			t.Fatal(err)
		}
		if d.Appeals != 2 || d.Failures != 2 || len(d.Open) != 2 {
			t.Errorf("Q43 Friday's figures: %d appeals, %d failures, %d open", d.Appeals, d.Failures, len(d.Open))
		}
		levels := map[string]int{}
		for _, x := range d.ByLevel {
			levels[x.Key] = x.N
		}
		if levels["medium"] != 1 || levels["pending"] != 1 {
			t.Errorf("Q43 Friday by level: %v", d.ByLevel)
		}
		var sun analysis.Daily
		st, _ = a.Analysis.Get(ctx, "daily", "2026-12-13")
		_ = json.Unmarshal(st.Body, &sun)
		if sun.Appeals != 0 || len(sun.Open) != 2 {
			t.Errorf("Q43 Sunday: no appeals, both still open: %+v", sun)
		}
		// On request: a past day is made once (201 then 200), a future or
		// current day refused naming the field.
		if _, made, err := a.Analysis.Generate(ctx, staff, "daily", "2026-12-01"); err != nil || !made {
			t.Errorf("Q43 on request: %v %v", made, err)
		}
		if _, made, err := a.Analysis.Generate(ctx, staff, "daily", "2026-12-01"); err != nil || made {
			t.Errorf("Q43 on request again: %v %v", made, err)
		}
		var ae *apperr.Error
		if _, _, err := a.Analysis.Generate(ctx, staff, "daily", "2026-12-17"); !errors.As(err, &ae) || ae.Fields["date"] == "" {
			t.Errorf("Q43 today is not over: %v", err)
		}
	})
}

// Q43 with two desk processes on one database: each day is stored once.
func TestQ43TwoDesksOneDatabase(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		c := &clock{t: local(2026, 12, 7, 9, 30)} // Monday: Friday to Sunday due
		a, b := open(t, dsn, c, nil), open(t, dsn, c, nil)
		defer a.Close()
		defer b.Close()
		var wg sync.WaitGroup
		var ma, mb []string
		var ea, eb error
		for range 3 { // several looks each, racing
			wg.Add(2)
			go func() {
				defer wg.Done()
				m, err := a.Analysis.RunOnce(context.Background())
				ma, ea = append(ma, m...), errors.Join(ea, err)
			}()
			go func() {
				defer wg.Done()
				m, err := b.Analysis.RunOnce(context.Background())
				mb, eb = append(mb, m...), errors.Join(eb, err)
			}()
			wg.Wait()
		}
		if ea != nil || eb != nil {
			t.Fatal(ea, eb)
		}
		all := append(slices.Clone(ma), mb...)
		slices.Sort(all)
		if !slices.Equal(all, []string{"annual:2025", "daily:2026-12-04", "daily:2026-12-05", "daily:2026-12-06"}) {
			t.Fatalf("Q43 two desks: each day once in all: a %v, b %v", ma, mb)
		}
		list, err := a.Analysis.List(context.Background(), "daily", 10)
		if err != nil || len(list) != 3 {
			t.Fatalf("stored: %d %v", len(list), err)
		}
	})
}

// Q37.13: a high failure fixed on Friday has its written report drafted at
// the fix, due Monday at the same time; it is not sent without the parts
// the rule names; sent, it is queued to the authorized body and meets the
// authority_report clock. Q36.10: a medium failure's report has no term.
func TestQ37_13ReportDraftedAndSent(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		c := &clock{t: local(2026, 12, 4, 10, 0)} // Friday
		a := open(t, dsn, c, nil)
		defer a.Close()
		r := register(t, a, c, "email", "Аукционы")
		act(t, a, r.IncidentID, journal.TransitionInput{Action: journal.ActAnalyse})
		c.add(20 * time.Minute)
		started := local(2026, 12, 4, 9, 40)
		act(t, a, r.IncidentID, journal.TransitionInput{Action: journal.ActConfirm, Criticality: vocab.High, Cause: "operator_staff_error", FailureStartedAt: &started})
		act(t, a, r.IncidentID, journal.TransitionInput{Action: journal.ActStartFix})
		if _, err := a.Analysis.WrittenOf(ctx, r.IncidentID); err == nil {
			t.Fatal("Q37.13: no report before the fix")
		}
		c.set(local(2026, 12, 4, 15, 20))
		act(t, a, r.IncidentID, journal.TransitionInput{Action: journal.ActFix, Decision: "Откат обновления", Recommendations: "Проверка обновлений на стенде"})
		w, err := a.Analysis.WrittenOf(ctx, r.IncidentID)
		if err != nil {
			t.Fatal(err)
		}
		if w.Rule != "Q37.13" || w.Status != "draft" || w.Due == nil || !w.Due.Equal(local(2026, 12, 7, 15, 20)) {
			t.Fatalf("Q37.13 draft due Monday 15:20: %+v", w)
		}
		if w.Report.Cause != "неправомерные действия специалистов Оператора" || w.Report.Actions != "Откат обновления" || w.Report.Proposals == "" || w.Report.Summary == "" {
			t.Errorf("Q37.13 draft from the incident: %+v", w.Report)
		}
		empty := ""
		var ae *apperr.Error
		if _, err := a.Analysis.SendReport(ctx, staff, r.IncidentID, analysis.Edit{Actions: &empty, Version: w.Version}); !errors.As(err, &ae) || ae.Fields["actions"] == "" {
			t.Fatalf("Q37.13 without the actions: %v", err)
		}
		if _, err := a.Analysis.SendReport(ctx, staff, r.IncidentID, analysis.Edit{Version: w.Version + 1}); !errors.As(err, &ae) || ae.Code != apperr.Conflict {
			t.Fatalf("a stale version: %v", err)
		}
		c.set(local(2026, 12, 7, 11, 0))
		res := "Работа модуля восстановлена"
		w, err = a.Analysis.SendReport(ctx, staff, r.IncidentID, analysis.Edit{Result: &res, Version: w.Version})
		if err != nil || w.Status != "sent" || w.Late || w.Report.Result != res {
			t.Fatalf("Q37.13 sent in time: %+v %v", w, err)
		}
		views, err := a.Clocks.OfIncident(ctx, r.IncidentID)
		if err != nil {
			t.Fatal(err)
		}
		met := false
		for _, v := range views {
			if v.Clock == regulation.ClockAuthorityReport {
				met = v.State == "met" && v.MetAt != nil && v.MetAt.Equal(local(2026, 12, 7, 11, 0))
			}
		}
		if !met {
			t.Errorf("Q37.13 clock met at the sending: %+v", views)
		}
		var n int
		if err := a.DB.R.QueryRowContext(ctx, "SELECT count(*) FROM outbox WHERE kind = 'authority_report' AND to_address = 'body@authority.kz'").Scan(&n); err != nil || n != 1 {
			t.Errorf("Q37.13 queued to the authorized body: %d %v", n, err)
		}
		if _, err := a.Analysis.SendReport(ctx, staff, r.IncidentID, analysis.Edit{Version: w.Version}); !errors.As(err, &ae) || ae.Code != apperr.Conflict {
			t.Errorf("sent twice: %v", err)
		}
		// Q36.10: medium, no term in the text.
		c.set(local(2026, 12, 8, 10, 0))
		m := register(t, a, c, "email", "Договоры")
		act(t, a, m.IncidentID, journal.TransitionInput{Action: journal.ActAnalyse})
		act(t, a, m.IncidentID, journal.TransitionInput{Action: journal.ActConfirm, Criticality: vocab.Medium, Cause: "third_party_outage"})
		act(t, a, m.IncidentID, journal.TransitionInput{Action: journal.ActStartFix})
		c.add(time.Hour)
		act(t, a, m.IncidentID, journal.TransitionInput{Action: journal.ActFix, Decision: "Провайдер восстановил канал"})
		w, err = a.Analysis.WrittenOf(ctx, m.IncidentID)
		if err != nil || w.Rule != "Q36.10" || w.Due != nil || w.Late {
			t.Fatalf("Q36.10 draft without a term: %+v %v", w, err)
		}
		text := analysis.ReportText(w, "kk")
		for _, s := range []string{"Техникалық іркіліс туралы уәкілетті органға жазбаша хабарлау", "Қағидалардың 36-тармағының 10) тармақшасы", "Провайдер восстановил канал"} {
			if !strings.Contains(text, s) {
				t.Errorf("Q36.10 kk text lacks %q:\n%s", s, text)
			}
		}
		list, err := a.Analysis.Reports(ctx, 10)
		if err != nil || len(list) != 2 || list[0].Status != "draft" {
			t.Errorf("reports, drafts first: %+v %v", list, err)
		}
	})
}

// Q19: an appeal needing a legal assessment has 3 working days from its
// registration, to the end of that working day; sending meets the clock,
// the answer is recorded once, after sending.
func TestQ19LegalRequest(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		c := &clock{t: local(2026, 12, 14, 11, 0)} // Monday
		a := open(t, dsn, c, nil)
		defer a.Close()
		r := register(t, a, c, "letter", "Договоры")
		var ae *apperr.Error
		if _, err := a.Analysis.OpenLegal(ctx, staff, analysis.NewLegal{Appeal: r.Number}); !errors.As(err, &ae) || ae.Fields["question"] == "" {
			t.Fatalf("Q19 without the question: %v", err)
		}
		if _, err := a.Analysis.OpenLegal(ctx, staff, analysis.NewLegal{Appeal: "2026-999999", Question: "?"}); !errors.As(err, &ae) || ae.Code != apperr.NotFound {
			t.Fatalf("Q19 unknown appeal: %v", err)
		}
		l, err := a.Analysis.OpenLegal(ctx, staff, analysis.NewLegal{Appeal: r.Number, Question: "Вправе ли заказчик отменить закупку?"})
		if err != nil {
			t.Fatal(err)
		}
		// Registered Monday 14.12; 3 working days after: Tue 15, Thu 17 (16 a holiday), Fri 18 → 18:30 on Friday.
		if !l.Due.Equal(local(2026, 12, 18, 18, 30)) || l.Addressee != "authority" {
			t.Fatalf("Q19 due Friday 18.12 18:30: %+v", l)
		}
		if _, err := a.Analysis.OpenLegal(ctx, staff, analysis.NewLegal{Appeal: r.Number, Question: "ещё"}); !errors.As(err, &ae) || ae.Code != apperr.Conflict {
			t.Errorf("Q19 twice: %v", err)
		}
		if _, err := a.Analysis.LegalAnswer(ctx, staff, r.Number, "позиция"); !errors.As(err, &ae) || ae.Code != apperr.Conflict {
			t.Errorf("Q19 answer before sending: %v", err)
		}
		c.set(local(2026, 12, 17, 16, 0))
		if l, err = a.Analysis.LegalSent(ctx, staff, r.Number); err != nil || l.SentAt == nil || l.Late {
			t.Fatalf("Q19 sent: %+v %v", l, err)
		}
		views, _ := a.Clocks.OfIncident(ctx, r.IncidentID)
		met := false
		for _, v := range views {
			met = met || (v.Clock == regulation.ClockLegalForwarding && v.Appeal == r.Number && v.State == "met")
		}
		if !met {
			t.Errorf("Q19 clock met at the sending: %+v", views)
		}
		c.add(48 * time.Hour)
		if l, err = a.Analysis.LegalAnswer(ctx, staff, r.Number, "Вправе, по п. 12"); err != nil || l.Answer != "Вправе, по п. 12" || l.AnsweredAt == nil {
			t.Fatalf("Q19 answer: %+v %v", l, err)
		}
	})
}

// Q46: an authority user registers the letter the authorized body forwards
// on the authority channel, with the copy (scanned by clamd, Q26), through
// the API (no longer a 403); the appeal is priority (Q47) and the authority
// may ask about the incident (Q47 answer).
func TestQ46LetterRegisteredByAuthority(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		c := &clock{t: local(2026, 12, 14, 11, 0)}
		a := open(t, dsn, c, map[string]string{"clamd": clamdtest.Addr(t)})
		defer a.Close()
		if _, err := a.Auth.CreateUser(ctx, audit.System, auth.NewUser{Login: "body", Password: "password-of-body", Role: "authority"}); err != nil {
			t.Fatal(err)
		}
		tok, err := a.Auth.CreateToken(ctx, audit.System, "body", "test")
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(a.Web.Handler())
		defer srv.Close()
		call := func(method, path string, body any) (int, map[string]any, []byte) {
			var rd io.Reader
			if body != nil {
				b, _ := json.Marshal(body)
				rd = bytes.NewReader(b)
			}
			rq, _ := http.NewRequest(method, srv.URL+path, rd)
			rq.Header.Set("Authorization", "Bearer "+tok)
			rq.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(rq)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			var m map[string]any
			_ = json.Unmarshal(raw, &m)
			return resp.StatusCode, m, raw
		}
		pdf := []byte("%PDF-1.4 копия обращения ТОО «Әлем»")
		letter := map[string]any{"letter_ref": "№ 01-12/345 от 10.12.2026",
			"appeal": map[string]any{"organization": "ТОО «Әлем»", "bin": "123456789013", "contact_email": "user@alem.kz",
				"description": "Не удалось подать заявку из-за сбоя", "received_at": c.Now().Add(-time.Hour).Format(time.RFC3339)},
			"copy": map[string]any{"file_name": "обращение.pdf", "content_type": "application/pdf", "content": base64.StdEncoding.EncodeToString(pdf)}}
		code, m, raw := call("POST", "/api/v1/analysis/letters", letter)
		if code != http.StatusCreated || m["priority"] != true {
			t.Fatalf("Q46 authority registers the letter: %d %s", code, raw)
		}
		number := m["registration"].(map[string]any)["number"].(string)
		ap, err := a.Journal.Appeal(ctx, number)
		if err != nil || ap.Channel != "authority" || ap.Organization != "ТОО «Әлем»" {
			t.Fatalf("Q46 appeal on the authority channel: %+v %v", ap, err)
		}
		code, m, raw = call("GET", "/api/v1/analysis/letters/"+number, nil)
		if code != http.StatusOK || m["scan"] != "clean" || m["letter_ref"] != "№ 01-12/345 от 10.12.2026" {
			t.Fatalf("Q46 letter kept, scanned: %d %s", code, raw)
		}
		if code, _, raw = call("GET", "/api/v1/analysis/letters/"+number+"/copy", nil); code != http.StatusOK || !bytes.Equal(raw, pdf) {
			t.Fatalf("Q46 copy: %d %q", code, raw)
		}
		// A copy with the EICAR test string is kept, the appeal registered,
		// the copy not served (Q26; an appeal is never refused for the desk's reasons).
		eicar := `X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`
		letter["copy"] = map[string]any{"file_name": "virus.txt", "content": base64.StdEncoding.EncodeToString([]byte(eicar))}
		code, m, raw = call("POST", "/api/v1/analysis/letters", letter)
		if code != http.StatusCreated {
			t.Fatalf("Q46 infected copy: the appeal is still registered: %d %s", code, raw)
		}
		bad := m["registration"].(map[string]any)["number"].(string)
		if code, _, raw = call("GET", "/api/v1/analysis/letters/"+bad+"/copy", nil); code != http.StatusUnprocessableEntity {
			t.Errorf("Q26 infected copy served: %d %s", code, raw)
		}
		// Bad input names the fields.
		code, m, _ = call("POST", "/api/v1/analysis/letters", map[string]any{"appeal": map[string]any{"channel": "email"}, "copy": map[string]any{}})
		fields, _ := m["error"].(map[string]any)["fields"].(map[string]any)
		for _, f := range []string{"letter_ref", "appeal.channel", "copy.file_name", "copy.content"} {
			if code != http.StatusBadRequest || fields[f] == nil {
				t.Errorf("Q46 bad letter: %d, field %s not named: %v", code, f, m)
			}
		}
		// Q47: the authority asks about the incident; before confirmation
		// nothing is classified.
		code, m, raw = call("GET", "/api/v1/analysis/incidents/"+jsonNum(ap.IncidentID)+"/answer", nil)
		if code != http.StatusOK || m["confirmed"] != false || m["number"] == "" {
			t.Fatalf("Q47 answer: %d %s", code, raw)
		}
		// The authority reads, does not write.
		if code, _, _ = call("POST", "/api/v1/analysis/daily/2026-12-01", nil); code != http.StatusForbidden {
			t.Errorf("the authority makes no analyses: %d", code)
		}
	})
}

func jsonNum(n int64) string { b, _ := json.Marshal(n); return string(b) }
