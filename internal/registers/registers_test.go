package registers_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/registers"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

func init() { auth.HashCost = auth.Cost{Time: 1, MemoryKiB: 64, Threads: 1} }

// E34 on both backends: every change of roles and rights has its register
// line, written in the change's own transaction (a change that rolls back
// leaves none), with date, basis and responsible person; the published
// lines carry only the public fields.
func TestRoleRegisterInTheChangesTransaction_E34(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		at := time.Date(2026, 12, 2, 5, 0, 0, 0, time.UTC)
		now := func() time.Time { return at }
		as := auth.New(db, now)
		by := audit.Actor{Login: "admin", Role: "admin"}
		if _, err := as.CreateUser(ctx, by, auth.NewUser{Login: "olga", Password: "password-of-olga", Role: "operator", FullName: "Ольга Ким",
			Basis: "приказ № 45-к", Responsible: "Ахметов Б. К."}); err != nil {
			t.Fatal(err)
		}
		change := func(role auth.Role, b auth.Basis, fail bool) error {
			return db.Tx(ctx, func(tx *sql.Tx) error {
				if _, err := as.ChangeRole(ctx, tx, by, "olga", role, b, 0); err != nil {
					return err
				}
				if fail {
					return errors.New("the caller's later step failed")
				}
				return nil
			})
		}
		if err := change(auth.RoleSpecialist, auth.Basis{Basis: "приказ № 51-к", Responsible: "Ахметов Б. К."}, true); err == nil {
			t.Fatal("want the failure")
		}
		if err := change(auth.RoleSpecialist, auth.Basis{Basis: "", Responsible: "Ахметов Б. К."}, false); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("E34: a change without its basis: %v", err)
		}
		if err := change(auth.RoleSpecialist, auth.Basis{Basis: "приказ № 51-к", Responsible: "Ахметов Б. К."}, false); err != nil {
			t.Fatal(err)
		}
		if err := as.Suspend(ctx, by, "olga", "служебная записка № 3"); err != nil {
			t.Fatal(err)
		}
		rs := &registers.Service{DB: db, Now: now}
		all, err := rs.RoleChanges(ctx, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 3 {
			t.Fatalf("want grant, change, suspend (the rolled-back change left nothing), got %+v", all)
		}
		if c := all[1]; c.Change != "change" || c.Role != "specialist" || c.Previous != "operator" || c.Basis != "приказ № 51-к" ||
			c.Responsible != "Ахметов Б. К." || !c.At.Equal(at) || c.By != "admin" || c.Login != "olga" {
			t.Fatalf("change line %+v", c)
		}
		if all[0].Change != "suspend" || all[2].Change != "grant" || all[2].Basis != "приказ № 45-к" {
			t.Fatalf("%+v", all)
		}
		pub, err := rs.Published(ctx, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if pub[1].Login != "" || pub[1].By != "" || pub[1].Basis == "" || pub[1].FullName != "Ольга Ким" {
			t.Fatalf("published line %+v", pub[1])
		}
		rs.Public = []string{"role"}
		if pub, _ = rs.Published(ctx, 0, 10); pub[1].FullName != "" || pub[1].Role != "specialist" {
			t.Fatalf("with only the role public: %+v", pub[1])
		}
		if page, _ := rs.RoleChanges(ctx, all[1].ID, 10); len(page) != 1 || page[0].ID != all[2].ID {
			t.Fatalf("paging before %d: %+v", all[1].ID, page)
		}
	})
}

// Q25, Q39, Q23: each small register refuses an entry without what its rule
// asks, records the rest with an audit record.
func TestSmallRegisters_Q25_Q39_Q23(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		rs := &registers.Service{DB: db, Now: func() time.Time { return time.Date(2026, 12, 2, 5, 0, 0, 0, time.UTC) }}
		by := audit.Actor{Login: "op", Role: "operator"}
		for _, c := range []struct {
			name  string
			e     registers.Entry
			field string
		}{
			{"Q25 without the authority's agreement", registers.Entry{Register: registers.ServerRoom, Person: "Иванов И. И."}, "agreed"},
			{"Q39 without consent", registers.Entry{Register: registers.OutsideSpecialist, Person: "ТОО «Аудит»", IncidentID: 1}, "agreed"},
			{"Q39 without the incident", registers.Entry{Register: registers.OutsideSpecialist, Person: "ТОО «Аудит»", Agreed: "письмо № 5"}, "incident_id"},
			{"Q39 with an incident that does not exist", registers.Entry{Register: registers.OutsideSpecialist, Person: "ТОО «Аудит»", Agreed: "письмо № 5", IncidentID: 999}, "incident_id"},
			{"Q23 without what was reported", registers.Entry{Register: registers.OffenceReport, Person: "Петров П."}, "detail"},
			{"no person", registers.Entry{Register: registers.OffenceReport, Detail: "x"}, "person"},
			{"unknown register", registers.Entry{Register: "keys", Person: "x"}, "register"},
		} {
			_, err := rs.Add(ctx, by, c.e)
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Fields[c.field] == "" {
				t.Errorf("%s: %v, want a problem with %s", c.name, err, c.field)
			}
		}
		e, err := rs.Add(ctx, by, registers.Entry{Register: registers.ServerRoom, Person: "Иванов И. И.", Detail: "серверная № 2", Agreed: "письмо уполномоченного органа № 12 от 01.12.2026"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rs.Add(ctx, by, registers.Entry{Register: registers.OffenceReport, Person: "Петров П.", Detail: "попытка подбора паролей; сообщено в уполномоченный орган и ДКНБ"}); err != nil {
			t.Fatal(err)
		}
		list, err := rs.Entries(ctx, registers.ServerRoom, 10)
		if err != nil || len(list) != 1 || list[0].ID != e.ID || list[0].By != "op" {
			t.Fatalf("%+v %v", list, err)
		}
		if _, err := rs.Entries(ctx, "keys", 10); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("unknown register: %v", err)
		}
		recs, err := audit.ForObject(ctx, db, "register", "1")
		if err != nil || len(recs) != 1 || recs[0].Action != "register.server_room" {
			t.Fatalf("audit %+v %v", recs, err)
		}
		if _, err := audit.Verify(ctx, db); err != nil {
			t.Fatal(err)
		}
	})
}
