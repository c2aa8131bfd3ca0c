package journal_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

var almaty, _ = time.LoadLocation("Asia/Almaty")

// clock is a settable clock safe for concurrent use.
type clock struct{ ns atomic.Int64 }

func (c *clock) Now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) Set(t time.Time)     { c.ns.Store(t.UnixNano()) }
func (c *clock) Add(d time.Duration) { c.ns.Add(int64(d)) }

func newService(t *testing.T, db *store.DB, start time.Time) (*journal.Service, *clock) {
	c := &clock{}
	c.Set(start)
	resolve := func(name string, at time.Time) (string, error) {
		switch name {
		case "", "kz-quasi", "kz-quasi@2021":
			return "kz-quasi@2021", nil
		}
		return "", fmt.Errorf("unknown profile %q", name)
	}
	s := journal.New(db, c.Now, almaty, resolve, nil)
	t.Cleanup(s.Close)
	return s, c
}

var operator = journal.Caller{Actor: audit.Actor{Login: "op", Role: "operator", ClientAddr: "127.0.0.1"}}

func appeal(desc string, received time.Time) journal.NewAppeal {
	return journal.NewAppeal{Channel: "phone", ReceivedAt: &received, Organization: "ТОО «Сауда»", BIN: "123456789013",
		ContactPhone: "+7 701 123 45 67", Description: desc, Announcements: []string{"1234567-1"}, Lots: []string{"1234567-ЗЦП1"}}
}

func mustRegister(t *testing.T, s *journal.Service, n journal.NewAppeal) journal.Registration {
	t.Helper()
	r, err := s.Register(context.Background(), operator, n, "")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Numbers are YYYY-NNNNNN, gap-free per year of the desk's zone: an appeal
// registered at 19:30 UTC on 31 December is already in the next year in
// Astana (UTC+5).
func TestNumberingPerLocalYear(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		s, c := newService(t, db, time.Date(2026, 12, 31, 18, 0, 0, 0, time.UTC))
		recv := c.Now().Add(-time.Minute)
		var got []string
		got = append(got, mustRegister(t, s, appeal("a", recv)).Number, mustRegister(t, s, appeal("b", recv)).Number)
		c.Set(time.Date(2026, 12, 31, 19, 30, 0, 0, time.UTC)) // 00:30 on 1 Jan 2027 in Astana
		got = append(got, mustRegister(t, s, appeal("c", recv)).Number, mustRegister(t, s, appeal("d", recv)).Number)
		want := []string{"2026-000001", "2026-000002", "2027-000001", "2027-000002"}
		if !slices.Equal(got, want) {
			t.Fatalf("numbers %v, want %v", got, want)
		}
	})
}

// Defect 10: a failure has its own number, TF-YYYY-NNNN, gap-free per year
// of the desk's zone like appeal numbers and never one of them; an appeal
// attached to it carries it, and so do the incident and the Journal.
func TestIncidentNumbers(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, c := newService(t, db, time.Date(2026, 12, 31, 18, 0, 0, 0, time.UTC))
		recv := c.Now().Add(-time.Minute)
		a := mustRegister(t, s, appeal("a", recv))
		attached := appeal("b", recv)
		attached.IncidentID = a.IncidentID
		b := mustRegister(t, s, attached)
		cc := mustRegister(t, s, appeal("c", recv))
		c.Set(time.Date(2026, 12, 31, 19, 30, 0, 0, time.UTC)) // 00:30 on 1 Jan 2027 in Astana
		d := mustRegister(t, s, appeal("d", recv))
		got := []string{a.IncidentNumber, b.IncidentNumber, cc.IncidentNumber, d.IncidentNumber}
		want := []string{"TF-2026-0001", "TF-2026-0001", "TF-2026-0002", "TF-2027-0001"}
		if !slices.Equal(got, want) {
			t.Fatalf("incident numbers %v, want %v", got, want)
		}
		inc, err := s.Incident(ctx, a.IncidentID)
		if err != nil || inc.Number != "TF-2026-0001" || inc.Appeals[1].IncidentNumber != "TF-2026-0001" {
			t.Fatalf("incident view: %q %+v %v", inc.Number, inc.Appeals, err)
		}
		if ap, err := s.Appeal(ctx, d.Number); err != nil || ap.IncidentNumber != "TF-2027-0001" {
			t.Fatalf("appeal: %+v %v", ap, err)
		}
	})
}

// Migration 0009 numbers the incidents that existed before it, in id order
// per year, and starts the counter after them (both dialects).
func TestIncidentNumberMigrationBackfills(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, c := newService(t, db, time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC))
		recv := c.Now().Add(-time.Minute)
		a, b := mustRegister(t, s, appeal("a", recv)), mustRegister(t, s, appeal("b", recv))
		// Back to the schema before 0009, then apply it as the upgrade would.
		for _, q := range []string{"DROP INDEX incidents_number", "ALTER TABLE incidents DROP COLUMN number", "DROP TABLE incident_counters"} {
			if _, err := db.W.ExecContext(ctx, q); err != nil {
				t.Fatal(q, err)
			}
		}
		ms, err := store.Migrations(db.Dialect)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(ms, func(m store.Migration) bool { return m.Name == "incident_number" })
		if i < 0 {
			t.Fatal("no migration incident_number")
		}
		tx, err := db.W.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, ms[i].SQL); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		next := mustRegister(t, s, appeal("c", recv))
		var got []string
		for _, id := range []int64{a.IncidentID, b.IncidentID, next.IncidentID} {
			inc, err := s.Incident(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, inc.Number)
		}
		if want := []string{"TF-2026-0001", "TF-2026-0002", "TF-2026-0003"}; !slices.Equal(got, want) {
			t.Fatalf("numbers after the migration %v, want %v", got, want)
		}
	})
}

// A registration that fails inside a shared commit (attaching to a closed
// incident) rolls back to its savepoint: its neighbours commit and the
// numbering stays gap-free.
func TestGroupCommitIsolatesFailures(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		s, c := newService(t, db, time.Date(2026, 11, 20, 5, 0, 0, 0, time.UTC))
		ctx := context.Background()
		recv := c.Now().Add(-time.Minute)
		first := mustRegister(t, s, appeal("закрытый", recv))
		for _, a := range []journal.Action{journal.ActAnalyse, journal.ActRefute, journal.ActClose} {
			if _, err := s.Transition(ctx, operator.Actor, first.IncidentID, journal.TransitionInput{Action: a, Note: "не подтвердилось"}); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		var numbers []string
		var conflicts int
		for i := 0; i < 200; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				n := appeal(fmt.Sprintf("обращение %d", i), recv)
				if i%5 == 0 {
					n.IncidentID = first.IncidentID // closed: must fail
				}
				r, err := s.Register(ctx, operator, n, "")
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					numbers = append(numbers, r.Number)
				case apperr.CodeOf(err) == apperr.Conflict:
					conflicts++
				default:
					t.Error(err)
				}
			}(i)
		}
		wg.Wait()
		if conflicts != 40 || len(numbers) != 160 {
			t.Fatalf("%d registered, %d conflicts; want 160 and 40", len(numbers), conflicts)
		}
		slices.Sort(numbers)
		for i, n := range numbers {
			if want := fmt.Sprintf("2026-%06d", i+2); n != want {
				t.Fatalf("number %d is %s, want %s (gap or duplicate)", i, n, want)
			}
		}
		if n, err := audit.Verify(ctx, db); err != nil || n != 164 { // 161 registrations + 3 transitions
			t.Fatalf("audit: %d records, %v", n, err)
		}
	})
}

func TestIdempotencyKey(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		s, c := newService(t, db, time.Date(2026, 11, 20, 5, 0, 0, 0, time.UTC))
		ctx := context.Background()
		n := appeal("дубль", c.Now())
		r1, err := s.Register(ctx, operator, n, "key-1")
		if err != nil {
			t.Fatal(err)
		}
		r2, err := s.Register(ctx, operator, n, "key-1")
		if err != nil || r2.Number != r1.Number || !r2.Replayed {
			t.Fatalf("retry: %+v, %v; want %s replayed", r2, err, r1.Number)
		}
		n.Description = "другое"
		if _, err := s.Register(ctx, operator, n, "key-1"); apperr.CodeOf(err) != apperr.Unprocessable {
			t.Fatalf("same key, other body: %v, want unprocessable", err)
		}
		r3, err := s.Register(ctx, operator, n, "key-2")
		if err != nil || r3.Number == r1.Number {
			t.Fatalf("new key: %+v, %v", r3, err)
		}
	})
}

// Q38: appeals about the same failure attach to one incident, which keeps
// the registration time of its first appeal; an emptied incident is merged.
func TestMergeKeepsFirstRegistration(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, c := newService(t, db, time.Date(2026, 11, 20, 4, 0, 0, 0, time.UTC))
		early := mustRegister(t, s, appeal("сбой подписания", c.Now()))
		t0 := c.Now()
		c.Add(2 * time.Hour)
		late := mustRegister(t, s, appeal("не подписывается договор", c.Now()))
		inc, err := s.Merge(ctx, operator.Actor, early.Number, late.IncidentID)
		if err != nil {
			t.Fatal(err)
		}
		if !inc.FirstRegisteredAt.Equal(t0) {
			t.Fatalf("first registration %v, want %v", inc.FirstRegisteredAt, t0)
		}
		v, err := s.Incident(ctx, late.IncidentID)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Appeals) != 2 || v.Appeals[0].Number != early.Number {
			t.Fatalf("appeals %+v", v.Appeals)
		}
		src, err := s.Incident(ctx, early.IncidentID)
		if err != nil {
			t.Fatal(err)
		}
		if src.State != journal.Merged || src.MergedInto == nil || *src.MergedInto != late.IncidentID {
			t.Fatalf("source incident: %s into %v", src.State, src.MergedInto)
		}
		if _, err := s.Merge(ctx, operator.Actor, early.Number, early.IncidentID); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("merge into a merged incident: %v, want conflict", err)
		}
	})
}

// Full text works for Russian and Kazakh on both backends: case folds
// (including Kazakh letters), words match by prefix, all words must match.
func TestListSearchAndPaging(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, c := newService(t, db, time.Date(2026, 11, 20, 4, 0, 0, 0, time.UTC))
		texts := []string{
			"Портал не принимает заявку: ошибка подписи ЭЦП",
			"Жүйеде ҚАТЕ: өтінім қабылданбайды",
			"Аукцион остановился, второй раунд недоступен",
			"Договор не подписывается",
		}
		for _, d := range texts {
			mustRegister(t, s, appeal(d, c.Now()))
			c.Add(time.Minute)
		}
		for q, want := range map[string][]string{
			"заявк":           {texts[0]},
			"ЭЦП ошибка":      {texts[0]},
			"қате":            {texts[1]},
			"ӨТІНІМ":          {texts[1]},
			"не":              {texts[3], texts[2], texts[0]}, // "не", "недоступен"; newest first
			"аукцион договор": {},
			"!!!":             {},
		} {
			p, err := s.List(ctx, journal.Filter{Query: q})
			if err != nil {
				t.Fatal(q, err)
			}
			var got []string
			for _, r := range p.Rows {
				got = append(got, r.Description)
			}
			if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Errorf("q=%q: %q, want %q", q, got, want)
			}
			// the queue's urgent order and a period match the same rows, both
			// through a rare word's list of matches and row by row (issue 10;
			// PostgreSQL's urgent order: through the GIN index, or by the
			// tsvector of each row when the newest appeals say the word is common)
			for _, few := range []int{2000, 0} {
				restore := journal.SetFewMatchesCapSQLite(few)
				restoreCommon := journal.SetCommonMinPostgres(map[int]int{2000: 1 << 30, 0: 1}[few])
				for _, f := range []journal.Filter{{Query: q, Urgent: true}, {Query: q, From: c.Now().Add(-time.Hour), To: c.Now().Add(time.Hour)}} {
					p, err := s.List(ctx, f)
					if err != nil {
						t.Fatal(q, err)
					}
					var other []string
					for _, r := range p.Rows {
						other = append(other, r.Description)
					}
					slices.Sort(other)
					sorted := slices.Sorted(slices.Values(want))
					if !slices.Equal(other, sorted) && !(len(other) == 0 && len(want) == 0) {
						t.Errorf("q=%q urgent=%v cap %d: %q, want %q", q, f.Urgent, few, other, sorted)
					}
				}
				restore()
				restoreCommon()
			}
		}
		// Keyset paging over 4 rows, 3 per page: every row once.
		p1, err := s.List(ctx, journal.Filter{Limit: 3})
		if err != nil || len(p1.Rows) != 3 || p1.Next == "" {
			t.Fatalf("page 1: %d rows, next %q, %v", len(p1.Rows), p1.Next, err)
		}
		p2, err := s.List(ctx, journal.Filter{Limit: 3, After: p1.Next})
		if err != nil || len(p2.Rows) != 1 || p2.Next != "" {
			t.Fatalf("page 2: %d rows, next %q, %v", len(p2.Rows), p2.Next, err)
		}
		if p2.Rows[0].Description != texts[0] {
			t.Fatalf("last row %q", p2.Rows[0].Description)
		}
		if _, err := s.List(ctx, journal.Filter{Criticality: "severe"}); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("bad filter: %v", err)
		}
	})
}

// hook records an audit entry per event and fails registrations whose
// description says so.
type hook struct{}

func (hook) AppealRegistered(ctx context.Context, tx journal.HookTx, a journal.Appeal, newIncident bool) error {
	if a.Description == "hook fails" {
		return apperr.New(apperr.Conflict, "hook refused")
	}
	return tx.Audit(ctx, audit.System, audit.Entry{Action: "test.registered", ObjectType: "appeal", ObjectID: a.Number})
}

func (hook) IncidentChanged(ctx context.Context, tx journal.HookTx, act journal.Action, by audit.Actor, before, after journal.Incident) error {
	return tx.Audit(ctx, audit.System, audit.Entry{Action: "test." + string(act), ObjectType: "incident", ObjectID: fmt.Sprint(after.ID)})
}

// What a hook writes commits with the event; a failing hook fails its own
// event only, and the audit chain stays intact (hooks share the batch's chain).
func TestHooksAreAtomicWithTheEvent(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, c := newService(t, db, time.Date(2026, 11, 20, 4, 0, 0, 0, time.UTC))
		s.AddHooks(hook{})
		var wg sync.WaitGroup
		var failed atomic.Int32
		for i := 0; i < 30; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				d := fmt.Sprintf("обращение %d", i)
				if i%3 == 0 {
					d = "hook fails"
				}
				if _, err := s.Register(ctx, operator, appeal(d, c.Now()), ""); err != nil {
					failed.Add(1)
				}
			}(i)
		}
		wg.Wait()
		r := mustRegister(t, s, appeal("последнее", c.Now()))
		if _, err := s.Transition(ctx, operator.Actor, r.IncidentID, journal.TransitionInput{Action: journal.ActAnalyse}); err != nil {
			t.Fatal(err)
		}
		if failed.Load() != 10 {
			t.Fatalf("%d failed, want 10", failed.Load())
		}
		// 21 registrations × (register + hook) + transition × (incident + hook).
		if n, err := audit.Verify(ctx, db); err != nil || n != 21*2+2 {
			t.Fatalf("audit: %d records, %v; want %d", n, err, 21*2+2)
		}
		var appeals int
		db.R.QueryRow("SELECT count(*) FROM appeals").Scan(&appeals)
		if appeals != 21 || r.Number != "2026-000021" {
			t.Fatalf("%d appeals, last number %s; want 21 and 2026-000021", appeals, r.Number)
		}
	})
}
