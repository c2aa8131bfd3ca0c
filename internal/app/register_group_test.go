package app

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/notify/events"
)

// tailHook runs after every real hook of the desk and refuses the appeals
// whose description says so: by then the clocks, outbox, access-code and
// public-notice hooks have written their rows in the transaction.
type tailHook struct{}

func (tailHook) AppealRegistered(ctx context.Context, tx journal.HookTx, a journal.Appeal, _ bool) error {
	if strings.HasPrefix(a.Description, "refused") {
		return apperr.New(apperr.Conflict, "refused after the hooks")
	}
	return nil
}

func (tailHook) IncidentChanged(context.Context, journal.HookTx, journal.Action, audit.Actor, journal.Incident, journal.Incident) error {
	return nil
}

// Issue 15: on both backends, with the desk's own hooks, a group commit
// writes each appeal's clocks, outbox notice, access code, public-notice
// version and audit records in the appeal's transaction (pipelined on
// PostgreSQL): an appeal refused after all of them ran leaves none of
// them; every other appeal has all of them; numbers are gap-free and the
// audit chain verifies.
func TestRegistrationHooksInOneTransaction(t *testing.T) {
	clockBackends(t, func(t *testing.T, dsn string) {
		d := newClockDesk(t, dsn, astana("2026-11-19 10:05"))
		d.start()
		a := d.a
		a.Journal.AddHooks(tailHook{}) // before any registration: last of the hooks
		ctx := context.Background()
		op := journal.Caller{Actor: audit.Actor{Login: "op", Role: "operator", ClientAddr: "127.0.0.1"}}
		newAppeal := func(desc string, incident int64) journal.NewAppeal {
			at := d.now.Now()
			return journal.NewAppeal{Channel: "phone", ReceivedAt: &at, Organization: "ТОО «Сауда»", BIN: "123456789013",
				ContactEmail: "reporter@example.kz", Description: desc, IncidentID: incident}
		}
		first, err := a.Journal.Register(ctx, op, newAppeal("первое", 0), "")
		if err != nil {
			t.Fatal(err)
		}
		version := func() int {
			return d.count("SELECT version FROM public_version WHERE id = 1")
		}
		v0 := version()
		const total = 90
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok := map[string]journal.Registration{}
		attachedOK, refused := 0, 0
		for i := range total {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				desc := fmt.Sprintf("обращение %d", i)
				if i%5 == 2 {
					desc = fmt.Sprintf("refused %d", i)
				}
				var inc int64
				if i%3 == 0 { // attached: the public notice's version moves
					inc = first.IncidentID
				}
				r, err := a.Journal.Register(ctx, op, newAppeal(desc, inc), "")
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok[r.Number] = r
					if inc != 0 {
						attachedOK++
					}
				case apperr.CodeOf(err) == apperr.Conflict && strings.HasPrefix(desc, "refused"):
					refused++
				default:
					t.Errorf("%s: %v", desc, err)
				}
			}(i)
		}
		wg.Wait()
		if refused != total/5 || len(ok) != total-total/5 {
			t.Fatalf("%d registered, %d refused; want %d and %d", len(ok), refused, total-total/5, total/5)
		}
		if n := d.count("SELECT count(*) FROM appeals WHERE description LIKE 'refused%'"); n != 0 {
			t.Fatalf("%d refused appeals in the Journal", n)
		}
		var numbers []string
		for number, r := range ok {
			numbers = append(numbers, number)
			if n := d.count("SELECT count(*) FROM clocks WHERE appeal_number = $1", number); n != 3 {
				t.Fatalf("%s: %d clocks, want 3", number, n)
			}
			if n := d.count("SELECT count(*) FROM outbox WHERE event = $1", events.Registered(number)); n != 1 {
				t.Fatalf("%s: %d registration notices, want 1", number, n)
			}
			if n := d.count("SELECT count(*) FROM appeal_access x JOIN appeals p ON p.id = x.appeal_id WHERE p.number = $1", number); n != 1 {
				t.Fatalf("%s: %d access codes, want 1", number, n)
			}
			if n := d.count("SELECT count(*) FROM audit_log WHERE action = 'appeal.register' AND object_id = $1", number); n != 1 {
				t.Fatalf("%s: %d registration records, want 1", number, n)
			}
			if r.IncidentID != first.IncidentID {
				if n := d.count("SELECT count(*) FROM audit_log WHERE action = 'clocks.start' AND object_id = $1", strconv.FormatInt(r.IncidentID, 10)); n != 1 {
					t.Fatalf("%s: %d clocks.start records, want 1", number, n)
				}
			}
		}
		// Nothing of a refused appeal: every clock, notice and access code
		// belongs to a registered appeal (the first one included).
		if n := d.count("SELECT count(*) FROM clocks c WHERE c.appeal_number <> '' AND NOT EXISTS (SELECT 1 FROM appeals a WHERE a.number = c.appeal_number)"); n != 0 {
			t.Fatalf("%d clocks of no appeal", n)
		}
		if n, want := d.count("SELECT count(*) FROM outbox WHERE event LIKE 'appeal.registered:%'"), len(ok)+1; n != want {
			t.Fatalf("%d registration notices, want %d", n, want)
		}
		if n, want := d.count("SELECT count(*) FROM appeal_access"), len(ok)+1; n != want {
			t.Fatalf("%d access codes, want %d", n, want)
		}
		if n, want := d.count("SELECT count(*) FROM audit_log WHERE action = 'appeal.register'"), len(ok)+1; n != want {
			t.Fatalf("%d registration records, want %d", n, want)
		}
		if v := version(); v != v0+attachedOK {
			t.Fatalf("public notice version %d, want %d + %d attached", v, v0, attachedOK)
		}
		numbers = append(numbers, first.Number)
		slices.Sort(numbers)
		for i, n := range numbers {
			if want := fmt.Sprintf("2026-%06d", i+1); n != want {
				t.Fatalf("number %d is %s, want %s (gap or duplicate)", i, n, want)
			}
		}
		if _, err := audit.Verify(ctx, a.DB); err != nil {
			t.Fatal(err)
		}
	})
}
