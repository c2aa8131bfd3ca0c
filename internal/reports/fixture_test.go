package reports_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/console"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/reports"
	"tenderdesk/internal/store"
	"tenderdesk/internal/vocab"
)

var almaty, _ = time.LoadLocation("Asia/Almaty")

type clock struct{ ns atomic.Int64 }

func (c *clock) Now() time.Time  { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) Set(t time.Time) { c.ns.Store(t.UnixNano()) }

var operator = journal.Caller{Actor: audit.Actor{Login: "op", Role: "operator", ClientAddr: "127.0.0.1"}}

// The fixtures' organizations: Kazakh letters (ә ғ қ ң ө ұ ү һ і) and
// Russian, so every format is checked for both.
const (
	orgKK = "ТОО «Әділ Құрылыс Ғылым Өңдеу Ұлттық Үміт Һ-і»"
	orgRU = "АО «Щедрый Ёжик»"
	binKK = "990340005977"
	binRU = "123456789013"
)

// fixture is a Journal of five appeals on two profiles: a confirmed,
// fixed and closed operator-dependent medium failure with a decision and
// recommendations; a refuted one; and registered ones, over two days.
type fixture struct {
	db      *store.DB
	j       *journal.Service
	clk     *clock
	numbers []string
	svc     *reports.Service
	inc     []int64
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	c := &clock{}
	c.Set(time.Date(2026, 3, 2, 4, 0, 0, 0, time.UTC)) // Mon 2 March 2026, 09:00 in Astana (UTC+5)
	resolve := func(name string, at time.Time) (string, error) {
		switch name {
		case "", "kz-quasi", "kz-quasi@2021":
			return "kz-quasi@2021", nil
		case "kz-energy", "kz-energy@2025":
			return "kz-energy@2025", nil
		}
		return "", fmt.Errorf("unknown profile %q", name)
	}
	j := journal.New(db, c.Now, almaty, resolve, nil)
	t.Cleanup(j.Close)
	f := &fixture{db: db, j: j, clk: c}
	reg := func(at time.Time, n journal.NewAppeal) {
		t.Helper()
		c.Set(at)
		recv := at.Add(-5 * time.Minute)
		n.ReceivedAt = &recv
		if n.Description == "" {
			n.Description = "не открывается раздел «Договоры»"
		}
		r, err := j.Register(ctx, operator, n, "")
		if err != nil {
			t.Fatalf("register: %v %v", err, fieldsOf(err))
		}
		f.numbers = append(f.numbers, r.Number)
		f.inc = append(f.inc, r.IncidentID)
	}
	day1 := time.Date(2026, 3, 2, 5, 0, 0, 0, time.UTC)
	reg(day1, journal.NewAppeal{Channel: "email", Organization: orgKK, BIN: binKK, ContactEmail: "info@adil.kz"})
	reg(day1.Add(time.Hour), journal.NewAppeal{Channel: "phone", Organization: orgRU, BIN: binRU, ContactPhone: "+7 701 555 12 34"})
	reg(day1.Add(2*time.Hour), journal.NewAppeal{Channel: "email", Organization: orgKK, BIN: binKK, ContactEmail: "info@adil.kz", Profile: "kz-energy"})
	day2 := day1.AddDate(0, 0, 1)
	reg(day2, journal.NewAppeal{Channel: "cabinet", Organization: orgRU, BIN: binRU, ContactEmail: "ezh@example.kz"})
	reg(day2.Add(time.Hour), journal.NewAppeal{Channel: "letter", Organization: orgKK, BIN: binKK, ContactEmail: "info@adil.kz"})

	act := func(id int64, in journal.TransitionInput) {
		t.Helper()
		if _, err := j.Transition(ctx, operator.Actor, id, in); err != nil {
			t.Fatalf("%s: %v %v", in.Action, err, fieldsOf(err))
		}
	}
	c.Set(day2.Add(3 * time.Hour))
	yes := true
	started := day1.Add(-time.Hour)
	act(f.inc[0], journal.TransitionInput{Action: journal.ActAnalyse})
	act(f.inc[0], journal.TransitionInput{Action: journal.ActConfirm, Criticality: vocab.Medium, Cause: "operator_staff_error",
		OperatorDependent: &yes, FailureStartedAt: &started})
	act(f.inc[0], journal.TransitionInput{Action: journal.ActStartFix})
	fixed := day2.Add(2 * time.Hour)
	act(f.inc[0], journal.TransitionInput{Action: journal.ActFix, FixedAt: &fixed, Decision: "Сбой устранен, сроки приема заявок продлены",
		Recommendations: "Қайталанбауы үшін мониторингті күшейту; усилить мониторинг"})
	act(f.inc[0], journal.TransitionInput{Action: journal.ActClose})
	act(f.inc[1], journal.TransitionInput{Action: journal.ActAnalyse})
	act(f.inc[1], journal.TransitionInput{Action: journal.ActRefute, Note: "Ошибка настроек компьютера пользователя"})
	f.svc = &reports.Service{DB: db, Now: c.Now, Zone: almaty, Cause: console.CauseLabel}
	return f
}

// filter is a filter over the fixture's two days (and the days around).
func (f *fixture) filter(t *testing.T, q map[string]string) reports.Filter {
	t.Helper()
	if _, ok := q["from"]; !ok {
		q["from"] = "2026-03-01"
	}
	if _, ok := q["to"]; !ok {
		q["to"] = "2026-03-31"
	}
	fl, err := reports.ParseFilter(func(k string) string { return q[k] }, f.clk.Now(), almaty)
	if err != nil {
		t.Fatalf("%v %v", err, fieldsOf(err))
	}
	return fl
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func itoa(n int) string { return fmt.Sprint(n) }

func fieldsOf(err error) map[string]string {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return ae.Fields
	}
	return nil
}
