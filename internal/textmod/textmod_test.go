package textmod_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
	"tenderdesk/internal/textmod"
)

var admin = audit.Actor{Login: "admin", Role: "admin"}

func body(ru string) map[string]string {
	return map[string]string{"ru": ru, "kk": ru + " (kk)", "en": ru + " (en)"}
}

// Issue 10: a module is created, edited and deleted by an administrator,
// each step audited; a placeholder the desk cannot fill is refused on
// save with its name, so no reporter ever gets "{plannd_fix}".
func TestModulesLifecycleAudited(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := textmod.New(db, func() time.Time { return time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) })
		m, err := s.Create(ctx, admin, textmod.Input{Name: "Сбой принят", Body: body("Обращение № {appeal_number}, сбой {incident_number}")})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Get(ctx, m.ID)
		if err != nil || got.Body["kk"] != "Обращение № {appeal_number}, сбой {incident_number} (kk)" || got.UpdatedBy != "admin" {
			t.Fatalf("get: %+v %v", got, err)
		}
		_, err = s.Update(ctx, admin, m.ID, textmod.Input{Name: "Сбой принят", Body: body("Плановое время {plannd_fix} и {foo}")})
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != apperr.Invalid || !strings.Contains(ae.Fields["body_ru"], "{plannd_fix}, {foo}") {
			t.Fatalf("unknown placeholder: %v", err)
		}
		if _, err := s.Update(ctx, admin, m.ID, textmod.Input{Name: "Плановое", Body: body("Устраним к {planned_fix_at}")}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Create(ctx, admin, textmod.Input{Name: "x", Body: map[string]string{"ru": "только русский"}}); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("a module without kk and en: %v", err)
		}
		ms, err := s.List(ctx)
		if err != nil || len(ms) != 1 || ms[0].Name != "Плановое" || ms[0].Body["en"] != "Устраним к {planned_fix_at} (en)" {
			t.Fatalf("list: %+v %v", ms, err)
		}
		if err := s.Delete(ctx, admin, m.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx, m.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("deleted: %v", err)
		}
		if err := s.Delete(ctx, admin, m.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("delete twice: %v", err)
		}
		recs, err := audit.ForObject(ctx, db, "text_module", "1")
		if err != nil {
			t.Fatal(err)
		}
		var acts []string
		for _, r := range recs {
			acts = append(acts, r.Action)
		}
		if strings.Join(acts, ",") != "text_module.create,text_module.update,text_module.delete" {
			t.Fatalf("audit: %v", acts)
		}
	})
}

func TestFillAndUnknown(t *testing.T) {
	text := "№ {appeal_number}; {incident_number}; к {planned_fix_at}; {x y}; {nope}"
	if u := textmod.Unknown(text); len(u) != 1 || u[0] != "nope" {
		t.Fatalf("unknown: %v", u)
	}
	got := textmod.Fill(text, map[string]string{"appeal_number": "2026-000001", "incident_number": "TF-2026-0001"}, "ещё не назначено")
	want := "№ 2026-000001; TF-2026-0001; к ещё не назначено; {x y}; {nope}"
	if got != want {
		t.Fatalf("fill:\n got %s\nwant %s", got, want)
	}
}
