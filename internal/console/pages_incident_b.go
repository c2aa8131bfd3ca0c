package console

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/forcemajeure"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/notify"
	"tenderdesk/internal/notify/events"
	"tenderdesk/internal/procurement"
	"tenderdesk/internal/publicnotice"
)

// incidentB is what the incident page shows of the incident's
// notifications, its public notice and its applied plans.
type incidentB struct {
	Notifications []notify.Row
	Preview       *publicnotice.Preview // nil: public notices not wired
	Plans         []procurement.PlanRecord
	Job           *applyView // the last apply of this process, running or done
	NoticeWhy     string     // why the notice is not published: level, state, hidden
}

func init() { funcs["notifState"] = notifState }

// noticeWhy names PreviewNotice's reason for not publishing.
func noticeWhy(p publicnotice.Preview) string {
	switch {
	case p.Published:
		return ""
	case strings.HasPrefix(p.WhyNot, "only confirmed medium and high"):
		return "level"
	case p.WhyNot == "hidden by staff":
		return "hidden"
	}
	return "state"
}

// notificationLimit bounds the incident page's list (newest first).
const notificationLimit = 200

func (c *Console) incidentB(q *req, v journal.IncidentView) (*incidentB, error) {
	b := &incidentB{}
	var planIDs []int64
	if c.d.Procurement != nil {
		var err error
		if b.Plans, err = c.d.Procurement.PlansOf(q.ctx(), v.ID); err != nil {
			return nil, err
		}
		for _, p := range b.Plans {
			planIDs = append(planIDs, p.ID)
		}
	}
	if q.can("notification:read") {
		var numbers []string
		for _, a := range v.Appeals {
			numbers = append(numbers, a.Number)
		}
		keys := events.OfIncident(v.ID, numbers, planIDs)
		if c.d.ForceMajeure != nil { // every version told to the authorized body (issue 14, Q17)
			fm, err := c.d.ForceMajeure.Get(q.ctx(), v.ID)
			if err != nil && apperr.CodeOf(err) != apperr.NotFound {
				return nil, err
			}
			for i := 1; i <= fm.Version; i++ {
				keys = append(keys, forcemajeure.Event(v.ID, i))
			}
		}
		var err error
		if b.Notifications, err = notify.ForEvents(q.ctx(), c.d.DB, keys, notificationLimit); err != nil {
			return nil, err
		}
	}
	if c.d.Notices != nil && c.d.Status != nil {
		p, err := c.d.Notices.PreviewNotice(q.ctx(), v.ID)
		if err != nil {
			return nil, err
		}
		b.Preview, b.NoticeWhy = &p, noticeWhy(p)
	}
	if j := c.jobs.get(v.ID); j != nil {
		b.Job = j.view()
		if b.Job.Error != nil {
			b.Job.ErrorText = c.errText(q.L, b.Job.Error)
		}
	}
	return b, nil
}

// notifState is how a row is shown: sent, failed, retrying (pending after a
// failed attempt) or waiting (not tried yet).
func notifState(r notify.Row) string {
	switch {
	case r.Status == "pending" && r.Attempts > 0:
		return "retrying"
	case r.Status == "pending":
		return "waiting"
	case r.Status == "sent" && r.BouncedAt != nil:
		return "bounced"
	}
	return r.Status
}

// incidentNotificationRetry requeues one failed notification of the
// incident, audited (notify.Retry).
func (c *Console) incidentNotificationRetry(q *req) error {
	id, err := incidentID(q)
	if err != nil {
		return err
	}
	nid, err := strconv.ParseInt(q.r.PathValue("nid"), 10, 64)
	if err != nil || nid <= 0 {
		return apperr.New(apperr.NotFound, "no notification %q", q.r.PathValue("nid"))
	}
	v, err := c.d.Journal.Incident(q.ctx(), id)
	if err != nil {
		return err
	}
	b, err := c.incidentB(q, v)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(b.Notifications, func(r notify.Row) bool { return r.ID == nid }) {
		return apperr.New(apperr.NotFound, "notification %d is not one of incident %d", nid, id)
	}
	if err := notify.Retry(q.ctx(), c.d.DB, c.d.Now().UTC(), q.user.Actor(clientAddr(q.r)), nid); err != nil {
		return err
	}
	http.Redirect(q.w, q.r, fmt.Sprintf("/incidents/%d?done=retried#notifications", id), http.StatusSeeOther)
	return nil
}

// incidentNotice serves the incident's public notice exactly as /status
// will show it (the status page's own renderer), for the preview frame on
// the incident page; ?lang= picks its language without changing the
// console's.
func (c *Console) incidentNotice(q *req) error {
	id, err := incidentID(q)
	if err != nil {
		return err
	}
	if c.d.Notices == nil || c.d.Status == nil {
		return apperr.New(apperr.NotFound, "public notices are not wired")
	}
	f, err := c.d.Notices.FailureOf(q.ctx(), id)
	if err != nil {
		return err
	}
	lang := q.r.URL.Query().Get("lang")
	if !validLang(lang) {
		lang = q.L.Lang
	}
	body, err := c.d.Status.PreviewHTML(f, lang)
	if err != nil {
		return err
	}
	h := q.w.Header()
	h.Del("Set-Cookie") // the frame's language is not the console's
	// The status page carries its own inline styles and no script; it may
	// be framed by the console only.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'")
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", lang)
	_, _ = q.w.Write(body)
	return nil
}

// incidentRevert reverts one applied plan of the incident: administrators
// only (impact:revert), with a reason; procurement.Revert audits it with
// the rules the plan's changes cited.
func (c *Console) incidentRevert(q *req) error {
	id, err := incidentID(q)
	if err != nil {
		return err
	}
	if c.d.Procurement == nil {
		return apperr.New(apperr.NotFound, "the procurement mirror is not wired")
	}
	pid, err := strconv.ParseInt(q.r.PathValue("plan"), 10, 64)
	if err != nil || pid <= 0 {
		return apperr.New(apperr.NotFound, "no applied plan %q", q.r.PathValue("plan"))
	}
	plan, err := c.d.Procurement.PlanByID(q.ctx(), pid)
	if err != nil {
		return err
	}
	if plan.Incident != id {
		return apperr.New(apperr.NotFound, "applied plan %d is not one of incident %d", pid, id)
	}
	reason := strings.TrimSpace(q.r.PostFormValue("reason"))
	_, err = c.d.Procurement.Revert(q.ctx(), pid, reason, q.user.Actor(clientAddr(q.r)))
	if err == nil {
		http.Redirect(q.w, q.r, fmt.Sprintf("/incidents/%d?done=reverted#plans", id), http.StatusSeeOther)
		return nil
	}
	d, derr := c.incidentData(q, id)
	if derr != nil {
		return derr
	}
	p := c.page(q, q.L.T("incident.title", id), d)
	if !c.formErrors(p, err) {
		return err
	}
	if m, ok := p.Errors["reason"]; ok {
		delete(p.Errors, "reason")
		p.Errors["reason-"+strconv.FormatInt(pid, 10)] = m
	}
	code := http.StatusBadRequest
	if apperr.CodeOf(err) == apperr.Conflict {
		code = http.StatusConflict
	}
	c.renderPage(q, code, "incident", p)
	return nil
}

// --- apply with progress ---

// applyJob is one apply running in the background: the operator may leave
// the page and come back to its progress or its result. Jobs live in this
// process (the plan itself, once applied, is in the database and listed
// with the incident's plans).
type applyJob struct {
	incident    int64
	by          string
	started     time.Time
	done, total atomic.Int64
	finished    chan struct{}
	res         procurement.Applied
	err         error
	ended       time.Time
}

// applyView is a job as the page shows it.
type applyView struct {
	Running     bool
	By          string
	Started     time.Time
	Ended       time.Time
	Done, Total int64
	Procedures  int
	Changes     int
	Error       error
	ErrorText   string // in the page's language
}

func (j *applyJob) view() *applyView {
	v := &applyView{By: j.by, Started: j.started, Done: j.done.Load(), Total: j.total.Load()}
	select {
	case <-j.finished:
		v.Ended, v.Error, v.Procedures, v.Changes = j.ended, j.err, j.res.Procedures, j.res.Changes
	default:
		v.Running = true
	}
	return v
}

type applyJobs struct {
	mu sync.Mutex
	m  map[int64]*applyJob
	// hold, when set (tests), stops every apply after its first procedure
	// until it is closed, so its progress can be looked at.
	hold atomic.Pointer[chan struct{}]
}

func (js *applyJobs) get(incident int64) *applyJob {
	js.mu.Lock()
	defer js.mu.Unlock()
	return js.m[incident]
}

// start runs fn as the incident's job unless one is running (then that
// one is returned, with started false).
func (js *applyJobs) start(incident int64, by string, now time.Time, fn func(j *applyJob) (procurement.Applied, error)) (j *applyJob, started bool) {
	js.mu.Lock()
	defer js.mu.Unlock()
	if old := js.m[incident]; old != nil {
		select {
		case <-old.finished:
		default:
			return old, false
		}
	}
	if js.m == nil {
		js.m = map[int64]*applyJob{}
	}
	j = &applyJob{incident: incident, by: by, started: now, finished: make(chan struct{})}
	js.m[incident] = j
	go func() {
		defer close(j.finished)
		j.res, j.err = fn(j)
		j.ended = time.Now()
	}()
	return j, true
}

// applyWait is how long an apply request waits for the job before it
// sends the operator to the progress (a short apply ends at once).
var defaultApplyWait = 3 * time.Second

// SetApplyWait changes how long an apply request waits for its job before
// showing its progress (tests: 0 shows the progress at once).
func (c *Console) SetApplyWait(d time.Duration) { c.applyWait.Store(int64(d)) }

// startApply applies the plan previewed (its hash) in the background and
// waits a moment: done by then, the page shows the result; else it shows
// the progress, which the script keeps current.
func (c *Console) startApply(q *req, id int64, hash string) error {
	by := q.user.Actor(clientAddr(q.r))
	ctx := context.WithoutCancel(q.ctx()) // leaving the page does not stop it
	j, _ := c.jobs.start(id, by.Login, c.d.Now(), func(j *applyJob) (procurement.Applied, error) {
		return c.d.Procurement.Apply(ctx, id, procurement.PlanRequest{PlanHash: hash, Progress: func(done, total int) {
			j.done.Store(int64(done))
			j.total.Store(int64(total))
			if h := c.jobs.hold.Load(); h != nil && done == 1 {
				<-*h
			}
		}}, by)
	})
	select {
	case <-j.finished:
		if j.err != nil {
			return j.err
		}
		http.Redirect(q.w, q.r, fmt.Sprintf("/incidents/%d?done=applied&n=%d", id, j.res.Procedures), http.StatusSeeOther)
	case <-time.After(time.Duration(c.applyWait.Load())):
		http.Redirect(q.w, q.r, fmt.Sprintf("/incidents/%d#apply", id), http.StatusSeeOther)
	}
	return nil
}

// incidentApplyProgress is the job's state for the page's script.
func (c *Console) incidentApplyProgress(q *req) error {
	id, err := incidentID(q)
	if err != nil {
		return err
	}
	j := c.jobs.get(id)
	if j == nil {
		return apperr.New(apperr.NotFound, "no apply of incident %d since the desk started", id)
	}
	v := j.view()
	out := map[string]any{"running": v.Running, "done": v.Done, "total": v.Total, "procedures": v.Procedures,
		"text": q.L.T("cb.apply.progress", v.Done, v.Total)}
	if v.Error != nil {
		out["error"] = c.errText(q.L, v.Error)
	}
	writeJSON(q.w, out)
	return nil
}

// errText is an error as the person reads it in their language.
func (c *Console) errText(l *L, err error) string {
	var ae *apperr.Error
	if asAppErr(err, &ae) && ae.Code != apperr.Internal {
		return c.explain(l, ae)
	}
	return l.T("err.internal")
}
