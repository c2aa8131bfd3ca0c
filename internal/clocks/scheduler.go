package clocks

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/notify"
	"tenderdesk/internal/notify/events"
	"tenderdesk/internal/notify/templates"
	"tenderdesk/internal/regulation"
	"tenderdesk/internal/store"
)

// responsible is the role told of a clock's warning and breach: the
// contact center's operators answer and notify; the operator's specialists
// analyse, fix and report.
func responsible(clock string) string {
	switch clock {
	case regulation.ClockAnalysis, regulation.ClockResolution, regulation.ClockAuthorityReport, regulation.ClockLegalForwarding,
		regulation.ClockHighPublicNotice, regulation.ClockAuxiliaryFunction:
		return "specialist"
	}
	return "operator"
}

// raise records a warning (breach false) or a breach of r: one audit
// record and one notification per user of the responsible role, in tx. The
// outbox's (event, recipient) key makes a repeat a no-op.
func (s *Service) raise(ctx context.Context, tx *sql.Tx, aud auditFunc, now time.Time, r *row, breach bool) error {
	action, event := "clock.warning", fmt.Sprintf("clock.warning:%d:%d", r.ID, len(r.Extensions))
	if breach {
		action, event = "clock.breach", fmt.Sprintf("clock.breach:%d", r.ID)
	}
	if r.ID == 0 { // a clock breached as it starts (registration): name it by its key
		event += ":" + r.objectID()
	}
	after := r.summary()
	after["warn_at"], after["detected_at"] = r.WarnAt, now
	if err := aud(ctx, audit.System, audit.Entry{Action: action, ObjectType: "clock", ObjectID: strconv.FormatInt(r.IncidentID, 10), After: after}); err != nil {
		return err
	}
	var incNumber, first string
	if err := tx.QueryRowContext(ctx, Q.IncidentNumbers, r.IncidentID).Scan(&incNumber, &first); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	number := r.Appeal
	for _, n := range []string{first, incNumber, strconv.FormatInt(r.IncidentID, 10)} {
		if number == "" {
			number = n
		}
	}
	// Defect 2: the clock in the reader's words and the time in the
	// profile's zone with its offset (templates show Zone's), never UTC.
	d := templates.Data{Number: number, IncidentNumber: incNumber, Clock: r.Clock, Rule: r.Basis, Profile: r.Profile,
		Zone: s.zone(r.Profile), Deadline: r.Deadline, Overdue: breach}
	if d.IncidentNumber == number {
		d.IncidentNumber = ""
	}
	ns, err := notify.ToRole(ctx, tx, responsible(r.Clock), notify.Notification{Event: event, Kind: templates.BreachWarning,
		Data: d, DueBy: r.Deadline})
	if err != nil {
		return err
	}
	return notify.Enqueue(ctx, tx, now, s.cfg.MailDomain, ns...)
}

// zone is the IANA zone of a profile's local time; an unknown profile
// (removed from the catalogue) falls back to Astana time, the zone of
// every Kazakh profile.
func (s *Service) zone(profile string) string {
	if p, err := s.Profile(profile); err == nil {
		return p.Location().String()
	}
	return "Asia/Almaty"
}

// counted is a metric to bump once the transaction has committed.
func (s *Service) counted(clock string, breach bool) func() {
	return func() {
		if s.metrics != nil {
			s.metrics.fired(clock, breach)
		}
	}
}

// deliveredAt is when a notice clock's duty was done by the outbox: every
// email of the notice event (events.NoticeEvent) sent, for the appeal or,
// for an incident's notice, for each of its appeals. A reporter without
// email (nothing to send) or a failed row leaves the clock to be met by
// hand (Meet) or breached.
func deliveredAt(ctx context.Context, tx *sql.Tx, r *row) (time.Time, bool, error) {
	if _, ok := events.NoticeEvent(r.Clock, r.Appeal); !ok {
		return time.Time{}, false, nil
	}
	numbers := []string{r.Appeal}
	if r.Appeal == "" {
		rs, err := tx.QueryContext(ctx, Q.IncidentAppeals, r.IncidentID)
		if err != nil {
			return time.Time{}, false, err
		}
		numbers = nil
		for rs.Next() {
			var n string
			if err := rs.Scan(&n); err != nil {
				rs.Close()
				return time.Time{}, false, err
			}
			numbers = append(numbers, n)
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return time.Time{}, false, err
		}
	}
	var last time.Time
	for _, n := range numbers {
		ev, _ := events.NoticeEvent(r.Clock, n)
		d, err := notify.EventDelivery(ctx, tx, ev)
		if err != nil {
			return time.Time{}, false, err
		}
		if !d.Met() {
			return time.Time{}, false, nil
		}
		if d.LastSentAt.After(last) {
			last = d.LastSentAt
		}
	}
	return last, len(numbers) > 0, nil
}

// Tick scans the due clocks once: every running clock whose warning time or
// deadline has passed at now gets its warning or its breach raised, in
// transactions of Batch clocks. The state lives in the database, so clocks
// that fell due while no node ran fire on the first scan after, once. On
// PostgreSQL concurrent scanners skip each other's rows.
func (s *Service) Tick(ctx context.Context) (int, error) {
	if err := s.Load(ctx); err != nil {
		return 0, err
	}
	start := time.Now() // metrics only, not domain time
	defer func() {
		if s.metrics != nil {
			s.metrics.scan.Observe(time.Since(start).Seconds())
		}
	}()
	q := Q.DuePostgres
	if s.DB.Dialect == store.SQLite {
		q = Q.DueSQLite
	}
	total := 0
	var skipped error // clocks that could not be computed, reported after the scan
	for {
		n, more, bad, err := s.tickBatch(ctx, q)
		total += n
		skipped = errors.Join(skipped, bad)
		if err != nil || !more {
			return total, errors.Join(err, skipped)
		}
	}
}

func (s *Service) tickBatch(ctx context.Context, q string) (fired int, more bool, bad, err error) {
	var pending []func() // metrics after the commit
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		now := s.Now().UTC()
		rows, err := queryRows(ctx, tx, q, store.T(now), s.cfg.Batch)
		if err != nil {
			return fmt.Errorf("due clocks: %w", err)
		}
		more = len(rows) == s.cfg.Batch
		if len(rows) == 0 {
			return nil
		}
		chain, err := audit.Begin(ctx, tx, s.DB.Dialect, nil)
		if err != nil {
			return err
		}
		aud := func(ctx context.Context, a audit.Actor, e audit.Entry) error {
			_, err := chain.Append(ctx, now, a, e)
			return err
		}
		set := s.current()
		for i := range rows {
			r := &rows[i]
			if _, err := s.derive(set, r, now); err != nil {
				// one clock that cannot be computed (its profile gone from
				// the registry) must not stop the others: reported, and
				// looked at again in an hour
				bad = errors.Join(bad, fmt.Errorf("clock %s: %w", r.objectID(), err))
				r.NextAt = now.Add(time.Hour)
				if err := updateRow(ctx, tx, r, now); err != nil {
					return err
				}
				continue
			}
			if at, ok, err := deliveredAt(ctx, tx, r); err != nil {
				return err
			} else if ok && !at.After(now) {
				// the notice went out: the clock is met when it was sent
				// (a breach, raised once, if that was late)
				c := &change{s: s, set: set, tx: tx, now: now, aud: aud}
				if err := c.meet(ctx, r, at); err != nil {
					return err
				}
				if err := updateRow(ctx, tx, r, now); err != nil {
					return fmt.Errorf("clock %s: %w", r.objectID(), err)
				}
				continue
			}
			switch {
			case now.After(r.Deadline):
				r.State, r.BreachedAt, r.NextAt = Breached, r.Deadline, time.Time{}
				if err := s.raise(ctx, tx, aud, now, r, true); err != nil {
					return err
				}
				pending = append(pending, s.counted(r.Clock, true), s.fired(r, true))
				fired++
			case r.WarnedAt.IsZero() && !now.Before(r.WarnAt):
				r.WarnedAt, r.NextAt = now, r.Deadline
				if err := s.raise(ctx, tx, aud, now, r, false); err != nil {
					return err
				}
				pending = append(pending, s.counted(r.Clock, false), s.fired(r, false))
				fired++
			}
			if err := updateRow(ctx, tx, r, now); err != nil {
				return fmt.Errorf("clock %s: %w", r.objectID(), err)
			}
		}
		return chain.Save(ctx)
	})
	if err != nil {
		return 0, false, nil, err
	}
	for _, f := range pending {
		f()
	}
	return fired, more, bad, nil
}

// Run scans at start (catching up on what fell due while the desk was
// down) and then on every tick until ctx ends; with the real ticker it
// also wakes when the soonest running clock falls due, so a warning or
// breach is raised (and shown live) within moments, not up to a tick late.
func (s *Service) Run(ctx context.Context) {
	ticks := s.cfg.Ticks
	var timer *time.Timer
	if ticks == nil {
		timer = time.NewTimer(s.cfg.Tick)
		defer timer.Stop()
	}
	for {
		n, err := s.Tick(ctx)
		if s.cfg.OnTick != nil {
			s.cfg.OnTick(n, err)
		}
		if timer != nil {
			timer.Reset(s.wait(ctx))
			ticks = timer.C
		}
		select {
		case <-ctx.Done():
			return
		case _, ok := <-ticks:
			if !ok {
				return
			}
		}
	}
}

// Metrics are the clocks' Prometheus collectors.
type Metrics struct {
	s        *Service
	breaches *prometheus.CounterVec
	warnings *prometheus.CounterVec
	scan     prometheus.Histogram
	running  *prometheus.Desc
	overdue  *prometheus.Desc
}

// Register creates the collectors on reg: running clocks and clocks past
// their next look (read from the database at scrape time, so every node
// reports the same), warnings and breaches raised by this node, scan time.
func (s *Service) Register(reg prometheus.Registerer) error {
	m := &Metrics{s: s,
		breaches: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tenderdesk_clock_breaches_total", Help: "Breaches of regulation clocks raised by this node, by clock."}, []string{"clock"}),
		warnings: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tenderdesk_clock_warnings_total", Help: "Warnings before a breach raised by this node, by clock."}, []string{"clock"}),
		scan: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "tenderdesk_clock_scan_seconds", Help: "Duration of one due-clock scan.",
			Buckets: []float64{.001, .005, .01, .05, .1, .5, 1, 5}}),
		running: prometheus.NewDesc("tenderdesk_clocks_running", "Regulation clocks running now.", nil, nil),
		overdue: prometheus.NewDesc("tenderdesk_clocks_due", "Running clocks whose warning or breach is due but not yet raised (scheduler lag).", nil, nil),
	}
	for _, c := range []prometheus.Collector{m.breaches, m.warnings, m.scan, m} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	s.metrics = m
	return nil
}

func (m *Metrics) fired(clock string, breach bool) {
	if breach {
		m.breaches.WithLabelValues(clock).Inc()
	} else {
		m.warnings.WithLabelValues(clock).Inc()
	}
}

func (m *Metrics) Describe(ch chan<- *prometheus.Desc) { ch <- m.running; ch <- m.overdue }

func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var running, due int64
	if err := m.s.DB.R.QueryRowContext(ctx, Q.CountRunning).Scan(&running); err == nil {
		ch <- prometheus.MustNewConstMetric(m.running, prometheus.GaugeValue, float64(running))
	}
	if err := m.s.DB.R.QueryRowContext(ctx, Q.CountOverdue, store.T(m.s.Now().UTC())).Scan(&due); err == nil {
		ch <- prometheus.MustNewConstMetric(m.overdue, prometheus.GaugeValue, float64(due))
	}
}
