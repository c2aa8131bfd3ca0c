package app_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"tenderdesk/internal/auth"
	"tenderdesk/internal/files/clamdtest"
)

// Cross-organization (issue 11): nothing of organization A — its appeal,
// conversation, clocks, mail thread, files, uploads, notices — is
// reachable by a user of organization B, whatever B tries. Each probe
// first succeeds for A, so a 404 for B is the isolation, not a typo.
func TestCrossOrganizationIsolation(t *testing.T) {
	clamd := clamdtest.Addr(t)
	backends(t, func(t *testing.T, dsn string) {
		d := bootClamd(t, dsn, clamd)
		alfa := d.user("alfa", auth.RoleApplicant, "123456789013", "ТОО «Альфа»")
		beta := d.user("beta", auth.RoleCustomer, "990340005977", "ТОО «Бета»")
		number, inc := d.register(alfa, nil)
		fileID, r := d.upload(alfa, "a.png", []byte("alfa's screenshot"), 1<<20)
		if fileID == 0 {
			t.Fatal(r)
		}
		d.must(d.req("POST", "/api/v1/incidents/"+strconv.FormatInt(inc, 10)+"/analyse", d.Admin, nil), http.StatusOK)
		d.must(d.req("POST", "/api/v1/incidents/"+strconv.FormatInt(inc, 10)+"/request_info", d.Admin, map[string]any{"note": "секрет Альфы"}), http.StatusOK)
		d.must(d.req("POST", "/api/v1/appeals/"+number+"/messages", alfa, map[string]any{"text": "ответ Альфы", "attachments": []int64{fileID}}), http.StatusCreated)
		d.must(d.req("POST", "/api/v1/appeals/"+number+"/messages", d.Admin, map[string]any{"text": "ответ оператора"}), http.StatusCreated)
		up := d.must(d.tusCreate(alfa, "pending.bin", 10), http.StatusCreated).Header.Get("Location")
		file := "/api/v1/files/" + strconv.FormatInt(fileID, 10)

		for _, p := range []struct {
			name, method, path string
			body               any
			hdr                []string
			okStatus           int
		}{
			{"appeal", "GET", "/api/v1/appeals/" + number, nil, nil, 200},
			{"conversation", "GET", "/api/v1/appeals/" + number + "/conversation", nil, nil, 200},
			{"write to the conversation", "POST", "/api/v1/appeals/" + number + "/messages", map[string]any{"text": "чужое"}, nil, 201},
			{"mail thread", "GET", "/api/v1/appeals/" + number + "/messages", nil, nil, 200},
			{"clocks", "GET", "/api/v1/appeals/" + number + "/clocks", nil, nil, 200},
			{"file", "GET", file, nil, nil, 200},
			{"upload state", "HEAD", up, nil, []string{"Tus-Resumable", "1.0.0"}, 200},
			{"upload part", "PATCH", up, "0123456789", []string{"Tus-Resumable", "1.0.0", "Upload-Offset", "0", "Content-Type", "application/offset+octet-stream"}, 204},
		} {
			t.Run(p.name, func(t *testing.T) {
				rb, _ := d.send(p.method, p.path, beta, p.body, p.hdr...)
				if rb.Status != http.StatusNotFound {
					t.Errorf("organization B: %s %s → %d %s, want 404", p.method, p.path, rb.Status, rb.Raw)
				}
				if strings.Contains(string(rb.Raw), "Альф") {
					t.Errorf("organization B sees A's data: %s", rb.Raw)
				}
				ra, _ := d.send(p.method, p.path, alfa, p.body, p.hdr...)
				if ra.Status != p.okStatus {
					t.Errorf("organization A: %s %s → %d %s, want %d", p.method, p.path, ra.Status, ra.Raw, p.okStatus)
				}
			})
		}
		// the journal, and the notices in B's cabinet
		if r := d.must(d.req("GET", "/api/v1/journal", beta, nil), http.StatusOK); strings.Contains(string(r.Raw), number) {
			t.Errorf("B's journal lists A's appeal")
		}
		if r := d.must(d.req("GET", "/api/v1/me/notifications", beta, nil), http.StatusOK); len(r.JSON["items"].([]any)) != 0 {
			t.Errorf("B's cabinet holds A's notices: %s", r)
		}
		if r := d.must(d.req("GET", "/api/v1/me/notifications", alfa, nil), http.StatusOK); !strings.Contains(string(r.Raw), "ответ оператора") {
			t.Errorf("A's cabinet lacks the staff reply: %s", r)
		}
	})
}
