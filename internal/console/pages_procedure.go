package console

import (
	"net/http"
	"strconv"
	"strings"

	"tenderdesk/internal/procurement"
)

// isNum: a plan change's event is an incident's id (linked) or a
// maintenance window's.
func init() {
	funcs["isNum"] = func(s string) bool { _, err := strconv.ParseInt(s, 10, 64); return err == nil }
}

type proceduresData struct {
	Announcement string
	Procedures   []procurement.Procedure
	Searched     bool
}

// procedures finds the procedures of an announcement number: their lots,
// deadlines in force, and every extension applied with the rule it cites.
func (c *Console) procedures(q *req) error {
	ann := strings.TrimSpace(q.r.URL.Query().Get("announcement"))
	d := &proceduresData{Announcement: ann}
	p := c.page(q, q.L.T("cb.proc.title"), d)
	p.Form.Set("announcement", ann)
	if c.d.Procurement == nil {
		p.Notice = q.L.T("cb.proc.off")
		c.renderPage(q, http.StatusOK, "procedures", p)
		return nil
	}
	if _, asked := q.r.URL.Query()["announcement"]; asked {
		ps, err := c.d.Procurement.ByAnnouncement(q.ctx(), ann)
		if err != nil {
			if !c.formErrors(p, err) {
				return err
			}
			c.renderPage(q, http.StatusBadRequest, "procedures", p)
			return nil
		}
		d.Procedures, d.Searched = ps, true
	}
	c.renderPage(q, http.StatusOK, "procedures", p)
	return nil
}
