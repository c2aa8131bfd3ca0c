package console_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
)

// E34: the published role register at 1280 px and 375 px in ru, kk and en,
// as anyone sees it (no sign-in): a screenshot (prefix registers-), no
// horizontal overflow, no serious or critical axe-core violation, the
// lines and the day's witness shown, the feeds reachable by keyboard.
func TestRoleRegisterScreenshots_E34(t *testing.T) {
	actx := allocator(t)
	axe := axeSource(t)
	d := boot(t, t.TempDir(), withClock(morning()))
	ctx := context.Background()
	a := d.App
	sys := audit.Actor{Login: "admin", Role: "admin"}
	for _, u := range []auth.NewUser{
		{Login: "olga", Role: "operator", FullName: "Ольга Сергеевна Ким", Organization: "АО «Центр электронных финансов»", Basis: "приказ № 45-к от 01.12.2026", Responsible: "Ахметов Б. К."},
		{Login: "aigul", Role: "auditor", FullName: "Айгүл Нұрланқызы Сейітова", Organization: "Комитет внутреннего государственного аудита", BIN: "120340500066", Basis: "письмо № 7-15/2026", Responsible: "Руководителев Р."},
	} {
		u.Password = "password-of-" + u.Login
		if _, err := a.Auth.CreateUser(ctx, sys, u); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.DB.Tx(ctx, func(tx *sql.Tx) error {
		_, err := a.Auth.ChangeRole(ctx, tx, sys, "olga", auth.RoleSpecialist, auth.Basis{Basis: "приказ № 51-к от 02.12.2026", Responsible: "Ахметов Б. К."}, 0)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := a.Auth.Suspend(ctx, sys, "aigul", "служебная записка № 3"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Retention.Run(ctx); err != nil {
		t.Fatal(err)
	}
	dir := shotsDir(t)
	tb := tab(t, actx)
	for _, w := range []struct {
		width, height int64
	}{{1280, 900}, {375, 812}} {
		for _, lang := range []string{"ru", "kk", "en"} {
			name := fmt.Sprintf("registers-roles-%s-%d", lang, w.width)
			do(t, tb, name, chromedp.EmulateViewport(w.width, w.height), chromedp.Navigate(d.Base+"/registers/roles?lang="+lang), chromedp.WaitReady("main"))
			body := text(t, tb)
			for _, want := range []string{"Ольга Сергеевна Ким", "приказ № 51-к от 02.12.2026", "служебная записка № 3", "Ахметов Б. К."} {
				if !strings.Contains(body, want) {
					t.Errorf("%s lacks %q", name, want)
				}
			}
			if strings.Contains(body, "olga") {
				t.Errorf("%s shows the login, which is not a public field", name)
			}
			checkShot(t, tb, name, w.width, dir, axe)
		}
	}
	// Keyboard: Tab reaches the Atom feed link.
	var focused string
	do(t, tb, "keyboard", chromedp.Navigate(d.Base+"/registers/roles?lang=ru"), chromedp.WaitReady("main"))
	for i := 0; i < 30 && !strings.Contains(focused, "roles.atom"); i++ {
		do(t, tb, "tab", chromedp.KeyEvent("\t"))
		var err error
		if focused, err = chromedp.Run(tb, chromedp.Evaluate[string]("document.activeElement.getAttribute('href')||''")); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(focused, "roles.atom") {
		t.Errorf("Tab never reached the Atom feed link (last focus %q)", focused)
	}
	t.Logf("screenshots in %s", dir)
}
