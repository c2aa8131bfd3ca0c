package console

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/intake/monitor"
)

// --- the desk's own sources of failures (issue 14, Q27): probes with
// their uptime, what monitoring and the system logs sent, log rules ---

// intakeView is the /intake page's data.
type intakeView struct {
	Status     monitor.Status
	Probes     []probeRow
	Signals    []monitor.Signal
	Rules      []monitor.LogRule
	Severities []string
}

// probeRow is a probe with its last day: the share of good checks and the
// last checks as chart bars, oldest first.
type probeRow struct {
	monitor.Probe
	UptimePct string
	Checks    int
	Bars      []probeBar
}

type probeBar struct {
	X  int
	OK bool
}

const chartBars = 48

func (c *Console) intakePage(q *req, code int, p *Page) error {
	m := c.d.Intake
	if m == nil {
		return apperr.New(apperr.NotFound, "the monitoring intake is not wired")
	}
	ctx := q.ctx()
	v := intakeView{Severities: monitor.Severities}
	var err error
	if v.Status, err = m.CurrentStatus(ctx); err != nil {
		return err
	}
	ps, err := m.Probes(ctx)
	if err != nil {
		return err
	}
	since := c.d.Now().Add(-24 * time.Hour)
	for _, pr := range ps {
		rs, err := m.ProbeResults(ctx, pr.ID, since, 10000)
		if err != nil {
			return err
		}
		row := probeRow{Probe: pr, Checks: len(rs), UptimePct: "—"}
		if len(rs) > 0 {
			row.UptimePct = strconv.FormatFloat(100*monitor.Uptime(rs), 'f', 1, 64)
			if q.L.Lang != "en" {
				row.UptimePct = strings.Replace(row.UptimePct, ".", ",", 1)
			}
		}
		last := rs[:min(len(rs), chartBars)]
		for i := range last {
			r := last[len(last)-1-i] // results are newest first
			row.Bars = append(row.Bars, probeBar{X: i * 5, OK: r.OK})
		}
		v.Probes = append(v.Probes, row)
	}
	if v.Signals, err = m.Signals(ctx, 0, 50); err != nil {
		return err
	}
	if v.Rules, err = m.LogRules(ctx); err != nil {
		return err
	}
	p.Data = v
	c.renderPage(q, code, "intake", p)
	return nil
}

func (c *Console) intake(q *req) error {
	p := c.page(q, q.L.T("intake.title"), nil)
	if q.r.URL.Query().Get("done") != "" {
		p.Notice = q.L.T("incident.done")
	}
	return c.intakePage(q, http.StatusOK, p)
}

func (c *Console) intakeProbeAdd(q *req) error {
	if c.d.Intake == nil {
		return apperr.New(apperr.NotFound, "the monitoring intake is not wired")
	}
	f := q.r.PostForm
	p := c.page(q, q.L.T("intake.title"), nil)
	p.Form = f
	in := monitor.ProbeInput{Module: strings.TrimSpace(f.Get("module")), URL: strings.TrimSpace(f.Get("url")),
		ExpectBody: f.Get("expect_body")}
	if s := strings.TrimSpace(f.Get("interval")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			p.Errors["interval_ms"] = q.L.T("bad.intake_interval")
		}
		in.IntervalMS = int64(n) * 1000
	}
	if s := strings.TrimSpace(f.Get("threshold")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			p.Errors["threshold"] = q.L.T("bad.intake_threshold")
		}
		in.Threshold = n
	}
	if len(p.Errors) == 0 {
		_, err := c.d.Intake.SaveProbe(q.ctx(), q.user.Actor(clientAddr(q.r)), 0, in)
		if err == nil {
			http.Redirect(q.w, q.r, "/intake?done=1", http.StatusSeeOther)
			return nil
		}
		if !c.formErrors(p, err) {
			return err
		}
	} else {
		p.Notice = q.L.T("form.fix_marked")
	}
	return c.intakePage(q, http.StatusBadRequest, p)
}

func (c *Console) intakeRuleAdd(q *req) error {
	if c.d.Intake == nil {
		return apperr.New(apperr.NotFound, "the monitoring intake is not wired")
	}
	f := q.r.PostForm
	p := c.page(q, q.L.T("intake.title"), nil)
	p.Form = f
	_, err := c.d.Intake.AddLogRule(q.ctx(), q.user.Actor(clientAddr(q.r)), monitor.NewLogRule{Module: strings.TrimSpace(f.Get("rule_module")),
		Severity: f.Get("severity"), Pattern: f.Get("pattern")})
	if err == nil {
		http.Redirect(q.w, q.r, "/intake?done=1", http.StatusSeeOther)
		return nil
	}
	if !c.formErrors(p, err) {
		return err
	}
	if msg, ok := p.Errors["module"]; ok { // the rule form's module field has its own name
		p.Errors["rule_module"] = msg
		delete(p.Errors, "module")
	}
	return c.intakePage(q, http.StatusBadRequest, p)
}

func (c *Console) intakeCheck(q *req) error {
	if c.d.Intake == nil {
		return apperr.New(apperr.NotFound, "the monitoring intake is not wired")
	}
	id, err := strconv.ParseInt(q.r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return apperr.New(apperr.NotFound, "no probe %q", q.r.PathValue("id"))
	}
	if _, err := c.d.Intake.CheckProbe(q.ctx(), id); err != nil {
		return err
	}
	http.Redirect(q.w, q.r, fmt.Sprintf("/intake?done=1#probe-%d", id), http.StatusSeeOther)
	return nil
}
