package console

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/calendar"
	"tenderdesk/internal/clocks"
	"tenderdesk/internal/regulation"
)

// calendarData is one profile's month: its working days, days off,
// holidays and moved days, with the administrators' overrides laid over.
type calendarData struct {
	Profiles  []string
	Profile   *regulation.Profile
	Year      int
	Month     time.Month
	Prev      string // ?month= of the months around
	Next      string
	Weeks     [][]calDay // Monday first; cells outside the month are zero
	Special   []calDay   // the month's days that are not ordinary
	Overrides []clocks.Override
	Scopes    []string // what an override may be laid over, widest first
	Kinds     []string
}

type calDay struct {
	calendar.DayInfo
	In       bool // inside the month
	Override bool
	Hours    string
}

func init() { funcs["weekdays"] = func() []int { return []int{1, 2, 3, 4, 5, 6, 7} } }

// DMY is the date as people write it here.
func (d calDay) DMY() string {
	return fmt.Sprintf("%02d.%02d.%04d", d.Date.Day, int(d.Date.Month), d.Date.Year)
}

func (d calDay) KindCode() string {
	return map[calendar.Kind]string{calendar.Workday: "workday", calendar.Weekend: "weekend", calendar.Holiday: "holiday",
		calendar.MovedDayOff: "moved_off", calendar.MovedWorkingDay: "moved_work", calendar.AdminDayOff: "admin_off",
		calendar.AdminWorkingDay: "admin_work"}[d.Kind]
}

func (c *Console) calendarData(q *req, p *Page) (*calendarData, error) {
	if c.d.Clocks == nil {
		return nil, apperr.New(apperr.NotFound, "the clocks are not wired")
	}
	v := q.r.URL.Query()
	if q.r.Method == http.MethodPost {
		v = url.Values{"profile": {q.r.PostFormValue("profile")}, "month": {q.r.PostFormValue("month")}}
	}
	d := &calendarData{Kinds: []string{clocks.KindDayOff, clocks.KindWorkingDay, clocks.KindHours}}
	for _, pr := range c.d.Clocks.Registry.Profiles() {
		d.Profiles = append(d.Profiles, pr.ID())
	}
	id := v.Get("profile")
	if id == "" {
		id = d.Profiles[0]
	}
	if !slices.Contains(d.Profiles, id) {
		return nil, apperr.New(apperr.NotFound, "unknown profile %q; accepted: %s", id, strings.Join(d.Profiles, ", "))
	}
	prof, err := c.d.Clocks.Profile(id)
	if err != nil {
		return nil, err
	}
	d.Profile = prof
	cal := prof.Calendar()
	now := c.d.Now().In(cal.Location())
	d.Year, d.Month = now.Year(), now.Month()
	if m := v.Get("month"); m != "" {
		t, err := time.Parse("2006-01", m)
		if err != nil || t.Year() < 2015 || t.Year() > 2044 {
			p.Errors["month"] = q.L.T("cb.cal.bad_month")
		} else {
			d.Year, d.Month = t.Year(), t.Month()
		}
	}
	p.Form.Set("profile", id)
	p.Form.Set("month", fmt.Sprintf("%04d-%02d", d.Year, int(d.Month)))
	first := calendar.D(d.Year, d.Month, 1)
	last := calendar.DateOf(time.Date(d.Year, d.Month+1, 0, 0, 0, 0, 0, time.UTC)) // day 0: the month's last
	pm, nm := time.Date(d.Year, d.Month-1, 1, 0, 0, 0, 0, time.UTC), time.Date(d.Year, d.Month+1, 1, 0, 0, 0, 0, time.UTC)
	d.Prev, d.Next = pm.Format("2006-01"), nm.Format("2006-01")
	all, err := c.d.Clocks.Overrides(q.ctx())
	if err != nil {
		return nil, err
	}
	for _, o := range all {
		if o.AppliesTo(prof) {
			d.Overrides = append(d.Overrides, o)
		}
	}
	d.Scopes = []string{prof.Country, prof.Family}
	if prof.ID() != prof.Family {
		d.Scopes = append(d.Scopes, prof.ID())
	}
	// Monday-first weeks.
	lead := (int(first.Weekday()) + 6) % 7
	week := make([]calDay, 7)
	col := lead
	for _, info := range cal.Days(first, last) {
		ds := info.Date.String()
		day := calDay{DayInfo: info, In: true, Override: info.Basis == "override" ||
			slices.ContainsFunc(d.Overrides, func(o clocks.Override) bool { return o.From <= ds && ds <= o.To })} // hours overrides too
		var hs []string
		for _, iv := range cal.Intervals(info.Date) {
			hs = append(hs, iv[0].Format("15:04")+"–"+iv[1].Format("15:04"))
		}
		day.Hours = strings.Join(hs, ", ")
		week[col] = day
		if day.Kind != calendar.Workday && day.Kind != calendar.Weekend || day.Override || day.Name != "" {
			d.Special = append(d.Special, day)
		}
		col++
		if col == 7 {
			d.Weeks = append(d.Weeks, week)
			week, col = make([]calDay, 7), 0
		}
	}
	if col > 0 {
		d.Weeks = append(d.Weeks, week)
	}
	return d, nil
}

func (c *Console) calendarRender(q *req, code int, p *Page) error {
	d, err := c.calendarData(q, p)
	if err != nil {
		return err
	}
	p.Data = d
	if len(p.Errors) > 0 && code == http.StatusOK {
		code = http.StatusBadRequest
	}
	c.renderPage(q, code, "calendar", p)
	return nil
}

func (c *Console) calendarPage(q *req) error {
	p := c.page(q, q.L.T("cb.cal.title"), nil)
	if q.r.URL.Query().Get("done") != "" {
		p.Notice = q.L.T("incident.done")
	}
	return c.calendarRender(q, http.StatusOK, p)
}

func (c *Console) calendarBack(q *req) {
	v := url.Values{"profile": {q.r.PostFormValue("profile")}, "month": {q.r.PostFormValue("month")}, "done": {"1"}}
	http.Redirect(q.w, q.r, "/admin/calendar?"+v.Encode(), http.StatusSeeOther)
}

// calendarOverrideAdd lays an override over the calendar (clocks.PutOverride:
// audited, running clocks recomputed).
func (c *Console) calendarOverrideAdd(q *req) error {
	f := q.r.PostForm
	p := c.page(q, q.L.T("cb.cal.title"), nil)
	o := clocks.Override{Scope: f.Get("scope"), Kind: f.Get("kind"), From: strings.TrimSpace(f.Get("from")), To: strings.TrimSpace(f.Get("to")),
		AllDays: f.Get("all_days") != "", Reason: f.Get("reason"), Source: f.Get("source"),
		Intervals: append([]string{}, strings.FieldsFunc(f.Get("intervals"), func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' })...)}
	if _, err := c.d.Clocks.PutOverride(q.ctx(), q.user.Actor(clientAddr(q.r)), o); err != nil {
		if !c.formErrors(p, err) {
			return err
		}
		for k, vs := range f {
			if k != "csrf" {
				p.Form[k] = vs
			}
		}
		return c.calendarRender(q, http.StatusBadRequest, p)
	}
	c.calendarBack(q)
	return nil
}

// calendarOverrideDelete removes an override, with the reason (audited).
func (c *Console) calendarOverrideDelete(q *req) error {
	id, err := strconv.ParseInt(q.r.PathValue("oid"), 10, 64)
	if err != nil || id <= 0 {
		return apperr.New(apperr.NotFound, "no calendar override %q", q.r.PathValue("oid"))
	}
	reason := strings.TrimSpace(q.r.PostFormValue("reason"))
	if reason == "" {
		p := c.page(q, q.L.T("cb.cal.title"), nil)
		p.Errors["reason-"+strconv.FormatInt(id, 10)] = q.L.T("cb.cal.need_reason")
		p.Notice = q.L.T("form.fix_marked")
		return c.calendarRender(q, http.StatusBadRequest, p)
	}
	if err := c.d.Clocks.DeleteOverride(q.ctx(), q.user.Actor(clientAddr(q.r)), id, reason); err != nil {
		return err
	}
	c.calendarBack(q)
	return nil
}
