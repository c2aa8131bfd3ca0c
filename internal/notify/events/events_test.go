package events_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/notify/events"
	"tenderdesk/internal/notify/templates"
	"tenderdesk/internal/regulation"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

// row is an outbox row as the matrix test reads it.
type row struct {
	Event, Recipient, Kind, Lang string
	Data                         templates.Data
	Due                          time.Time
}

func outbox(t *testing.T, db *store.DB, prefix string) map[string]row {
	t.Helper()
	rs, err := db.R.Query("SELECT event, recipient, kind, lang, data, due_by FROM outbox WHERE event LIKE $1 || '%' ORDER BY id", prefix)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	out := map[string]row{}
	for rs.Next() {
		var r row
		var data string
		var due store.Time
		if err := rs.Scan(&r.Event, &r.Recipient, &r.Kind, &r.Lang, &data, &due); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(data), &r.Data); err != nil {
			t.Fatal(err)
		}
		r.Due = due.Time
		out[r.Event+" → "+r.Recipient] = r
	}
	return out
}

func keys(m map[string]row) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// want asserts the rows are exactly these (event → recipient: kind, due).
func want(t *testing.T, got map[string]row, rows map[string]string) {
	t.Helper()
	if len(got) != len(rows) {
		t.Errorf("got rows %q, want %d rows", keys(got), len(rows))
	}
	for k, spec := range rows {
		r, ok := got[k]
		if !ok {
			t.Errorf("missing %s", k)
			continue
		}
		kind, due, _ := strings.Cut(spec, " due ")
		if r.Kind != kind {
			t.Errorf("%s: kind %s, want %s", k, r.Kind, kind)
		}
		wantDue := ""
		if due != "" {
			wantDue = due
		}
		gotDue := ""
		if !r.Due.IsZero() {
			gotDue = r.Due.UTC().Format("15:04")
		}
		if gotDue != wantDue {
			t.Errorf("%s: due %q, want %q", k, gotDue, wantDue)
		}
	}
}

// Monday 2 February 2026, 10:10 in Astana (UTC+5): working time.
var now = time.Date(2026, 2, 2, 5, 10, 0, 0, time.UTC)

func ptr(t time.Time) *time.Time { return &t }

// The notification matrix of docs/notifications.md, through the Journal's
// hooks: who gets what for each event, with its term (due_by, UTC).
func TestNotificationMatrix(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := func() time.Time { return now }
		users := auth.New(db, clock)
		for _, u := range []auth.NewUser{
			{Login: "alfa", Role: "applicant", BIN: "123456789013", Organization: "ТОО «Альфа»", Language: "kk", Password: "password-alfa-1"},
			{Login: "ministry", Role: "authority", Email: "person@authority.kz", Language: "ru", Password: "password-ministry-1"},
			{Login: "a2user", Role: "operator", Email: "A2@example.kz", Language: "en", Password: "password-a2user-1"},
		} {
			if _, err := users.CreateUser(ctx, audit.System, u); err != nil {
				t.Fatal(err)
			}
		}
		resolve := func(name string, at time.Time) (string, error) {
			if name == "" {
				name = "kz-quasi"
			}
			p, err := regulation.Resolve(name, at)
			if err != nil {
				return "", err
			}
			return p.ID(), nil
		}
		zone, _ := time.LoadLocation("Asia/Almaty")
		j := journal.New(db, clock, zone, resolve, nil)
		defer j.Close()
		j.AddHooks(events.New(events.Config{Domain: "desk.test", AuthorityEmail: "body@authority.kz", AuthoritySecurityEmail: "infosec@authority.kz"}))
		register := func(n journal.NewAppeal) journal.Registration {
			t.Helper()
			n.ReceivedAt = ptr(now.Add(-5 * time.Minute))
			if n.Description == "" {
				n.Description = "Не подписывается договор"
			}
			r, err := j.Register(ctx, journal.Caller{Actor: audit.System}, n, "")
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		r1 := register(journal.NewAppeal{Channel: "email", ContactEmail: "a1@example.kz", BIN: "123456789013", SourceMessageID: "orig-1@mail.example.kz"})
		r2 := register(journal.NewAppeal{Channel: "email", ContactEmail: "a2@example.kz", IncidentID: r1.IncidentID})
		r3 := register(journal.NewAppeal{Channel: "email", ContactEmail: "r@example.ru", Profile: "ru-khmao-goszakaz"})
		r4 := register(journal.NewAppeal{Channel: "phone", ContactPhone: "+7 701 000 0000"})

		// Registration (Q30: 1 working hour → 11:10 Astana = 06:10 UTC; R5 has no term).
		got := outbox(t, db, "appeal.registered:")
		want(t, got, map[string]string{
			events.Registered(r1.Number) + " → email:a1@example.kz": "registered due 06:10",
			events.Registered(r1.Number) + " → user:1":              "registered",
			events.Registered(r2.Number) + " → email:a2@example.kz": "registered due 06:10",
			events.Registered(r3.Number) + " → email:r@example.ru":  "registered",
		})
		var thread string
		if err := db.R.QueryRow("SELECT in_reply_to FROM outbox WHERE event = $1 AND channel = 'email'", events.Registered(r1.Number)).Scan(&thread); err != nil || thread != "orig-1@mail.example.kz" {
			t.Errorf("the registration notice does not thread under the reporter's email: %q %v", thread, err)
		}
		if r := got[events.Registered(r1.Number)+" → user:1"]; r.Lang != "kk" || r.Data.Number != r1.Number {
			t.Errorf("cabinet row: %+v", r)
		}
		if r := got[events.Registered(r2.Number)+" → email:a2@example.kz"]; r.Lang != "en" || r.Data.IncidentNumber != events.IncidentLabel(r1.IncidentID) {
			t.Errorf("attached appeal: language of the reporter's account, incident named: %+v", r)
		}
		if r := got[events.Registered(r3.Number)+" → email:r@example.ru"]; !r.Data.SectionMissing || len(r.Data.Sections) == 0 || r.Data.Zone != "Asia/Yekaterinburg" {
			t.Errorf("R2: the reply asks for the System section: %+v", r.Data)
		}
		_ = r4 // phone only: nothing to send by mail, and no cabinet (no BIN)

		// Confirmation, medium (Q36.2: 1 working hour; Q37.1/Q42 at once), then a re-plan and the fix.
		tr := func(id int64, in journal.TransitionInput) {
			t.Helper()
			if _, err := j.Transition(ctx, audit.System, id, in); err != nil {
				t.Fatal(err)
			}
		}
		tr(r1.IncidentID, journal.TransitionInput{Action: journal.ActAnalyse})
		tr(r1.IncidentID, journal.TransitionInput{Action: journal.ActConfirm, Criticality: "medium", Cause: "operator_staff_error",
			FailureStartedAt: ptr(now.Add(-time.Hour)), PlannedFixAt: ptr(now.Add(3 * time.Hour)), Modules: []string{"tenders"}})
		inc := fmt.Sprint(r1.IncidentID)
		want(t, outbox(t, db, "appeal.level:"), map[string]string{
			events.LevelPlanned(r1.Number) + " → email:a1@example.kz": "level_planned due 06:10",
			events.LevelPlanned(r1.Number) + " → user:1":              "level_planned",
			events.LevelPlanned(r2.Number) + " → email:a2@example.kz": "level_planned due 06:10",
		})
		auth := outbox(t, db, "incident.authority_notice:")
		want(t, auth, map[string]string{
			events.AuthorityNotice(r1.IncidentID) + " → email:body@authority.kz":    "authority_notice due 05:10",
			events.AuthorityNotice(r1.IncidentID) + " → email:infosec@authority.kz": "authority_notice due 05:10",
			events.AuthorityNotice(r1.IncidentID) + " → user:2":                     "authority_notice",
		})
		if d := auth[events.AuthorityNotice(r1.IncidentID)+" → email:body@authority.kz"].Data; d.Number != "INC-"+inc || d.Level != "medium" || d.Modules != "tenders" {
			t.Errorf("authority notice data: %+v", d)
		}
		// A duplicate report merged into the confirmed incident: its reporter is told the level; nobody else again.
		r5 := register(journal.NewAppeal{Channel: "email", ContactEmail: "late@example.kz"})
		if _, err := j.Merge(ctx, audit.System, r5.Number, r1.IncidentID); err != nil {
			t.Fatal(err)
		}
		if got := outbox(t, db, "appeal.level:"); len(got) != 4 || got[events.LevelPlanned(r5.Number)+" → email:late@example.kz"].Kind != "level_planned" {
			t.Errorf("after merge: %q", keys(got))
		}
		if got := outbox(t, db, "incident.authority_notice:"); len(got) != 3 {
			t.Errorf("a merge re-sent the authority notice: %q", keys(got))
		}
		tr(r1.IncidentID, journal.TransitionInput{Action: journal.ActStartFix, PlannedFixAt: ptr(now.Add(5 * time.Hour))})
		replan := outbox(t, db, "appeal.level:"+r1.Number+":v")
		if len(outbox(t, db, "appeal.level:"+r5.Number+":v")) != 1 { // email only: no BIN
			t.Errorf("the merged appeal's reporter missed the re-plan")
		}
		if len(replan) != 2 { // email and cabinet of appeal 1
			t.Errorf("re-plan: %q", keys(replan))
		}
		for _, r := range replan {
			if !r.Data.Changed {
				t.Errorf("re-plan not marked changed: %+v", r)
			}
		}
		tr(r1.IncidentID, journal.TransitionInput{Action: journal.ActFix, Decision: "Перезапущен сервис подписи"})
		want(t, outbox(t, db, "appeal.fixed:"), map[string]string{
			events.Fixed(r1.Number) + " → email:a1@example.kz":   "fixed",
			events.Fixed(r1.Number) + " → user:1":                "fixed",
			events.Fixed(r2.Number) + " → email:a2@example.kz":   "fixed",
			events.Fixed(r5.Number) + " → email:late@example.kz": "fixed",
		})

		// Refutation (Q32: 30 working minutes), with the reasons given.
		tr(r3.IncidentID, journal.TransitionInput{Action: journal.ActAnalyse})
		tr(r3.IncidentID, journal.TransitionInput{Action: journal.ActRefute, Note: "Ошибка в настройках браузера пользователя"})
		ref := outbox(t, db, "appeal.refuted:")
		want(t, ref, map[string]string{events.Refuted(r3.Number) + " → email:r@example.ru": "refuted"})
		if r := ref[events.Refuted(r3.Number)+" → email:r@example.ru"]; !strings.Contains(r.Data.Reason, "браузера") {
			t.Errorf("refutation without its reasons: %+v", r.Data)
		}
		// R1–R5 (Russian profile): closing sends the specialist's description
		// of the cause and the actions to the requester; the Kazakh profiles
		// prescribe no closing notice.
		tr(r3.IncidentID, journal.TransitionInput{Action: journal.ActClose, Note: "Причина: устаревший браузер",
			Decision: "Даны указания по настройке браузера", Recommendations: "Обновить браузер"})
		tr(r1.IncidentID, journal.TransitionInput{Action: journal.ActClose})
		closed := outbox(t, db, "appeal.closed:")
		want(t, closed, map[string]string{events.Closed(r3.Number) + " → email:r@example.ru": "closed"})
		if d := closed[events.Closed(r3.Number)+" → email:r@example.ru"].Data; d.Cause != "Причина: устаревший браузер" ||
			d.Actions != "Даны указания по настройке браузера" || d.Proposals != "Обновить браузер" {
			t.Errorf("R5: the closing notice carries the cause and the actions: %+v", d)
		}
		tr(r4.IncidentID, journal.TransitionInput{Action: journal.ActAnalyse})
		tr(r4.IncidentID, journal.TransitionInput{Action: journal.ActConfirm, Criticality: "low", OperatorDependent: new(bool)})
		if got := outbox(t, db, events.LevelPlanned(r4.Number)); len(got) != 0 {
			t.Errorf("a phone-only appeal without BIN has nobody to write to: %q", keys(got))
		}
	})
}

// The clocks' contract: which event's delivery meets which notice clock.
func TestNoticeEvent(t *testing.T) {
	for clock, want := range map[string]string{
		regulation.ClockIncidentIDNotice:     "appeal.registered:2026-000001",
		regulation.ClockRefutationNotice:     "appeal.refuted:2026-000001",
		regulation.ClockLowNotice:            "appeal.level:2026-000001",
		regulation.ClockMediumSupplierNotice: "appeal.level:2026-000001",
		regulation.ClockHighPublicNotice:     "",
		regulation.ClockResolution:           "",
	} {
		got, ok := events.NoticeEvent(clock, "2026-000001")
		if got != want || ok != (want != "") {
			t.Errorf("%s: %q %v, want %q", clock, got, ok, want)
		}
	}
}
