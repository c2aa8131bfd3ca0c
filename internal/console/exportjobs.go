package console

import (
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"tenderdesk/internal/auth"
)

// Long exports show their progress (issue 13): the reports page's script
// names its download with a random job token (?job=), the download counts
// the rows it has handed to the file's writer under that token, and the
// page polls GET /reports/progress/{job} for the count until the download
// ends. A job is this process's and its user's only: behind a balancer
// the poll may reach another desk, which answers 404 and the page shows
// nothing more (the download itself is unaffected).
type exportJob struct {
	user    int64
	rows    atomic.Int64
	done    atomic.Bool
	failed  atomic.Bool
	started time.Time
	ended   atomic.Int64 // unix nanoseconds; 0 while running
}

var (
	exportJobs sync.Map // token → *exportJob
	jobToken   = regexp.MustCompile(`^[0-9a-f]{32}$`)
)

// exportKeep is how long a finished job's count stays to be read.
const exportKeep = 10 * time.Minute

// startExport registers the download's job when the page named one; nil
// without a (well-formed) token.
func startExport(q *req) *exportJob {
	tok := q.r.URL.Query().Get("job")
	if !jobToken.MatchString(tok) || q.user == nil {
		return nil
	}
	now := time.Now()
	exportJobs.Range(func(k, v any) bool { // the finished ones past their keep
		if e := v.(*exportJob).ended.Load(); e != 0 && now.Sub(time.Unix(0, e)) > exportKeep {
			exportJobs.Delete(k)
		}
		return true
	})
	j := &exportJob{user: q.user.ID, started: now}
	if _, loaded := exportJobs.LoadOrStore(tok, j); loaded {
		return nil // a token used twice counts for the first download only
	}
	return j
}

func (j *exportJob) finish(err error) {
	if j == nil {
		return
	}
	j.failed.Store(err != nil)
	j.done.Store(true)
	j.ended.Store(time.Now().UnixNano())
}

func (c *Console) exportRoutes() {
	c.route("GET /reports/progress/{job}", auth.PermReportRead, c.exportProgress)
}

// exportProgress is a job's count as JSON: rows, done, failed, and the
// sentence the page shows in its language.
func (c *Console) exportProgress(q *req) error {
	v, ok := exportJobs.Load(q.r.PathValue("job"))
	j, _ := v.(*exportJob)
	if !ok || j.user != q.user.ID {
		q.w.WriteHeader(http.StatusNotFound)
		writeJSON(q.w, map[string]any{"error": "no such export of yours in this desk process"})
		return nil
	}
	rows := j.rows.Load()
	text := q.L.T("r13.export_rows", strconv.FormatInt(rows, 10))
	switch {
	case j.failed.Load():
		text = q.L.T("r13.export_failed", strconv.FormatInt(rows, 10))
	case j.done.Load():
		text = q.L.T("r13.export_done", strconv.FormatInt(rows, 10))
	}
	writeJSON(q.w, map[string]any{"rows": rows, "done": j.done.Load(), "failed": j.failed.Load(), "text": text})
	return nil
}
