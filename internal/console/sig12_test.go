package console_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/config"
	"tenderdesk/internal/iin"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/registers"
	"tenderdesk/internal/signature/sigtest"
	"tenderdesk/internal/store"
)

// regAppeal registers an appeal by channel with the reporter's contact.
func regAppeal(t *testing.T, d *desk, channel, phone, email string) journal.Registration {
	t.Helper()
	recv := time.Now().Add(-30 * time.Minute)
	r, err := d.App.Journal.Register(context.Background(), journal.Caller{Actor: audit.Actor{Login: "op1", Role: "operator"}}, journal.NewAppeal{Channel: channel,
		ReceivedAt: &recv, Organization: "ТОО «Ромашка»", BIN: "123456789013", ContactPhone: phone, ContactEmail: email,
		Description: "Не открывается модуль аукционов", Profile: "kz-quasi"}, "")
	if err != nil {
		t.Fatalf("%#v", err)
	}
	return r
}

// postCMS submits the role change form with its signature file as the
// browser does (multipart), the CSRF token of the last page.
func (b *browser) postCMS(path string, form url.Values, cms []byte) page {
	b.d.t.Helper()
	files := map[string][]byte{}
	if cms != nil {
		files["grant.cms"] = cms
	}
	return b.postFilesAs(path, form, "cms", files)
}

func mustStatus(t *testing.T, what string, p page, want int) {
	t.Helper()
	if p.Status != want {
		t.Fatalf("%s: status %d, want %d\n%.3000s", what, p.Status, want, p.Body)
	}
}

// marked says whether the page marks field name as bad (its input or
// select has aria-invalid and an error text follows).
func marked(body, id string) bool {
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		return false
	}
	end := min(len(body), i+400)
	return strings.Contains(body[i:end], `aria-invalid="true"`) && strings.Contains(body[i:], `class="field-error"`)
}

// Q25, Q39, Q23 in the console: the index, each register's list with
// filters and paging (audit:read, as GET /api/v1/registers/{register}), the
// form to add (incident:transition, as POST; Q25 administrators only, the
// rule registers.MayAdd the API asks too); bad input re-shows the form with
// each bad field marked, never a 500.
func TestSmallRegisterPages_Q25_Q39_Q23(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn)
		d.user("op1", auth.RoleOperator)
		d.user("aud1", auth.RoleAuditor)
		ctx := context.Background()
		reg := regAppeal(t, d, "phone", "+7 701 000 0000", "")

		admin := d.browser()
		admin.signIn("admin", adminPassword)
		idx := admin.get("/registers?lang=ru")
		mustStatus(t, "index", idx, 200)
		for _, href := range []string{"/registers/roles?", "/registers/server_room?", "/registers/outside_specialist?", "/registers/offence_report?",
			"/registers/server_room/new?", "/registers/roles/change?", "/audit/access?"} {
			if !strings.Contains(idx.Body, `href="`+href) {
				t.Errorf("the index lacks a link to %s", href)
			}
		}
		// Anyone may see the index: the published role register only.
		anon := d.browser().get("/registers?lang=en")
		mustStatus(t, "index, signed out", anon, 200)
		if !strings.Contains(anon.Body, `href="/registers/roles?`) || strings.Contains(anon.Body, `href="/registers/server_room?`) {
			t.Errorf("signed out, the index should link the role register only")
		}

		// Q25: every missing part marked at once, in Russian.
		admin.get("/registers/server_room/new?lang=ru")
		bad := admin.post("/registers/server_room", url.Values{"person": {" "}, "detail": {"серверная № 2"}})
		mustStatus(t, "Q25 without person and agreement", bad, 400)
		for _, f := range []string{"rf-person", "rf-agreed"} {
			if !marked(bad.Body, f) {
				t.Errorf("Q25: %s not marked", f)
			}
		}
		if !strings.Contains(bad.Body, "Укажите согласование уполномоченного органа") || !strings.Contains(bad.Body, "серверная № 2") {
			t.Errorf("Q25: the problem or the typed value is missing")
		}
		ok := admin.post("/registers/server_room", url.Values{"person": {"Иванов Иван Иванович"}, "detail": {"серверная № 2"}, "agreed": {"письмо № 12-3/45 от 01.12.2026"}})
		if ok.Status != 303 || ok.Header.Get("Location") != "/registers/server_room?done=1" {
			t.Fatalf("Q25 add: %d %s\n%s", ok.Status, ok.Header.Get("Location"), ok.Body)
		}
		list := admin.get("/registers/server_room?done=1")
		if !strings.Contains(list.Body, "Иванов Иван Иванович") || !strings.Contains(list.Body, "письмо № 12-3/45") {
			t.Errorf("Q25 list lacks the entry")
		}

		// Q39 by an operator: the form yes, the list no (audit:read), Q25 no.
		op := d.browser()
		op.signIn("op1", "password-of-op1")
		mustStatus(t, "operator lists Q39", op.get("/registers/outside_specialist"), 403)
		mustStatus(t, "operator's Q25 form", op.get("/registers/server_room/new"), 403)
		mustStatus(t, "operator's Q39 form", op.get("/registers/outside_specialist/new?lang=kk"), 200)
		b := op.post("/registers/outside_specialist", url.Values{"person": {"ТОО «Аудит-Сервис», Петров П."}, "incident_id": {"семь"}, "agreed": {"письмо № 9"}})
		mustStatus(t, "Q39 incident not a number", b, 400)
		if !marked(b.Body, "rf-incident_id") || !strings.Contains(b.Body, "ТОО «Аудит-Сервис», Петров П.") {
			t.Errorf("Q39: incident_id not marked or the person lost")
		}
		b = op.post("/registers/outside_specialist", url.Values{"person": {"Петров П."}, "incident_id": {"999999"}, "agreed": {"письмо № 9"}})
		mustStatus(t, "Q39 unknown incident", b, 400)
		if !marked(b.Body, "rf-incident_id") {
			t.Errorf("Q39: an unknown incident not marked")
		}
		b = op.post("/registers/outside_specialist", url.Values{"person": {"Петров П."}, "incident_id": {fmt.Sprint(reg.IncidentID)}, "detail": {"анализ журналов"}, "agreed": {"письмо № 9"}})
		if b.Status != 303 || b.Header.Get("Location") != "/registers/outside_specialist/new?done=1" {
			t.Fatalf("Q39 add: %d %s\n%s", b.Status, b.Header.Get("Location"), b.Body)
		}
		op.get("/registers/server_room/new") // a token to post with
		op.get("/registers/outside_specialist/new")
		mustStatus(t, "operator posts Q25", op.post("/registers/server_room", url.Values{"person": {"x"}, "agreed": {"y"}}), 403)

		// Q23: paging (100 a page) and filters, as an auditor.
		for i := range 101 {
			if _, err := d.App.Registers.Add(ctx, audit.Actor{Login: "op1", Role: "operator"}, registers.Entry{Register: registers.OffenceReport,
				Person: fmt.Sprintf("Сотрудник %03d", i), Detail: "сообщено в уполномоченный орган и прокуратуру"}); err != nil {
				t.Fatal(err)
			}
		}
		aud := d.browser()
		aud.signIn("aud1", "password-of-aud1")
		p1 := aud.get("/registers/offence_report?lang=en")
		mustStatus(t, "Q23 page 1", p1, 200)
		if n := strings.Count(p1.Body, `<tr id="e-`); n != 100 || !strings.Contains(p1.Body, "Сотрудник 100") || strings.Contains(p1.Body, "Сотрудник 000") {
			t.Fatalf("Q23 page 1: %d rows", n)
		}
		i := strings.Index(p1.Body, `href="/registers/offence_report?before=`)
		if i < 0 {
			t.Fatal("Q23: no link to the older entries")
		}
		next := strings.ReplaceAll(p1.Body[i+6:i+6+strings.Index(p1.Body[i+6:], `"`)], "&amp;", "&")
		p2 := aud.get(next)
		if n := strings.Count(p2.Body, `<tr id="e-`); n != 1 || !strings.Contains(p2.Body, "Сотрудник 000") {
			t.Fatalf("Q23 page 2 (%s): %d rows", next, n)
		}
		f := aud.get("/registers/offence_report?person=" + url.QueryEscape("трудник 04"))
		if n := strings.Count(f.Body, `<tr id="e-`); n != 10 {
			t.Errorf("Q23 filtered by person: %d rows, want 10", n)
		}
		today := time.Now().In(d.App.Cfg.Zone).Format("2006-01-02")
		if n := strings.Count(aud.get("/registers/offence_report?from="+today+"&to="+today+"&person=001").Body, `<tr id="e-`); n != 1 {
			t.Errorf("Q23 filtered by today: %d rows, want 1", n)
		}
		if n := strings.Count(aud.get("/registers/offence_report?to=2020-01-01").Body, `<tr id="e-`); n != 0 {
			t.Errorf("Q23 filtered to 2020: %d rows, want 0", n)
		}
		bf := aud.get("/registers/offence_report?from=32.13.2026&incident=x&lang=ru")
		mustStatus(t, "Q23 bad filter", bf, 400)
		if !marked(bf.Body, "f-from") || !marked(bf.Body, "f-inc") {
			t.Errorf("Q23: bad filter fields not marked")
		}
		mustStatus(t, "no such register", aud.get("/registers/nope"), 404)
	})
}

// E31 + E34 in the console: an administrator changes a role with the
// basis and the responsible person; the authorized body's role needs the
// head's EDS uploaded as a .cms file and verified by the desk's verifier,
// through the same registers.API.ChangeRole the API calls. Refusals show
// their reason in the page's language; the change is in the role register.
func TestRoleChangeForm_E31_E34(t *testing.T) {
	p := sigtest.NewPKI(t)
	personIIN := sigtest.Complete("85010130012", iin.Validate)
	headIIN := sigtest.Complete("90020240023", iin.Validate)
	authBIN := sigtest.Complete("12034050006", iin.Validate)
	personal := p.Inter.Issue(sigtest.NCASubject("ОПЕРАТОРОВ", "ОЛЕГ", personIIN, "", ""), sigtest.RSA, "v3_sign", sigtest.From, sigtest.To)
	head := p.Inter.Issue(sigtest.NCASubject("РУКОВОДИТЕЛЕВ", "РУСЛАН", headIIN, "РГУ «Уполномоченный орган»", authBIN), sigtest.RSA, "v3_sign", sigtest.From, sigtest.To)
	chain := []string{p.Inter.Cert}
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn, bootOpt{Cfg: func(c *config.Config) {
			c.Signatures.TrustDir, c.Signatures.CRLFiles, c.Signatures.RequireRevocation = p.Dir, []string{p.Inter.CRL(), p.Root.CRL()}, true
		}})
		ctx := context.Background()
		sys := audit.Actor{Login: "admin", Role: "admin"}
		for _, u := range []auth.NewUser{
			{Login: "ao1", Role: "auditor", FullName: "Уәкілетті Айгүл", Organization: "РГУ «Уполномоченный орган»", BIN: authBIN, Basis: "приказ № 12", Responsible: "Руководителев Р."},
			{Login: "nb1", Role: "auditor", FullName: "Без БИН", Basis: "приказ № 13", Responsible: "Руководителев Р."},
			{Login: "op2", Role: "operator", FullName: "Ольга Ким", Basis: "приказ № 14", Responsible: "Ахметов Б. К."},
		} {
			u.Password = "password-of-" + u.Login
			if _, err := d.App.Auth.CreateUser(ctx, sys, u); err != nil {
				t.Fatal(err)
			}
		}
		admin := d.browser()
		admin.signIn("admin", adminPassword)
		mustStatus(t, "form", admin.get("/registers/roles/change?lang=ru"), 200)

		// Everything missing: each field marked, 400.
		b := admin.postCMS("/registers/roles/change", url.Values{"login": {""}, "role": {""}}, nil)
		mustStatus(t, "empty form", b, 400)
		for _, f := range []string{"rc-login", "rc-role", "rf-basis", "rf-responsible"} {
			if !marked(b.Body, f) {
				t.Errorf("empty form: %s not marked", f)
			}
		}
		// An ordinary role needs no signature (policy off): done, in the register.
		admin.get("/registers/roles/change")
		b = admin.postCMS("/registers/roles/change", url.Values{"login": {"op2"}, "role": {"specialist"}, "basis": {"приказ № 51-к от 02.12.2026"}, "responsible": {"Ахметов Б. К."}}, nil)
		if b.Status != 303 || b.Header.Get("Location") != "/registers/roles/change?done=op2" {
			t.Fatalf("operator → specialist: %d %s\n%s", b.Status, b.Header.Get("Location"), b.Body)
		}
		change := url.Values{"login": {"ao1"}, "role": {"authority"}, "basis": {"письмо № 7-15/2026"}, "responsible": {"Руководителев Р."}}
		admin.get("/registers/roles/change?lang=ru")
		b = admin.postCMS("/registers/roles/change", change, nil)
		mustStatus(t, "authority without the EDS", b, 400)
		if !marked(b.Body, "rc-cms") || !strings.Contains(b.Body, "нужен файл подписи ЭЦП руководителя") || !strings.Contains(b.Body, "письмо № 7-15/2026") {
			t.Errorf("authority without the EDS: cms not marked or the basis lost\n%.2000s", b.Body)
		}
		// The document to sign, as the API gives it.
		dl := admin.get("/registers/roles/change/document?" + change.Encode())
		mustStatus(t, "document", dl, 200)
		want, _ := registers.RoleGrantDocument("ao1", "authority", "письмо № 7-15/2026", "Руководителев Р.")
		if dl.Body != string(want) || !strings.Contains(dl.Header.Get("Content-Disposition"), "role-grant-ao1") {
			t.Fatalf("document: %q", dl.Body)
		}
		doc := []byte(dl.Body)
		// A personal certificate (no BIN): refused as wrong_signer, in each language.
		for lang, text := range map[string]string{"ru": "подписал не тот человек", "kk": "басқа адам немесе басқа ұйым қол қойған", "en": "signed by another person or organization"} {
			admin.get("/registers/roles/change?lang=" + lang)
			b = admin.postCMS("/registers/roles/change", change, sigtest.Sign(t, personal, chain, doc, false))
			mustStatus(t, "personal certificate "+lang, b, 422)
			if !marked(b.Body, "rc-cms") || !strings.Contains(b.Body, text) {
				t.Errorf("%s: the refusal's reason %q not shown\n%.3000s", lang, text, b.Body)
			}
		}
		// The head's signature over another change (other basis): refused.
		other, _ := registers.RoleGrantDocument("ao1", "authority", "другое письмо", "Руководителев Р.")
		admin.get("/registers/roles/change?lang=en")
		b = admin.postCMS("/registers/roles/change", change, sigtest.Sign(t, head, chain, other, false))
		if b.Status < 400 || b.Status >= 500 || !strings.Contains(b.Body, `class="field-error"`) {
			t.Errorf("a signature of another document: %d\n%.2000s", b.Status, b.Body)
		}
		// An account without the BIN cannot take the authority's role.
		nb := url.Values{"login": {"nb1"}, "role": {"authority"}, "basis": {"письмо № 8"}, "responsible": {"Руководителев Р."}}
		nbDoc, _ := registers.RoleGrantDocument("nb1", "authority", "письмо № 8", "Руководителев Р.")
		admin.get("/registers/roles/change?lang=ru")
		b = admin.postCMS("/registers/roles/change", nb, sigtest.Sign(t, head, chain, nbDoc, false))
		mustStatus(t, "no BIN on the account", b, 400)
		if !marked(b.Body, "rc-login") || !strings.Contains(b.Body, "должен быть указан БИН") {
			t.Errorf("no BIN: login not marked")
		}
		// The head's EDS, as the base64 text a signing tool gives: granted.
		admin.get("/registers/roles/change?lang=ru")
		sig := []byte(base64.StdEncoding.EncodeToString(sigtest.Sign(t, head, chain, doc, false)))
		b = admin.postCMS("/registers/roles/change", change, sig)
		if b.Status != 303 {
			t.Fatalf("the head's EDS: %d\n%.3000s", b.Status, b.Body)
		}
		u, err := d.App.Auth.ByLogin(ctx, "ao1")
		if err != nil || u.Role != auth.RoleAuthority {
			t.Fatalf("ao1 is %s (%v)", u.Role, err)
		}
		rows, err := d.App.Registers.RoleChanges(ctx, 0, 5)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) == 0 || rows[0].Login != "ao1" || rows[0].Role != "authority" || !rows[0].Signed || rows[0].Basis != "письмо № 7-15/2026" || rows[0].By != "admin" {
			t.Fatalf("E34 register top line: %+v", rows[0])
		}
		pub := d.browser().get("/registers/roles?lang=ru")
		if !strings.Contains(pub.Body, "письмо № 7-15/2026") || !strings.Contains(pub.Body, "подписано ЭЦП") {
			t.Errorf("the published register lacks the signed change")
		}
		// Only administrators reach the form.
		d.user("op9", auth.RoleOperator)
		op := d.browser()
		op.signIn("op9", "password-of-op9")
		mustStatus(t, "operator's role change form", op.get("/registers/roles/change"), 403)
	})
}

// attachRecording gives a phone appeal a call recording (a stored clean
// file), as POST /api/v1/appeals/{number}/recordings does.
func (d *desk) attachRecording(t *testing.T, number string) {
	t.Helper()
	ctx := context.Background()
	content := []byte("RIFF call of " + number)
	sum := sha256.Sum256(content)
	sha := hex.EncodeToString(sum[:])
	path := d.App.Files.ContentPath(sha)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := d.App.DB.W.QueryRowContext(ctx, "INSERT INTO files (sha256, size, filename, content_type, bin, scan, created_at) VALUES ($1, $2, $3, 'audio/ogg', '', 'clean', $4) RETURNING id",
		sha, len(content), "call-"+number+".ogg", store.T(time.Now())).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := d.App.Retention.AttachRecording(ctx, audit.System, number, id, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
}

// E20–E21 in the console: the recordings of a phone appeal with the state
// of their dispute; staff who work incidents open and resolve it with a
// reason (audited with it); others see the state only.
func TestRecordingDisputeCard_E20_E21(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn)
		d.user("op1", auth.RoleOperator)
		d.user("aud1", auth.RoleAuditor)
		ctx := context.Background()
		phone := regAppeal(t, d, "phone", "+7 701 000 0000", "")
		mail := regAppeal(t, d, "email", "", "a@example.kz")
		d.attachRecording(t, phone.Number)
		op := d.browser()
		op.signIn("op1", "password-of-op1")
		if ap := op.get("/appeals/" + phone.Number + "?lang=ru"); !strings.Contains(ap.Body, `href="/appeals/`+phone.Number+`/recordings"`) {
			t.Errorf("the phone appeal's page does not link its recordings")
		}
		path := "/appeals/" + phone.Number + "/recordings"
		pg := op.get(path + "?lang=ru")
		mustStatus(t, "recordings", pg, 200)
		if !strings.Contains(pg.Body, "Спора нет") || !strings.Contains(pg.Body, "call-"+phone.Number+".ogg") {
			t.Fatalf("recordings page\n%.2000s", pg.Body)
		}
		b := op.post("/appeals/"+phone.Number+"/dispute", url.Values{"open": {"1"}, "reason": {"  "}})
		mustStatus(t, "dispute without a reason", b, 400)
		if !marked(b.Body, "rf-reason") {
			t.Errorf("reason not marked")
		}
		b = op.post("/appeals/"+phone.Number+"/dispute", url.Values{"open": {"1"}, "reason": {"жалоба заявителя № 15 от 02.12.2026"}})
		if b.Status != 303 || b.Header.Get("Location") != path+"?done=open" {
			t.Fatalf("open: %d %s\n%s", b.Status, b.Header.Get("Location"), b.Body)
		}
		pg = op.get(path + "?done=open&lang=kk")
		if !strings.Contains(pg.Body, "Дау ашық") || !strings.Contains(pg.Body, "Дауды жабу") {
			t.Errorf("the open dispute is not shown\n%.2000s", pg.Body)
		}
		recs, err := audit.ForObject(ctx, d.App.DB, "appeal", phone.Number)
		if err != nil {
			t.Fatal(err)
		}
		var opened bool
		for _, r := range recs {
			if r.Action == "dispute.open" && r.Actor == "op1" && strings.Contains(string(r.After), "жалоба заявителя № 15") {
				opened = true
			}
		}
		if !opened {
			t.Errorf("no audit record of the opening with its reason")
		}
		// An auditor sees the state, has no form, may not post.
		aud := d.browser()
		aud.signIn("aud1", "password-of-aud1")
		ap := aud.get(path + "?lang=en")
		if !strings.Contains(ap.Body, "A dispute is open") || strings.Contains(ap.Body, `action="/appeals/`+phone.Number+`/dispute"`) {
			t.Errorf("auditor's view")
		}
		mustStatus(t, "auditor posts", aud.post("/appeals/"+phone.Number+"/dispute", url.Values{"open": {"0"}, "reason": {"x"}}), 403)
		op.get(path)
		b = op.post("/appeals/"+phone.Number+"/dispute", url.Values{"open": {"0"}, "reason": {"жалоба отозвана"}})
		if b.Status != 303 {
			t.Fatalf("resolve: %d\n%s", b.Status, b.Body)
		}
		if pg = op.get(path + "?lang=ru"); !strings.Contains(pg.Body, "Спора нет") || !strings.Contains(pg.Body, "разрешен") {
			t.Errorf("resolved state not shown")
		}
		// No recording kept: nothing to dispute (409 on the form, not a 500).
		op.get("/appeals/" + mail.Number + "/recordings")
		b = op.post("/appeals/"+mail.Number+"/dispute", url.Values{"open": {"1"}, "reason": {"жалоба"}})
		mustStatus(t, "dispute without recordings", b, 409)
		mustStatus(t, "unknown appeal", op.get("/appeals/2099-9999999/recordings"), 404)
	})
}

// accessReads counts the access-log records of E32–E33 of one object.
func accessReads(t *testing.T, d *desk, typ, id string) []audit.Record {
	t.Helper()
	recs, err := audit.Reads(context.Background(), d.App.DB, audit.AccessFilter{ObjectType: typ, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []audit.Record
	for _, r := range recs {
		if r.ObjectID == id {
			out = append(out, r)
		}
	}
	return out
}

// E32–E33: opening an appeal's page (the reporter's contact) and the users'
// list write exactly one access-log record each, with who, when and which
// object; the log is shown to those with audit:read only; the appeal's own
// history does not list the reads.
func TestPersonalDataReadsLogged_E32_E33(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn)
		d.user("op1", auth.RoleOperator)
		d.user("aud1", auth.RoleAuditor)
		a := regAppeal(t, d, "phone", "+7 701 555 1234", "")
		if n := len(accessReads(t, d, "appeal", a.Number)); n != 0 {
			t.Fatalf("%d reads before any", n)
		}
		op := d.browser()
		op.signIn("op1", "password-of-op1")
		before := time.Now().Add(-time.Second)
		pg := op.get("/appeals/" + a.Number)
		mustStatus(t, "appeal page", pg, 200)
		if !strings.Contains(pg.Body, "701") {
			t.Fatalf("the page does not show the contact\n%.4000s", pg.Body)
		}
		reads := accessReads(t, d, "appeal", a.Number)
		if len(reads) != 1 {
			t.Fatalf("one showing made %d access records", len(reads))
		}
		r := reads[0]
		if r.Actor != "op1" || r.Role != "operator" || r.Action != audit.ActionRead || r.At.Before(before) || !strings.Contains(string(r.After), "reporter_contact") {
			t.Errorf("access record: %+v", r)
		}
		if strings.Contains(pg.Body, "просмотрены персональные данные") {
			t.Errorf("the appeal's history lists a read")
		}
		op.get("/appeals/" + a.Number)
		if n := len(accessReads(t, d, "appeal", a.Number)); n != 2 {
			t.Errorf("two showings made %d records", n)
		}
		// The API's answer with the contact is a read too.
		if code, _ := op.api("GET", "/api/v1/appeals/"+a.Number, nil); code != 200 {
			t.Fatalf("API appeal: %d", code)
		}
		if rs := accessReads(t, d, "appeal", a.Number); len(rs) != 3 || rs[0].Actor != "op1" {
			t.Errorf("the API read made %d records in all", len(rs))
		}
		admin := d.browser()
		admin.signIn("admin", adminPassword)
		mustStatus(t, "users", admin.get("/admin/users"), 200)
		if us := accessReads(t, d, "user", "*"); len(us) != 1 || us[0].Actor != "admin" {
			t.Errorf("the users' list made %d records", len(us))
		}
		// An export of the Journal (the reporters' contacts): one record.
		today := time.Now().In(d.App.Cfg.Zone).Format("02.01.2006")
		mustStatus(t, "journal export", admin.get("/reports/journal?format=csv&from="+today+"&to="+today), 200)
		if js := accessReads(t, d, "journal", today+"–"+today); len(js) != 1 || js[0].Actor != "admin" || !strings.Contains(string(js[0].After), "journal_export") {
			t.Errorf("the export made %d records", len(js))
		}
		// The API's export too.
		if code, _ := admin.api("GET", "/api/v1/reports/journal?format=json&from="+time.Now().In(d.App.Cfg.Zone).Format("2006-01-02")+"&to="+time.Now().In(d.App.Cfg.Zone).Format("2006-01-02"), nil); code != 200 {
			t.Fatalf("API export: %d", code)
		}
		if js := accessReads(t, d, "journal", today+"–"+today); len(js) != 2 {
			t.Errorf("the API export: %d records in all, want 2", len(js))
		}
		// A bad export filter shows nothing and logs nothing.
		admin.get("/reports/journal?format=csv&from=32.13.2026")
		if recs, _ := audit.Reads(context.Background(), d.App.DB, audit.AccessFilter{ObjectType: "journal"}); len(recs) != 2 {
			t.Errorf("%d export records after a refused export", len(recs))
		}
		// The log: auditors yes, operators no.
		mustStatus(t, "operator reads the access log", op.get("/audit/access"), 403)
		aud := d.browser()
		aud.signIn("aud1", "password-of-aud1")
		lg := aud.get("/audit/access?lang=ru&object_type=appeal")
		mustStatus(t, "access log", lg, 200)
		if strings.Count(lg.Body, `translate="no">`+a.Number+`<`) != 3 || !strings.Contains(lg.Body, "контакты заявителя") || !strings.Contains(lg.Body, ">op1<") {
			t.Errorf("the access log page\n%.3000s", lg.Body)
		}
		if strings.Contains(lg.Body, "список пользователей") {
			t.Errorf("filtered to appeals, the log shows the users' list read")
		}
		mustStatus(t, "bad filter", aud.get("/audit/access?object_type=incident"), 400)
		if j := aud.get("/audit/access?lang=kk&object_type=journal"); !strings.Contains(j.Body, "үзіндідегі өтініш берушілердің байланыс деректері") || strings.Contains(j.Body, "⟦") {
			t.Errorf("the export in the log (kk)\n%.3000s", j.Body)
		}
	})
}
