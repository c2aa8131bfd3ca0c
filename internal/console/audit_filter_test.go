package console_test

import (
	"fmt"
	"html"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/console"
)

// The object types audit records carry, as the code writes them: the
// ObjectType of an audit.Entry, the clocks' save(…, action, type, id) and
// the mail intake's (action, objType, objID) choices.
var objectTypeRes = []*regexp.Regexp{
	regexp.MustCompile(`ObjectType:\s*"([a-z_]+)"`),
	regexp.MustCompile(`\.save\(ctx, [a-zA-Z.]+, "[^"]+", "([a-z_]+)"`),
	regexp.MustCompile(`action, objType, objID :?= "[^"]+", "([a-z_]+)"`),
}

// The audit page's object filter lists exactly the object types the code
// records (read from the source of internal/, tests aside): a new kind of
// audit record without a label fails here.
func TestAuditObjectTypesAreTheCodes(t *testing.T) {
	found := map[string]string{}
	root := filepath.Join("..", "..", "internal")
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, re := range objectTypeRes {
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				found[m[1]] = p
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for typ, where := range found {
		if !slices.Contains(console.AuditObjectTypes, typ) {
			t.Errorf("audit object type %q (%s) is not in the audit page's list (audit_types.go)", typ, where)
		}
	}
	for _, typ := range console.AuditObjectTypes {
		if found[typ] == "" {
			t.Errorf("the audit page lists %q, which no code records", typ)
		}
	}
	if len(found) < 20 {
		t.Fatalf("found only %d object types in the source: the patterns no longer match the code", len(found))
	}
}

var optionRe = regexp.MustCompile(`<option value="([^"]*)"[^>]*>([^<]*)</option>`)

// The filter by object type on /audit (issue 11): the select offers "any"
// and every type, labelled in ru, kk and en; each type lists the records
// of that type only, "any" lists all of the number; a real appeal's
// registration is found; an unknown type is the form again with 400 and
// the object field marked, as a type without a number is.
func TestAuditFilterByObjectType(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn)
		// One record of every type about the same number, through the
		// real chain.
		tx, err := d.App.DB.W.BeginTx(t.Context(), nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, typ := range console.AuditObjectTypes {
			if _, err := audit.Append(t.Context(), tx, d.App.DB.Dialect, time.Now(), audit.System,
				audit.Entry{Action: typ + ".test", ObjectType: typ, ObjectID: "nav11-7"}); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		b := d.browser()
		b.signIn("admin", adminPassword)
		for _, lang := range []string{"ru", "kk", "en"} {
			p := b.get("/audit?lang=" + lang)
			opts := optionRe.FindAllStringSubmatch(p.Body[strings.Index(p.Body, `id="a-type"`):], -1)
			if len(opts) != len(console.AuditObjectTypes)+1 || opts[0][1] != "" {
				t.Fatalf("%s: %d options, want any and %d types", lang, len(opts), len(console.AuditObjectTypes))
			}
			labels := map[string]bool{}
			for _, o := range opts {
				if o[2] == "" || strings.HasPrefix(o[2], "audit.") || labels[o[2]] {
					t.Errorf("%s: option %q labelled %q", lang, o[1], o[2])
				}
				labels[o[2]] = true
			}
			checkPage(t, "audit", lang, p.Body)
		}
		label := map[string]string{}
		for _, o := range optionRe.FindAllStringSubmatch(b.get("/audit?lang=en").Body, -1) {
			label[o[1]] = html.UnescapeString(o[2])
		}
		rows := regexp.MustCompile(`<td data-label="Object">([^<]*)</td>`)
		for _, typ := range append([]string{""}, console.AuditObjectTypes...) {
			p := b.get("/audit?lang=en&object_type=" + typ + "&object_id=nav11-7")
			got := rows.FindAllStringSubmatch(p.Body, -1)
			want := 1
			if typ == "" {
				want = len(console.AuditObjectTypes)
			}
			if p.Status != http.StatusOK || len(got) != want {
				t.Errorf("type %q: %d, %d records, want %d", typ, p.Status, len(got), want)
				continue
			}
			if typ != "" && html.UnescapeString(got[0][1]) != label[typ] {
				t.Errorf("type %q: the record shown is a %q", typ, got[0][1])
			}
			if typ != "" && !strings.Contains(p.Body, fmt.Sprintf(`<option value="%s" selected>`, typ)) {
				t.Errorf("type %q: not selected on the result", typ)
			}
		}
		// A real record: the admin's own sign-in is a user record.
		if p := b.get("/audit?lang=en&object_type=user&object_id=admin"); strings.Count(p.Body, `<td data-label="Object">user</td>`) == 0 {
			t.Error("the admin's user records are not found")
		}
		bad := regexp.MustCompile(`class="field bad"><label for="a-type">`)
		for _, lang := range []string{"ru", "kk", "en"} {
			p := b.get("/audit?lang=" + lang + "&object_type=appeals&object_id=1")
			if p.Status != http.StatusBadRequest || !bad.MatchString(p.Body) || !strings.Contains(p.Body, `class="field-error"`) {
				t.Errorf("%s: unknown type: %d, object field marked %v", lang, p.Status, bad.MatchString(p.Body))
			}
			checkPage(t, "audit bad type", lang, p.Body)
		}
		if p := b.get("/audit?object_type=appeal&object_id="); p.Status != http.StatusBadRequest ||
			!strings.Contains(p.Body, `class="field bad"><label for="a-id">`) {
			t.Errorf("a type without a number: %d", p.Status)
		}
	})
}

// The audit page with its select, a result of every type ("any") and a
// bad filter, at 1280 and 375 px in ru, kk and en: no overflow, axe clean.
func TestAuditFilterScreenshots(t *testing.T) {
	actx := allocator(t)
	axe := axeSource(t)
	d := boot(t, t.TempDir())
	tx, err := d.App.DB.W.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range console.AuditObjectTypes {
		if _, err := audit.Append(t.Context(), tx, d.App.DB.Dialect, time.Now(), audit.System,
			audit.Entry{Action: "appeal.register", ObjectType: typ, ObjectID: "nav11-7"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	ctx := tab(t, actx)
	signInUI(t, ctx, d.Base, "admin", adminPassword)
	dir := shotsDir(t)
	for _, w := range []int64{1280, 375} {
		for _, lang := range []string{"ru", "kk", "en"} {
			for name, q := range map[string]string{"any": "object_type=&object_id=nav11-7", "bad": "object_type=appeals&object_id=1"} {
				shot := fmt.Sprintf("audit-%s-%s-%d", name, lang, w)
				do(t, ctx, shot, chromedp.EmulateViewport(w, 900), chromedp.Navigate(d.Base+"/audit?lang="+lang+"&"+q), chromedp.WaitReady("main"))
				checkShot(t, ctx, shot, w, dir, axe)
			}
		}
	}
}
