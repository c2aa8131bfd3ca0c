package app_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"tenderdesk/internal/auth"
)

// Q21: staff draft, the authority approves (only with ru, kk and en
// filled), only approved answers are public and searchable by word
// prefix in each language; an edit sends an answer back for approval.
func TestKnowledgeBaseQ21(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn)
		op := d.user("op", auth.RoleOperator, "", "")
		body := d.user("ministry", auth.RoleAuthority, "", "")
		alfa := d.user("alfa", auth.RoleApplicant, "123456789013", "ТОО «Альфа»")
		draft := map[string]any{"question": map[string]string{"ru": "Не подписывается заявка ЭЦП"},
			"answer": map[string]string{"ru": "Обновите NCALayer и проверьте срок действия ключа"}}
		if r := d.req("POST", "/api/v1/kb", alfa, draft); r.Status != http.StatusForbidden {
			t.Fatalf("an applicant drafted: %s", r)
		}
		a := d.must(d.req("POST", "/api/v1/kb", op, draft), http.StatusCreated)
		id := strconv.FormatInt(int64(a.JSON["id"].(float64)), 10)
		if r := d.req("POST", "/api/v1/kb/"+id+"/approve", op, nil); r.Status != http.StatusForbidden {
			t.Fatalf("staff approved their own draft: %s", r)
		}
		if r := d.req("POST", "/api/v1/kb/"+id+"/approve", body, nil); r.Status != http.StatusBadRequest || r.errField("answer.kk") == "" {
			t.Fatalf("approved without Kazakh: %s", r)
		}
		if r := d.must(d.req("GET", "/api/v1/kb?q=ЭЦП", "", nil), http.StatusOK); len(r.JSON["articles"].([]any)) != 0 {
			t.Fatalf("a draft is public: %s", r)
		}
		full := map[string]any{"question": map[string]string{"ru": "Не подписывается заявка ЭЦП", "kk": "Өтінім ЭЦҚ-мен қол қойылмайды", "en": "The bid cannot be signed"},
			"answer": map[string]string{"ru": "Обновите NCALayer", "kk": "NCALayer жаңартыңыз", "en": "Update NCALayer"}}
		d.must(d.req("PUT", "/api/v1/kb/"+id, op, full), http.StatusOK)
		d.must(d.req("POST", "/api/v1/kb/"+id+"/approve", body, nil), http.StatusOK)
		for _, q := range []struct{ lang, q, want string }{
			{"ru", "подпис", "Обновите NCALayer"}, {"kk", "қол", "NCALayer жаңартыңыз"}, {"en", "SIGNED bid", "Update NCALayer"},
		} {
			r := d.must(d.req("GET", "/api/v1/kb?lang="+q.lang+"&q="+strings.ReplaceAll(q.q, " ", "+"), "", nil), http.StatusOK)
			arts := r.JSON["articles"].([]any)
			if len(arts) != 1 || arts[0].(map[string]any)["answer"] != q.want {
				t.Errorf("%s %q: %s", q.lang, q.q, r)
			}
		}
		if r := d.must(d.req("GET", "/api/v1/kb?q=тариф", "", nil), http.StatusOK); len(r.JSON["articles"].([]any)) != 0 {
			t.Errorf("an unrelated search matched: %s", r)
		}
		if r := d.req("GET", "/api/v1/kb?lang=de", "", nil); r.Status != http.StatusBadRequest {
			t.Errorf("lang de: %s", r)
		}
		d.must(d.req("PUT", "/api/v1/kb/"+id, op, full), http.StatusOK) // an edit: back to draft
		if r := d.must(d.req("GET", "/api/v1/kb", "", nil), http.StatusOK); len(r.JSON["articles"].([]any)) != 0 {
			t.Errorf("an edited answer stayed public before approval: %s", r)
		}
		if r := d.req("PUT", "/api/v1/kb/"+id, op, map[string]any{"question": full["question"], "answer": full["answer"], "version": 1}); r.Status != http.StatusConflict {
			t.Errorf("a stale edit: %s", r)
		}
		d.verifyAudit()
	})
}
