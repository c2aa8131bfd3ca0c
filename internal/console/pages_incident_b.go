package console

import (
	"context"
	"errors"
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
	"tenderdesk/internal/store"
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
	job, err := c.applyState(q, v.ID)
	if err != nil {
		return nil, err
	}
	if b.Job = job; job != nil && job.Error != nil {
		b.Job.ErrorText = c.errText(q.L, job.Error)
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
// the progress, which the script keeps current. The progress is also kept
// in the database (procurement.ApplyProgress), so a console served by
// another desk process sees it, and an apply running on another process is
// not started twice.
func (c *Console) startApply(q *req, id int64, hash string) error {
	by := q.user.Actor(clientAddr(q.r))
	ctx := context.WithoutCancel(q.ctx()) // leaving the page does not stop it
	if j := c.jobs.get(id); j != nil && j.view().Running {
		http.Redirect(q.w, q.r, fmt.Sprintf("/incidents/%d#apply", id), http.StatusSeeOther)
		return nil
	}
	started := c.d.Now()
	claimed, err := c.d.Procurement.ClaimApply(q.ctx(), id, by.Login, started)
	if err != nil {
		return err
	}
	if !claimed { // running on another process: its progress is on the page
		http.Redirect(q.w, q.r, fmt.Sprintf("/incidents/%d#apply", id), http.StatusSeeOther)
		return nil
	}
	j, _ := c.jobs.start(id, by.Login, started, func(j *applyJob) (procurement.Applied, error) {
		stop := c.beatApply(ctx, id, j)
		res, err := c.d.Procurement.Apply(ctx, id, procurement.PlanRequest{PlanHash: hash, Progress: func(done, total int) {
			j.done.Store(int64(done))
			j.total.Store(int64(total))
			if h := c.jobs.hold.Load(); h != nil && done == 1 {
				<-*h
			}
		}}, by)
		stop()
		if rerr := c.d.Procurement.ApplyEnded(ctx, id, started, int(j.done.Load()), int(j.total.Load()), res, err, c.d.Now()); rerr != nil {
			c.d.Log.Error("apply progress: the end not recorded", "incident", id, "error", rerr.Error())
		}
		return res, err
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

// beatApply writes the job's progress to the database while it runs, on
// PostgreSQL: each change at most every 250 ms, and at least every
// procurement.ProgressBeat, so other processes see it move and know it
// lives. On SQLite the apply holds the one write lock and the desk is one
// process: its consoles read the job itself.
func (c *Console) beatApply(ctx context.Context, id int64, j *applyJob) (stop func()) {
	if c.d.DB.Dialect == store.SQLite {
		return func() {}
	}
	done := make(chan struct{})
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		var last [2]int64
		var wrote time.Time
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			now := [2]int64{j.done.Load(), j.total.Load()}
			if now == last && time.Since(wrote) < procurement.ProgressBeat {
				continue
			}
			if err := c.d.Procurement.ApplyProgressed(ctx, id, j.started, int(now[0]), int(now[1]), c.d.Now()); err != nil {
				c.d.Log.Warn("apply progress: not recorded", "incident", id, "error", err.Error())
				continue
			}
			last, wrote = now, time.Now()
		}
	}()
	return func() { close(done); <-ended }
}

// applyState is the incident's last apply as this console shows it: the
// job of this process, unless the database knows of a later one (run by
// another process), whose progress it then shows.
func (c *Console) applyState(q *req, id int64) (*applyView, error) {
	var v *applyView
	j := c.jobs.get(id)
	if j != nil {
		v = j.view()
	}
	if c.d.Procurement == nil {
		return v, nil
	}
	p, ok, err := c.d.Procurement.ApplyProgressOf(q.ctx(), id, c.d.Now())
	if err != nil || !ok || (j != nil && !p.Started.After(j.started)) {
		return v, err
	}
	v = &applyView{Running: p.State == "running", By: p.By, Started: p.Started, Ended: p.Ended, Done: int64(p.Done), Total: int64(p.Total),
		Procedures: p.Procedures, Changes: p.Changes, Error: p.Err}
	if p.State == "interrupted" {
		v.Error = errApplyInterrupted
		v.Ended = p.Updated
	}
	return v, nil
}

// errApplyInterrupted: the process running the apply stopped (its
// transaction rolled back: nothing was applied).
var errApplyInterrupted = errors.New("apply interrupted")

// incidentApplyProgress is the job's state for the page's script.
func (c *Console) incidentApplyProgress(q *req) error {
	id, err := incidentID(q)
	if err != nil {
		return err
	}
	v, err := c.applyState(q, id)
	if err != nil {
		return err
	}
	if v == nil {
		return apperr.New(apperr.NotFound, "no apply of incident %d", id)
	}
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
	if errors.Is(err, errApplyInterrupted) {
		return l.T("c10.apply.interrupted")
	}
	var ae *apperr.Error
	if asAppErr(err, &ae) && ae.Code != apperr.Internal {
		return c.explain(l, ae)
	}
	return l.T("err.internal")
}
