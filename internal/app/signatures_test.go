package app_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/config"
	"tenderdesk/internal/iin"
	"tenderdesk/internal/signature/sigtest"
)

// Issue 12 end to end over HTTP, on both backends: with the policy
// requiring signed refutations and closings (Q4, E10, E12), closing waits
// for both signatures; openssl-made signatures by the user's certificate are
// accepted, another person's refused; granting the authorized body's role
// needs its head's EDS (E31) and lands in the published register with its
// basis and responsible person (E34), which the feeds carry.
func TestSignedDecisionsAndRoleRegister_Q4_E31_E34(t *testing.T) {
	p := sigtest.NewPKI(t)
	opIIN := sigtest.Complete("85010130012", iin.Validate)
	otherIIN := sigtest.Complete("90020240023", iin.Validate)
	authBIN := sigtest.Complete("12034050006", iin.Validate)
	opCert := p.Inter.Issue(sigtest.NCASubject("ОПЕРАТОРОВ", "ОЛЕГ", opIIN, "", ""), sigtest.ECDSA, "v3_sign", sigtest.From, sigtest.To)
	otherCert := p.Inter.Issue(sigtest.NCASubject("ДРУГОВ", "ДАНИЯР", otherIIN, "", ""), sigtest.RSA, "v3_sign", sigtest.From, sigtest.To)
	headCert := p.Inter.Issue(sigtest.NCASubject("РУКОВОДИТЕЛЕВ", "РУСЛАН", otherIIN, "РГУ «Уполномоченный орган»", authBIN), sigtest.RSA, "v3_sign", sigtest.From, sigtest.To)
	crls := p.Inter.CRL() + "," + p.Root.CRL()
	chain := []string{p.Inter.Cert}
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn, func(c *config.Config) {
			c.Signatures.TrustDir, c.Signatures.CRLFiles, c.Signatures.RequireRevocation = p.Dir, strings.Split(crls, ","), true
			c.Signatures.Policy = "incident.refute=required,incident.close=required"
		})
		op := d.user("op1", auth.RoleOperator, "", "")
		d.must(d.req("PUT", "/api/v1/users/op1/iin", d.Admin, map[string]any{"iin": opIIN}), http.StatusNoContent)
		if r := d.req("PUT", "/api/v1/users/op1/iin", d.Admin, map[string]any{"iin": "123"}); r.Status != 400 || r.errField("iin") == "" {
			t.Fatalf("bad IIN: %s", r)
		}
		_, inc := d.register(d.Admin, nil)
		ipath := fmt.Sprintf("/api/v1/incidents/%d", inc)
		d.must(d.req("POST", ipath+"/analyse", op, map[string]any{}), 200)
		d.must(d.req("POST", ipath+"/refute", op, map[string]any{"note": "сбой не подтвердился: сервис работал"}), 200)
		if r := d.req("POST", ipath+"/close", op, map[string]any{}); r.Status != 400 || !strings.Contains(r.errField("signature"), "incident.refute") {
			t.Fatalf("close before the refutation is signed: %s", r)
		}
		sign := func(action string, cert sigtest.Cert) (string, string) {
			r := d.must(d.req("GET", fmt.Sprintf("/api/v1/signatures/document?action=%s&object_type=incident&object_id=%d", action, inc), op, nil), 200)
			doc, err := base64.StdEncoding.DecodeString(r.str("document"))
			if err != nil {
				t.Fatal(err)
			}
			return r.str("document"), base64.StdEncoding.EncodeToString(sigtest.Sign(t, cert, chain, doc, false))
		}
		doc, cms := sign("incident.refute", otherCert)
		body := map[string]any{"action": "incident.refute", "object_type": "incident", "object_id": fmt.Sprint(inc), "document": doc, "cms": cms}
		if r := d.req("POST", "/api/v1/signatures", op, body); r.Status != 422 || !strings.Contains(r.errField("cms"), "wrong_signer") {
			t.Fatalf("another person's signature: %s", r)
		}
		body["document"], body["cms"] = sign("incident.refute", opCert)
		rec := d.must(d.req("POST", "/api/v1/signatures", op, body), http.StatusCreated)
		if rec.str("signer_iin") != opIIN {
			t.Fatalf("%s", rec)
		}
		if r := d.req("POST", ipath+"/close", op, map[string]any{}); r.Status != 400 || !strings.Contains(r.errField("signature"), "incident.close") {
			t.Fatalf("close before the closing is signed: %s", r)
		}
		body["action"] = "incident.close"
		body["document"], body["cms"] = sign("incident.close", opCert)
		d.must(d.req("POST", "/api/v1/signatures", op, body), http.StatusCreated)
		d.must(d.req("POST", ipath+"/close", op, map[string]any{}), 200)

		// The stored signature re-checks offline from its stored bytes.
		id := int64(rec.JSON["id"].(float64))
		stored, err := d.App.Signatures.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.App.Signatures.Verifier.Recheck(context.Background(), stored); err != nil {
			t.Fatal(err)
		}

		// E31 + E34: the authorized body's role, with the head's EDS.
		if _, err := d.App.Auth.CreateUser(context.Background(), d.adminActor(), auth.NewUser{Login: "ao1", Password: "password-of-ao1", Role: "auditor",
			FullName: "Уәкілетті Айгүл", Organization: "РГУ «Уполномоченный орган»", BIN: authBIN, Basis: "приказ № 12 от 01.12.2026", Responsible: "Руководителев Р."}); err != nil {
			t.Fatal(err)
		}
		change := map[string]any{"role": "authority", "basis": "письмо № 7-15/2026", "responsible": "Руководителев Р."}
		if r := d.req("POST", "/api/v1/users/ao1/role", d.Admin, change); r.Status != 400 || !strings.Contains(r.errField("cms"), "E31") {
			t.Fatalf("authority without the head's EDS: %s", r)
		}
		r := d.must(d.req("GET", "/api/v1/signatures/document?action=role.grant&object_type=user&object_id=ao1&role=authority&basis="+
			urlq("письмо № 7-15/2026")+"&responsible="+urlq("Руководителев Р."), d.Admin, nil), 200)
		rawDoc, _ := base64.StdEncoding.DecodeString(r.str("document"))
		change["document"] = r.str("document")
		change["cms"] = base64.StdEncoding.EncodeToString(sigtest.Sign(t, opCert, chain, rawDoc, false))
		if r := d.req("POST", "/api/v1/users/ao1/role", d.Admin, change); r.Status != 422 || !strings.Contains(r.errField("cms"), "BIN") {
			t.Fatalf("a personal certificate for the grant: %s", r)
		}
		change["cms"] = base64.StdEncoding.EncodeToString(sigtest.Sign(t, headCert, chain, rawDoc, false))
		d.must(d.req("POST", "/api/v1/users/ao1/role", d.Admin, change), 200)

		// Published: page, JSON feed, Atom feed — public, no login, with
		// the basis and responsible person and without the login (not a
		// public field by default).
		page := d.must(d.req("GET", "/registers/roles?lang=ru", "", nil), 200)
		for _, want := range []string{"Реестр изменений ролей и прав доступа", "письмо № 7-15/2026", "роль изменена", "подписано ЭЦП", "уполномоченный орган"} {
			if !strings.Contains(string(page.Raw), want) {
				t.Errorf("register page lacks %q", want)
			}
		}
		if strings.Contains(string(page.Raw), ">ao1<") {
			t.Error("the login is published though it is not a public field")
		}
		jf := d.must(d.req("GET", "/registers/roles.json?lang=kk", "", nil), 200)
		var feed struct {
			Version string `json:"version"`
			Items   []struct {
				ID       string `json:"id"`
				Title    string `json:"title"`
				Register struct {
					Change, Role, Previous, Basis, Responsible, Login string
					Signed                                            bool
				} `json:"_register"`
			} `json:"items"`
		}
		if err := json.Unmarshal(jf.Raw, &feed); err != nil {
			t.Fatal(err)
		}
		if feed.Version != "https://jsonfeed.org/version/1.1" || len(feed.Items) < 4 {
			t.Fatalf("json feed: %s", jf.Raw)
		}
		top := feed.Items[0].Register
		if top.Change != "change" || top.Role != "authority" || top.Previous != "auditor" || !top.Signed || top.Basis != "письмо № 7-15/2026" || top.Login != "" {
			t.Fatalf("newest register line: %+v", top)
		}
		if !strings.Contains(feed.Items[0].Title, "рөл өзгертілді") {
			t.Errorf("kk feed title: %q", feed.Items[0].Title)
		}
		af := d.must(d.req("GET", "/registers/roles.atom?lang=en", "", nil), 200)
		var atom struct {
			XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
			ID      string   `xml:"id"`
			Title   string   `xml:"title"`
			Updated string   `xml:"updated"`
			Entries []struct {
				ID      string `xml:"id"`
				Title   string `xml:"title"`
				Updated string `xml:"updated"`
				Summary string `xml:"summary"`
			} `xml:"entry"`
		}
		if err := xml.Unmarshal(af.Raw, &atom); err != nil {
			t.Fatal(err)
		}
		if atom.ID == "" || atom.Updated == "" || len(atom.Entries) != len(feed.Items) || !strings.Contains(atom.Entries[0].Title, "role changed") {
			t.Fatalf("atom: %+v", atom)
		}
		for _, e := range atom.Entries {
			if e.ID == "" || e.Updated == "" || e.Title == "" {
				t.Errorf("atom entry without id/updated/title: %+v", e)
			}
		}
		d.verifyAudit()
	})
}

func urlq(s string) string { return url.QueryEscape(s) }

func (d *desk) adminActor() audit.Actor { return audit.Actor{Login: "admin", Role: "admin"} }
