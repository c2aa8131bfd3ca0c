package monitor

import (
	"container/heap"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/store"
)

// Probe is an HTTP(S) check of a portal module the desk runs itself.
type Probe struct {
	ID           int64      `json:"id"`
	Module       string     `json:"module"`
	URL          string     `json:"url"`
	IntervalMS   int64      `json:"interval_ms"`
	TimeoutMS    int64      `json:"timeout_ms"`
	ExpectStatus int        `json:"expect_status"`
	ExpectBody   string     `json:"expect_body,omitempty"`
	CertMinDays  int        `json:"cert_min_days,omitempty"`
	Threshold    int        `json:"threshold"`
	Enabled      bool       `json:"enabled"`
	FailingSince *time.Time `json:"failing_since,omitempty"`
	Failures     int        `json:"failures"`
	Alerted      bool       `json:"alerted"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// ProbeInput is what an administrator sends (POST, PUT).
type ProbeInput struct {
	Module       string `json:"module"`
	URL          string `json:"url"`
	IntervalMS   int64  `json:"interval_ms"`
	TimeoutMS    int64  `json:"timeout_ms"`
	ExpectStatus int    `json:"expect_status"`
	ExpectBody   string `json:"expect_body"`
	CertMinDays  int    `json:"cert_min_days"`
	Threshold    int    `json:"threshold"`
	Enabled      *bool  `json:"enabled"`
}

// Bounds of a probe's settings.
const (
	MinProbeInterval = 1000             // ms
	MaxProbeInterval = 24 * 3600 * 1000 // ms
	maxBodyRead      = 1 << 20
)

func (in *ProbeInput) check() error {
	v := apperr.Validation{}
	checkModule(v, "module", in.Module)
	if u, err := url.Parse(in.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(in.URL) > 2000 {
		v.Add("url", "an absolute http:// or https:// URL of at most 2000 characters")
	}
	if in.IntervalMS == 0 {
		in.IntervalMS = 30000
	}
	if in.IntervalMS < MinProbeInterval || in.IntervalMS > MaxProbeInterval {
		v.Add("interval_ms", fmt.Sprintf("%d–%d", MinProbeInterval, MaxProbeInterval))
	}
	if in.TimeoutMS == 0 {
		in.TimeoutMS = min(10000, in.IntervalMS)
	}
	if in.TimeoutMS < 100 || in.TimeoutMS > in.IntervalMS {
		v.Add("timeout_ms", "100 ms up to the interval")
	}
	if in.ExpectStatus == 0 {
		in.ExpectStatus = http.StatusOK
	}
	if in.ExpectStatus < 100 || in.ExpectStatus > 599 {
		v.Add("expect_status", "an HTTP status, 100–599")
	}
	if len(in.ExpectBody) > 1000 {
		v.Add("expect_body", "at most 1000 characters")
	}
	if in.CertMinDays < 0 || in.CertMinDays > 365 {
		v.Add("cert_min_days", "0 (off) to 365 days")
	}
	if in.Threshold == 0 {
		in.Threshold = 3
	}
	if in.Threshold < 1 || in.Threshold > 100 {
		v.Add("threshold", "1–100 consecutive failures")
	}
	return v.Err()
}

func scanProbe(r interface{ Scan(...any) error }) (Probe, error) {
	var p Probe
	var since, created, updated store.Time
	err := r.Scan(&p.ID, &p.Module, &p.URL, &p.IntervalMS, &p.TimeoutMS, &p.ExpectStatus, &p.ExpectBody, &p.CertMinDays, &p.Threshold,
		&p.Enabled, &since, &p.Failures, &p.Alerted, &created, &updated)
	p.FailingSince, p.CreatedAt, p.UpdatedAt = since.Ptr(), created.Time, updated.Time
	return p, err
}

// Probes lists every probe.
func (s *Service) Probes(ctx context.Context) ([]Probe, error) {
	rows, err := s.DB.R.QueryContext(ctx, Q.Probes)
	if err != nil {
		return nil, apperr.Wrap(err, "probes")
	}
	defer rows.Close()
	out := []Probe{}
	for rows.Next() {
		p, err := scanProbe(rows)
		if err != nil {
			return nil, apperr.Wrap(err, "probes")
		}
		out = append(out, p)
	}
	return out, apperr.Wrap(rows.Err(), "probes")
}

// Probe is one probe.
func (s *Service) Probe(ctx context.Context, id int64) (Probe, error) {
	p, err := scanProbe(s.DB.R.QueryRowContext(ctx, Q.ProbeByID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, apperr.New(apperr.NotFound, "no probe %d", id)
	}
	return p, apperr.Wrap(err, "probe")
}

// SaveProbe creates (id 0) or replaces a probe's settings, audited; the
// scheduler picks the change up at once.
func (s *Service) SaveProbe(ctx context.Context, by audit.Actor, id int64, in ProbeInput) (Probe, error) {
	if err := in.check(); err != nil {
		return Probe{}, err
	}
	enabled := in.Enabled == nil || *in.Enabled
	now := s.Now().UTC()
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if id == 0 {
			if err := tx.QueryRowContext(ctx, Q.InsertProbe, in.Module, in.URL, in.IntervalMS, in.TimeoutMS, in.ExpectStatus, in.ExpectBody,
				in.CertMinDays, in.Threshold, enabled, store.T(now)).Scan(&id); err != nil {
				return apperr.Wrap(err, "insert probe")
			}
		} else {
			res, err := tx.ExecContext(ctx, Q.UpdateProbe, id, in.Module, in.URL, in.IntervalMS, in.TimeoutMS, in.ExpectStatus, in.ExpectBody,
				in.CertMinDays, in.Threshold, enabled, store.T(now))
			if err != nil {
				return apperr.Wrap(err, "update probe")
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return apperr.New(apperr.NotFound, "no probe %d", id)
			}
		}
		_, err := audit.Append(ctx, tx, s.DB.Dialect, now, by, audit.Entry{Action: "intake.probe.save", ObjectType: "intake_probe",
			ObjectID: fmt.Sprint(id), After: in})
		return err
	})
	if err != nil {
		return Probe{}, err
	}
	s.probesChanged()
	return s.Probe(ctx, id)
}

// ProbeResult is one check.
type ProbeResult struct {
	At         time.Time  `json:"at"`
	OK         bool       `json:"ok"`
	Status     int        `json:"status,omitempty"`
	LatencyMS  int64      `json:"latency_ms"`
	Error      string     `json:"error,omitempty"`
	CertExpiry *time.Time `json:"cert_expiry,omitempty"`
}

// ProbeResults are a probe's checks since a time, newest first.
func (s *Service) ProbeResults(ctx context.Context, id int64, since time.Time, limit int) ([]ProbeResult, error) {
	if since.IsZero() {
		since = time.Unix(0, 0) // a zero store.Time is NULL
	}
	rows, err := s.DB.R.QueryContext(ctx, Q.ProbeResults, id, store.T(since), limit)
	if err != nil {
		return nil, apperr.Wrap(err, "probe results")
	}
	defer rows.Close()
	out := []ProbeResult{}
	for rows.Next() {
		var r ProbeResult
		var at, cert store.Time
		if err := rows.Scan(&at, &r.OK, &r.Status, &r.LatencyMS, &r.Error, &cert); err != nil {
			return nil, apperr.Wrap(err, "probe results")
		}
		r.At, r.CertExpiry = at.Time, cert.Ptr()
		out = append(out, r)
	}
	return out, apperr.Wrap(rows.Err(), "probe results")
}

// check runs one HTTP check of p.
func (s *Service) check(ctx context.Context, p Probe) ProbeResult {
	start := s.Now().UTC()
	r := ProbeResult{At: start}
	ctx, cancel := context.WithTimeout(ctx, time.Duration(p.TimeoutMS)*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL, nil)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	req.Header.Set("User-Agent", "tenderdesk-probe/1")
	hc := s.ProbeClient
	if hc == nil {
		hc = http.DefaultClient
	}
	t0 := time.Now() // latency is the wall time of the check, not the desk's clock
	resp, err := hc.Do(req)
	if err != nil {
		r.Error = clip(err.Error(), 500)
		return r
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyRead))
	r.LatencyMS = time.Since(t0).Milliseconds()
	r.Status = resp.StatusCode
	if resp.TLS != nil && len(resp.TLS.PeerCertificates) > 0 {
		exp := resp.TLS.PeerCertificates[0].NotAfter.UTC()
		r.CertExpiry = &exp
	}
	switch {
	case err != nil:
		r.Error = "reading the body: " + clip(err.Error(), 400)
	case resp.StatusCode != p.ExpectStatus:
		r.Error = fmt.Sprintf("status %d, expected %d", resp.StatusCode, p.ExpectStatus)
	case p.ExpectBody != "" && !strings.Contains(string(body), p.ExpectBody):
		r.Error = fmt.Sprintf("the body does not contain %q", p.ExpectBody)
	case p.CertMinDays > 0 && r.CertExpiry != nil && r.CertExpiry.Sub(start) < time.Duration(p.CertMinDays)*24*time.Hour:
		r.Error = fmt.Sprintf("TLS certificate expires %s, less than %d days ahead", r.CertExpiry.Format(time.RFC3339), p.CertMinDays)
	default:
		r.OK = true
	}
	return r
}

// CheckProbe runs probe id once now and records it: the result, the run of
// failures, and at the threshold a firing event whose time is the first
// failed check; the first success after it a resolved event (the fix-time
// candidate). The scheduler calls it; so may tests and the console.
func (s *Service) CheckProbe(ctx context.Context, id int64) (ProbeResult, error) {
	// one check of a probe at a time (the scheduler's and one asked for):
	// each reads the run of failures the previous one wrote.
	mu, _ := s.probeLocks.LoadOrStore(id, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	p, err := s.Probe(ctx, id)
	if err != nil {
		return ProbeResult{}, err
	}
	r := s.check(ctx, p)
	var ev *Event
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var cert store.Time
		if r.CertExpiry != nil {
			cert = store.T(*r.CertExpiry)
		}
		if _, err := tx.ExecContext(ctx, Q.InsertProbeResult, p.ID, store.T(r.At), r.OK, r.Status, r.LatencyMS, r.Error, cert); err != nil {
			return apperr.Wrap(err, "probe result")
		}
		since, failures, alerted := p.FailingSince, p.Failures, p.Alerted
		key := fmt.Sprintf("probe:%d", p.ID)
		if r.OK {
			if alerted {
				ev = &Event{Source: SourceProbe, Key: key, Module: p.Module, Status: Resolved, At: r.At,
					Title: fmt.Sprintf("%s отвечает снова (HTTP %d)", p.URL, r.Status)}
			}
			since, failures, alerted = nil, 0, false
		} else {
			if since == nil {
				since = &r.At
			}
			failures++
			if failures >= p.Threshold && !alerted {
				alerted = true
				ev = &Event{Source: SourceProbe, Key: key, Module: p.Module, Status: Firing, At: *since,
					Title: fmt.Sprintf("%s: %s (неудачных проверок подряд: %d)", p.URL, r.Error, failures)}
			}
		}
		var st store.Time
		if since != nil {
			st = store.T(*since)
		}
		if _, err := tx.ExecContext(ctx, Q.ProbeState, p.ID, st, failures, alerted); err != nil {
			return apperr.Wrap(err, "probe state")
		}
		if ev == nil {
			return nil
		}
		// the event commits with the probe's state: a crash cannot lose it
		// (it is applied at the next start) nor repeat it.
		return s.storeEvents(ctx, tx, []*Event{ev})
	})
	if err != nil || ev == nil {
		return r, err
	}
	s.applyOrRetry(ctx, []Event{*ev})
	return r, nil
}

// probesChanged wakes the scheduler to reload.
func (s *Service) probesChanged() {
	select {
	case s.reload <- struct{}{}:
	default:
	}
}

// RunProbes runs every enabled probe at its interval until ctx ends; at
// most ProbeConcurrency checks at once, a probe never overlapping itself.
func (s *Service) RunProbes(ctx context.Context) {
	conc := s.ProbeConcurrency
	if conc <= 0 {
		conc = 64
	}
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	defer wg.Wait()
	var q probeQueue
	running := map[int64]bool{}
	done := make(chan int64, conc)
	load := func() {
		ps, err := s.Probes(ctx)
		if err != nil {
			s.Log.Error("probes: load", "error", err.Error())
			return
		}
		now := time.Now()
		keep := probeQueue{}
		for _, p := range ps {
			if p.Enabled {
				next := now
				for _, it := range q { // keep a probe's phase across reloads
					if it.p.ID == p.ID && it.p.IntervalMS == p.IntervalMS {
						next = it.next
					}
				}
				keep = append(keep, &probeItem{p: p, next: next})
			}
		}
		q = keep
		heap.Init(&q)
	}
	load()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	// A probe changed through another desk process is not heard here (its
	// reload is that process's): reread every half minute (issue 15).
	reread := time.NewTicker(30 * time.Second)
	defer reread.Stop()
	for {
		wait := time.Hour
		if len(q) > 0 {
			wait = time.Until(q[0].next)
		}
		timer.Reset(max(wait, 0))
		select {
		case <-ctx.Done():
			return
		case <-s.reload:
			load()
			continue
		case <-reread.C:
			load()
			continue
		case id := <-done:
			delete(running, id)
			continue
		case <-timer.C:
		}
		now := time.Now()
		for len(q) > 0 && !q[0].next.After(now) {
			it := q[0]
			it.next = it.next.Add(time.Duration(it.p.IntervalMS) * time.Millisecond)
			if it.next.Before(now) { // fell behind: run from now, do not catch up
				it.next = now.Add(time.Duration(it.p.IntervalMS) * time.Millisecond)
			}
			heap.Fix(&q, 0)
			if running[it.p.ID] {
				continue
			}
			running[it.p.ID] = true
			id := it.p.ID
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				if _, err := s.CheckProbe(ctx, id); err != nil && ctx.Err() == nil {
					s.Log.Error("probe check", "probe", id, "error", err.Error())
				}
				select {
				case done <- id:
				case <-ctx.Done():
				}
			}()
		}
	}
}

type probeItem struct {
	p    Probe
	next time.Time
}

type probeQueue []*probeItem

func (q probeQueue) Len() int           { return len(q) }
func (q probeQueue) Less(i, j int) bool { return q[i].next.Before(q[j].next) }
func (q probeQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *probeQueue) Push(x any)        { *q = append(*q, x.(*probeItem)) }
func (q *probeQueue) Pop() any {
	old := *q
	it := old[len(old)-1]
	*q = old[:len(old)-1]
	return it
}
