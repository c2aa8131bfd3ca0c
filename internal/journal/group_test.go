package journal_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

// probeHook writes like the real hooks (clocks, outbox, access code): three
// rows per appeal and an audit record, then reads its own rows back in the
// transaction. It fails an appeal two ways: by returning an error after
// writing ("hook fails"), or by a row the database refuses
// ("duplicate row"): on PostgreSQL that INSERT is deferred by the group's
// pipeline and its error shows only at the flush.
type probeHook struct{}

func (probeHook) AppealRegistered(ctx context.Context, tx journal.HookTx, a journal.Appeal, _ bool) error {
	for i := range 3 {
		if _, err := tx.ExecContext(ctx, "INSERT INTO group_probe (number, i) VALUES ($1, $2)", a.Number, i); err != nil {
			return err
		}
	}
	if err := tx.Audit(ctx, audit.System, audit.Entry{Action: "test.probe", ObjectType: "appeal", ObjectID: a.Number}); err != nil {
		return err
	}
	// What this transaction wrote is visible to its own next query
	// (the pipeline flushes before it).
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM group_probe WHERE number = $1", a.Number).Scan(&n); err != nil {
		return err
	}
	if n != 3 {
		return fmt.Errorf("the hook sees %d of its 3 rows", n)
	}
	switch {
	case strings.HasPrefix(a.Description, "hook fails"):
		return apperr.New(apperr.Conflict, "hook refused")
	case strings.HasPrefix(a.Description, "duplicate row"):
		// group_unique already has key 1: refused by the database. No
		// query follows in this hook, so on PostgreSQL the error shows
		// at a later flush (the next appeal's, or the commit's).
		_, err := tx.ExecContext(ctx, "INSERT INTO group_unique (k) VALUES (1)")
		return err
	}
	return nil
}

func (probeHook) IncidentChanged(context.Context, journal.HookTx, journal.Action, audit.Actor, journal.Incident, journal.Incident) error {
	return nil
}

func probeTables(t *testing.T, db *store.DB) {
	t.Helper()
	for _, q := range []string{"CREATE TABLE group_probe (number TEXT NOT NULL, i INTEGER NOT NULL)",
		"CREATE TABLE group_unique (k INTEGER PRIMARY KEY)", "INSERT INTO group_unique (k) VALUES (1)"} {
		if _, err := db.W.ExecContext(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
}

// Issue 15: a group commit writes every hook's rows in the appeal's
// transaction, pipelined on PostgreSQL. An appeal whose hook fails, or one
// of whose deferred statements the database refuses, is registered not at
// all (no appeal, no hook rows, no audit record, no number taken); the rest
// of its group is registered whole; numbers stay gap-free and the audit
// chain verifies.
func TestGroupCommitAllOrNothingPerAppeal(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		probeTables(t, db)
		s, c := newService(t, db, time.Date(2026, 11, 20, 4, 0, 0, 0, time.UTC))
		s.AddHooks(probeHook{})
		const total = 120
		var wg sync.WaitGroup
		var mu sync.Mutex
		var ok []journal.Registration
		failed := map[string]error{}
		for i := range total {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				d := fmt.Sprintf("обращение %d", i)
				switch i % 6 {
				case 1:
					d = fmt.Sprintf("hook fails %d", i)
				case 4:
					d = fmt.Sprintf("duplicate row %d", i)
				}
				r, err := s.Register(ctx, operator, appeal(d, c.Now()), "")
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					failed[d] = err
				} else {
					ok = append(ok, r)
				}
			}(i)
		}
		wg.Wait()
		if len(failed) != total/3 || len(ok) != total-total/3 {
			t.Fatalf("%d registered, %d failed; want %d and %d", len(ok), len(failed), total-total/3, total/3)
		}
		for d, err := range failed {
			if !strings.HasPrefix(d, "hook fails") && !strings.HasPrefix(d, "duplicate row") {
				t.Fatalf("%q failed: %v", d, err)
			}
			if strings.HasPrefix(d, "hook fails") && apperr.CodeOf(err) != apperr.Conflict {
				t.Fatalf("%q: the hook's own error is not the answer: %v", d, err)
			}
		}
		// Nothing of a failed appeal, everything of the others.
		var appeals, probes, strays int
		db.R.QueryRowContext(ctx, "SELECT count(*) FROM appeals").Scan(&appeals)
		db.R.QueryRowContext(ctx, "SELECT count(*) FROM group_probe").Scan(&probes)
		db.R.QueryRowContext(ctx, "SELECT count(*) FROM group_probe p WHERE NOT EXISTS (SELECT 1 FROM appeals a WHERE a.number = p.number)").Scan(&strays)
		if appeals != len(ok) || probes != 3*len(ok) || strays != 0 {
			t.Fatalf("%d appeals, %d hook rows (%d of no appeal); want %d and %d", appeals, probes, strays, len(ok), 3*len(ok))
		}
		var fails int
		db.R.QueryRowContext(ctx, "SELECT count(*) FROM appeals WHERE description LIKE 'hook fails%' OR description LIKE 'duplicate row%'").Scan(&fails)
		if fails != 0 {
			t.Fatalf("%d failed appeals are in the Journal", fails)
		}
		var nums, incs []string
		for _, r := range ok {
			nums, incs = append(nums, r.Number), append(incs, r.IncidentNumber)
		}
		gapFree(t, nums, incs)
		// Each registered appeal: its record and the hook's.
		if n, err := audit.Verify(ctx, db); err != nil || n != int64(2*len(ok)) {
			t.Fatalf("audit: %d records, %v; want %d", n, err, 2*len(ok))
		}
		// The refused rows were found at a flush and sent their group
		// round again appeal by appeal: every group held a failing appeal
		// when the 120 came in few groups (CI: 0 pipelined, 2 retried), so
		// only retries are certain here.
		_, retried := journal.GroupStats(s)
		if db.Dialect == store.Postgres && retried == 0 {
			t.Fatal("no group was retried appeal by appeal")
		}
		// The counters were written back as used: the next number follows.
		if r := mustRegister(t, s, appeal("следующее", c.Now())); r.Number != fmt.Sprintf("2026-%06d", len(ok)+1) {
			t.Fatalf("next number %s after %d", r.Number, len(ok))
		}
		// That lone appeal's group had nothing to refuse: on PostgreSQL it
		// went through the pipeline.
		if pipelined, _ := journal.GroupStats(s); db.Dialect == store.Postgres && pipelined == 0 {
			t.Fatal("no group was committed through the pipeline")
		}
	})
}

// gapFree checks appeal numbers 2026-000001… and incident numbers
// TF-2026-0001… are each unique and without a gap.
func gapFree(t *testing.T, nums, incs []string) {
	t.Helper()
	slices.Sort(nums)
	slices.Sort(incs)
	for i := range nums {
		if want := fmt.Sprintf("2026-%06d", i+1); nums[i] != want {
			t.Fatalf("number %d is %s, want %s (gap or duplicate)", i, nums[i], want)
		}
		if want := journal.IncidentNumber(2026, int64(i+1)); incs[i] != want {
			t.Fatalf("incident number %d is %s, want %s (gap or duplicate)", i, incs[i], want)
		}
	}
}

// Issue 15: several writers on one database (desk processes sharing a
// PostgreSQL; here two journal services of one process, each with its own
// group-commit writer) take numbers from the same counter rows; the row
// lock held from a group's first number to its commit keeps them unique
// and gap-free, and the shared audit chain verifies.
func TestNumbersGapFreeAcrossWriters(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		start := time.Date(2026, 11, 20, 4, 0, 0, 0, time.UTC)
		s1, c := newService(t, db, start)
		s2, _ := newService(t, db, start)
		var wg sync.WaitGroup
		var mu sync.Mutex
		var nums, incs []string
		for i := range 200 {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				s := s1
				if i%2 == 1 {
					s = s2
				}
				r, err := s.Register(ctx, operator, appeal(fmt.Sprintf("обращение %d", i), c.Now()), "")
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				nums, incs = append(nums, r.Number), append(incs, r.IncidentNumber)
				mu.Unlock()
			}(i)
		}
		wg.Wait()
		if len(nums) != 200 {
			t.Fatalf("%d registered, want 200", len(nums))
		}
		gapFree(t, nums, incs)
		if n, err := audit.Verify(ctx, db); err != nil || n != 200 {
			t.Fatalf("audit: %d records, %v; want 200", n, err)
		}
	})
}

// An appeal attached to an open incident that names a module the incident
// lacks updates the incident with an optimistic check (row count): inside a
// pipelined group that statement runs at once (store.Direct), so the group
// is not refused and rerun appeal by appeal for a count it could not know.
func TestAttachWithNewModuleInPipelinedGroup(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, c := newService(t, db, time.Date(2026, 11, 20, 4, 0, 0, 0, time.UTC))
		first := mustRegister(t, s, appeal("первое", c.Now()))
		var wg sync.WaitGroup
		for i := range 40 {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				n := appeal(fmt.Sprintf("обращение %d", i), c.Now())
				n.IncidentID, n.Module = first.IncidentID, fmt.Sprintf("module-%d", i%4)
				if _, err := s.Register(ctx, operator, n, ""); err != nil {
					t.Error(err)
				}
			}(i)
		}
		wg.Wait()
		inc, err := s.Incident(ctx, first.IncidentID)
		if err != nil {
			t.Fatal(err)
		}
		if len(inc.Modules) != 4 {
			t.Fatalf("incident modules %v, want the 4 named", inc.Modules)
		}
		if _, retried := journal.GroupStats(s); retried != 0 {
			t.Fatalf("%d groups rerun appeal by appeal", retried)
		}
		if _, err := audit.Verify(ctx, db); err != nil {
			t.Fatal(err)
		}
	})
}
