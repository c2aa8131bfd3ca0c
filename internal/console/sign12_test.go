package console_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"tenderdesk/internal/analysis"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/config"
	"tenderdesk/internal/iin"
	"tenderdesk/internal/signature/sigtest"
)

// Issue 12 (sign12) without JavaScript, both backends: the yearly
// information and a written report offer their document and the .cms
// upload (the pages' CSP lets NCALayer's socket connect, no inline
// script); a missing file, a signature by another person (wrong_signer)
// and one over an older text are each refused in the page's language; a
// good upload is stored and the page says so. The role change takes
// NCALayer's base64 CMS in cms_text (E31); text that is not base64 is
// marked on the cms field.
func TestSign12UploadFallback_Issue12(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		p := sigtest.NewPKI(t)
		userIIN := sigtest.Complete("90020230012", iin.Validate)
		authBIN := sigtest.Complete("12034050006", iin.Validate)
		mine := p.Inter.Issue(sigtest.NCASubject("ПЕТРОВА", "СВЕТЛАНА", userIIN, "", ""), sigtest.RSA, "v3_sign", sigtest.From, sigtest.To)
		other := p.Inter.Issue(sigtest.NCASubject("ДРУГОВ", "ДАНИЯР", sigtest.Complete("85010130012", iin.Validate), "РГУ «Уполномоченный орган»", authBIN), sigtest.RSA, "v3_sign", sigtest.From, sigtest.To)
		chain := []string{p.Inter.Cert}
		d := boot(t, dsn, withClock(morning()), bootOpt{Cfg: func(cfg *config.Config) {
			cfg.Signatures.TrustDir, cfg.Signatures.CRLFiles = p.Dir, []string{p.Inter.CRL(), p.Root.CRL()}
		}})
		d.user("sveta", auth.RoleSpecialist)
		ctx := context.Background()
		if err := d.App.Signatures.SetIIN(ctx, audit.System, "sveta", userIIN); err != nil {
			t.Fatal(err)
		}
		actor := audit.Actor{Login: "sveta", Role: "specialist"}
		st, _, err := d.App.Analysis.Generate(ctx, actor, "annual", "2025")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.App.Analysis.SetNarrative(ctx, actor, "2025", analysis.Narrative{Causes: "a", Actions: "b", Results: "c", Proposals: "d"}, st.Version); err != nil {
			t.Fatal(err)
		}
		st, _ = d.App.Analysis.Get(ctx, "annual", "2025")
		inc := fixedReport(t, d, actor, "Не открывается протокол")
		b := d.browser()
		b.signIn("sveta", "password-of-sveta")

		for _, c := range []struct {
			page, key string
			doc       func() []byte
			version   func() int
		}{
			{"/analysis/annual/2025", "journal.extract", func() []byte { x, _ := analysis.AnnualDocument(st); return x }, func() int { return st.Version }},
			{fmt.Sprintf("/analysis/reports/%d", inc), "authority.report", func() []byte {
				w, _ := d.App.Analysis.WrittenOf(ctx, inc)
				x, _ := analysis.ReportDocument(w)
				return x
			}, func() int { w, _ := d.App.Analysis.WrittenOf(ctx, inc); return w.Version }},
		} {
			pg := b.get(c.page + "?lang=en")
			if !strings.Contains(pg.Header.Get("Content-Security-Policy"), "connect-src 'self' wss://127.0.0.1:13579;") ||
				!strings.Contains(pg.Body, `data-post="/api/v1`+c.page+`/sign"`) || !strings.Contains(pg.Body, "Download the document to sign") {
				t.Fatalf("%s: sign section or CSP: %s\n%s", c.page, pg.Header.Get("Content-Security-Policy"), pg.Body)
			}
			if regexp.MustCompile(`<script>|<script [^>]*>[^<]+</script>|\son[a-z]+="`).MatchString(pg.Body) {
				t.Errorf("%s: inline script or handler", c.page)
			}
			doc := c.doc()
			if got := b.get(c.page + "/sign/document"); got.Status != http.StatusOK || got.Body != string(doc) {
				t.Fatalf("%s: the document to download is not the one signed: %d\n%s\n%s", c.page, got.Status, got.Body, doc)
			}
			form := func() url.Values {
				return url.Values{"version": {fmt.Sprint(c.version())}, "document": {base64.StdEncoding.EncodeToString(c.doc())}}
			}
			b.get(c.page + "?lang=en")
			if r := b.postCMS(c.page+"/sign?lang=en", form(), nil); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "Choose a signature file.") {
				t.Fatalf("%s no file: %d", c.page, r.Status)
			}
			b.get(c.page + "?lang=en")
			if r := b.postCMS(c.page+"/sign?lang=en", form(), sigtest.Sign(t, other, chain, doc, false)); r.Status != http.StatusBadRequest ||
				!strings.Contains(r.Body, "the IIN in the certificate is not the one of your account.") {
				t.Fatalf("%s another signer: %d\n%s", c.page, r.Status, r.Body)
			}
			b.get(c.page + "?lang=en")
			stale := form()
			stale.Set("document", base64.StdEncoding.EncodeToString([]byte(`{"action":"x"}`)))
			if r := b.postCMS(c.page+"/sign?lang=en", stale, sigtest.Sign(t, mine, chain, []byte(`{"action":"x"}`), false)); r.Status != http.StatusBadRequest ||
				!strings.Contains(r.Body, "The document changed after it was taken.") {
				t.Fatalf("%s stale: %d\n%s", c.page, r.Status, r.Body)
			}
			b.get(c.page + "?lang=en")
			if r := b.postCMS(c.page+"/sign?lang=en", form(), sigtest.Sign(t, mine, chain, doc, false)); r.Status != http.StatusSeeOther || !strings.HasSuffix(r.Header.Get("Location"), "done=signed#sign") {
				t.Fatalf("%s upload: %d %s\n%s", c.page, r.Status, r.Header.Get("Location"), r.Body)
			}
			if pg := b.get(c.page + "?done=signed&lang=en"); !strings.Contains(pg.Body, "The signature was verified and stored.") || !strings.Contains(pg.Body, "ПЕТРОВА СВЕТЛАНА") || !strings.Contains(pg.Body, "Hash of the signed document") {
				t.Fatalf("%s after upload:\n%s", c.page, pg.Body)
			}
		}
		if st, _ = d.App.Analysis.Get(ctx, "annual", "2025"); st.Status != "signed" || st.SignatureID == 0 {
			t.Fatalf("Q44: %+v", st)
		}
		// The signed report's page sends it as signed: no edit form, only "send".
		pg := b.get(fmt.Sprintf("/analysis/reports/%d?lang=en", inc))
		if strings.Contains(pg.Body, `name="cause"`) || !strings.Contains(pg.Body, "it is sent as signed") {
			t.Fatalf("a signed report offers its edit form:\n%s", pg.Body)
		}
		if r := b.post(fmt.Sprintf("/analysis/reports/%d", inc), url.Values{"version": {fmt.Sprint(func() int { w, _ := d.App.Analysis.WrittenOf(ctx, inc); return w.Version }())}, "action": {"send"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("send signed: %d\n%s", r.Status, r.Body)
		}
		if w, _ := d.App.Analysis.WrittenOf(ctx, inc); w.Status != "sent" || w.SignatureID == 0 || w.Report.Cause == "" {
			t.Fatalf("sent: %+v", w)
		}

		// E31: NCALayer's base64 CMS in cms_text.
		if _, err := d.App.Auth.CreateUser(ctx, audit.System, auth.NewUser{Login: "body1", Password: "password-of-body1", Role: "auditor",
			FullName: "Уәкілетті Айгүл", Organization: "РГУ «Уполномоченный орган»", BIN: authBIN, Basis: "приказ № 12", Responsible: "Руководителев Р."}); err != nil {
			t.Fatal(err)
		}
		admin := d.browser()
		admin.signIn("admin", adminPassword)
		admin.get("/registers/roles/change?lang=en")
		change := url.Values{"login": {"body1"}, "role": {"authority"}, "basis": {" приказ № 77 "}, "responsible": {"Руководителев Р."}, "cms_text": {"not base64!"}}
		if r := admin.postCMS("/registers/roles/change?lang=en", change, nil); r.Status != http.StatusBadRequest || !marked(r.Body, "rc-cms") {
			t.Fatalf("cms_text not base64: %d\n%s", r.Status, r.Body)
		}
		grant := admin.get("/registers/roles/change/document?login=body1&role=authority&basis=%20приказ%20№%2077%20&responsible=Руководителев%20Р.")
		change.Set("cms_text", base64.StdEncoding.EncodeToString(sigtest.Sign(t, other, chain, []byte(grant.Body), false)))
		admin.get("/registers/roles/change?lang=en")
		if r := admin.postCMS("/registers/roles/change?lang=en", change, nil); r.Status != http.StatusSeeOther {
			t.Fatalf("E31 with NCALayer's CMS: %d\n%s", r.Status, r.Body)
		}
		if u, _ := d.App.Auth.ByLogin(ctx, "body1"); u.Role != auth.RoleAuthority {
			t.Fatalf("E31: %+v", u)
		}
		if recs, _ := d.App.Signatures.Of(ctx, "user", "body1"); len(recs) != 1 || !bytes.Equal(recs[0].Document, []byte(grant.Body)) {
			t.Fatalf("E31 signature: %+v", recs)
		}
	})
}
