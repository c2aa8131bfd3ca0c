package console

import (
	"strconv"
	"strings"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/forcemajeure"
)

// Force majeure on the incident page (issue 14, Q17, Q37.10): staff who
// may apply plans record its start, expected duration, end and evidence,
// and the days agreed with the authorized body; every change is told to
// the authorized body at once (internal/forcemajeure, as the API's PUT
// /api/v1/incidents/{id}/force-majeure).

type fmData struct {
	Rec    forcemajeure.Record
	Exists bool
}

func (c *Console) forceMajeureRoutes() {
	c.route("POST /incidents/{id}/force-majeure", auth.PermImpactApply, c.incidentForceMajeure)
}

// incidentFM fills the incident page's part and, for a fresh page, the
// form with what is recorded.
func (c *Console) incidentFM(q *req, p *Page, d *incidentData, fill bool) error {
	if c.d.ForceMajeure == nil || !q.can(auth.PermImpactApply) {
		return nil
	}
	r, err := c.d.ForceMajeure.Get(q.ctx(), d.Incident.ID)
	fd := &fmData{Rec: r, Exists: err == nil}
	if err != nil && apperr.CodeOf(err) != apperr.NotFound {
		return err
	}
	d.FM = fd
	if fill && fd.Exists {
		p.Form.Set("fm_started_at", r.StartedAt.In(c.d.Zone).Format("02.01.2006 15:04"))
		p.Form.Set("expected_hours", strconv.Itoa(r.ExpectedHours))
		if r.EndedAt != nil {
			p.Form.Set("ended_at", r.EndedAt.In(c.d.Zone).Format("02.01.2006 15:04"))
		}
		p.Form.Set("evidence", r.Evidence)
		if r.AgreedDays > 0 {
			p.Form.Set("agreed_days", strconv.Itoa(r.AgreedDays))
		}
	}
	return nil
}

func (c *Console) incidentForceMajeure(q *req) error {
	p, d, id, err := c.incidentPageOf(q)
	if err != nil {
		return err
	}
	f := q.r.PostForm
	var in forcemajeure.Input
	in.StartedAt = c.localTime(p, "started_at", f.Get("fm_started_at"))
	in.EndedAt = c.localTime(p, "ended_at", f.Get("ended_at"))
	for _, x := range []struct {
		name string
		dst  **int
	}{{"expected_hours", &in.ExpectedHours}, {"agreed_days", &in.AgreedDays}} {
		if v := strings.TrimSpace(f.Get(x.name)); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				p.Errors[x.name] = q.L.T("fm.bad_number")
				continue
			}
			*x.dst = &n
		}
	}
	if ev := f.Get("evidence"); strings.TrimSpace(ev) != "" {
		in.Evidence = &ev
	}
	return c.submit(q, p, "/incidents/"+strconv.FormatInt(id, 10)+"?done=force_majeure#force-majeure", "incident", func() error {
		_, err := c.d.ForceMajeure.Set(q.ctx(), q.user.Actor(clientAddr(q.r)), id, in)
		return err
	}, func() error { return c.incidentFM(q, p, d, false) })
}
