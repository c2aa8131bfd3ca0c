// Package monitor is the desk's intake of failures it sees for itself (Q27:
// "monitoring software and hardware, and system logs"): HTTP probes of the
// portal's modules run by the desk, Prometheus Alertmanager webhooks, and
// system logs (syslog RFC 5424 / RFC 3164 over TCP, TLS or UDP, and JSON
// lines over HTTP) matched by rules.
//
// Every source turns what it hears into events, and every event is stored
// (intake_events) before it is answered: nothing accepted is lost. Events
// are then applied, one at a time, to signals: a signal is one source's one
// appeal on the open incident of one module, counting every alert, check
// or line it stands for. So one failure of one module is one open incident
// however many alerts arrive (de-duplication across sources): the first
// event of a source for a module registers an appeal (channel monitoring
// or system_log) attached to the module's open incident — opened by a user,
// a specialist or another source — or opening one; the rest are counted.
// An event stored but not yet applied when the desk stops is applied at the
// next start (Run), in the transaction that marks it applied.
package monitor

import (
	"context"
	"database/sql"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/cluster"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/store"
	"tenderdesk/internal/vocab"
)

//go:embed queries.sql
var queriesSQL string

// Queries are this package's named statements, checked at boot.
var Queries = store.MustParse(queriesSQL)

// Sources of events.
const (
	SourceProbe        = "probe"
	SourceAlertmanager = "alertmanager"
	SourceSyslog       = "syslog" // syslog and JSON log lines alike
)

// Statuses of an event, an alert and a signal.
const (
	Firing   = "firing"
	Resolved = "resolved"
	Logged   = "logged" // log lines: no resolution of their own
)

// Outcomes of applying an event.
const (
	OutOpened   = "opened"   // registered an appeal that opened an incident
	OutAttached = "attached" // registered an appeal on the module's open incident
	OutCounted  = "counted"  // counted on the source's open signal
	OutResolved = "resolved" // the last firing alert of its signal resolved: fix-time candidate recorded
	OutIgnored  = "ignored"  // a resolution of nothing open
)

// Actor registers machine appeals and is the audit trail's author.
var Actor = audit.Actor{Login: "monitoring", Role: "system"}

// Event is one thing a source heard.
type Event struct {
	ID     int64
	Source string
	// Key names the alert within its signal: an Alertmanager fingerprint,
	// "probe:ID", "rule:ID".
	Key    string
	Module string
	Status string
	// At is when it happened: the failure's start for a firing event (the
	// first failed check, the alert's startsAt), the end for a resolved one.
	At         time.Time
	ReceivedAt time.Time
	Title      string
	Detail     json.RawMessage
	Count      int // alerts or lines it stands for (a burst of lines is one event)
}

// Service is the intake.
type Service struct {
	DB      *store.DB
	Journal *journal.Service
	Now     func() time.Time
	Log     *slog.Logger

	mu sync.Mutex // events are applied one at a time: de-duplication needs it
	// kick wakes Run to apply pending events (after an apply failed).
	kick  chan struct{}
	rules ruleSet

	logsOnce sync.Once
	logs     *Logs

	// ProbeClient makes the probes' requests (default http.DefaultClient);
	// ProbeConcurrency bounds checks at once (default 64).
	ProbeClient      *http.Client
	ProbeConcurrency int
	reload           chan struct{}
	probeLocks       sync.Map // probe id → *sync.Mutex

	acceptOnce sync.Once
	acceptCh   chan *acceptReq
	applyKick  chan struct{} // events were stored: applyLoop applies what is pending
}

// New builds the intake; Load reads its rules.
func New(db *store.DB, j *journal.Service, now func() time.Time, log *slog.Logger) *Service {
	return &Service{DB: db, Journal: j, Now: now, Log: log, kick: make(chan struct{}, 1), reload: make(chan struct{}, 1)}
}

// Accept stores events and returns once they are committed: then they are
// safe, and the sender may be answered (issue 14: a webhook's 200 waits for
// the store, not for the appeals its alerts open). Concurrent calls share
// one transaction (group commit), so a burst of webhooks costs a few
// commits. The stored events are applied behind, in order, by the apply
// loop (and by Run after a crash or a failed apply); Settle waits for them.
func (s *Service) Accept(ctx context.Context, evs []Event) error {
	if len(evs) == 0 {
		return nil
	}
	s.acceptOnce.Do(func() {
		s.acceptCh = make(chan *acceptReq, 1024)
		s.applyKick = make(chan struct{}, 1)
		go s.acceptLoop()
		go s.applyLoop()
	})
	req := &acceptReq{evs: evs, done: make(chan error, 1)}
	select {
	case s.acceptCh <- req:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

type acceptReq struct {
	evs  []Event
	done chan error
}

// maxGroup bounds the calls one transaction serves.
const maxGroup = 256

func (s *Service) acceptLoop() {
	for req := range s.acceptCh {
		group := []*acceptReq{req}
	more:
		for len(group) < maxGroup {
			select {
			case r := <-s.acceptCh:
				group = append(group, r)
			default:
				break more
			}
		}
		var all []*Event
		for _, r := range group {
			for i := range r.evs {
				all = append(all, &r.evs[i])
			}
		}
		err := s.store(context.Background(), all)
		for _, r := range group {
			r.done <- err
		}
		if err != nil {
			continue // nothing stored: the callers answer 5xx and the senders retry
		}
		select {
		case s.applyKick <- struct{}{}:
		default: // the apply loop has a kick waiting: it reads these too
		}
	}
}

// store inserts the events in one transaction.
func (s *Service) store(ctx context.Context, all []*Event) error {
	tx, err := s.DB.W.BeginTx(ctx, nil)
	if err != nil {
		return apperr.Wrap(err, "store intake events")
	}
	defer tx.Rollback()
	if err := s.storeMany(ctx, tx, all); err != nil {
		return err
	}
	return apperr.Wrap(tx.Commit(), "store intake events")
}

// storeMany inserts events in tx with one statement per 1,000 (the rows
// as a JSON array): a webhook of ten alerts is one round trip, not ten.
// Their ids stay unset: the apply loop reads them back in id order.
func (s *Service) storeMany(ctx context.Context, tx *sql.Tx, evs []*Event) error {
	q := store.ByDialect(s.DB.Dialect, Q.InsertEventsSQLite, Q.InsertEventsPostgres)
	type row struct {
		Source, Key, Module, Status, At, ReceivedAt, Title, Detail string
		Count                                                      int
	}
	now := s.Now().UTC()
	for len(evs) > 0 {
		part := evs[:min(len(evs), 1000)]
		evs = evs[len(part):]
		rows := make([]row, len(part))
		for i, e := range part {
			s.defaults(e, now)
			rows[i] = row{e.Source, e.Key, e.Module, e.Status, stamp(e.At), stamp(e.ReceivedAt),
				clip(e.Title, 500), string(e.Detail), e.Count}
		}
		js, err := json.Marshal(rows)
		if err != nil {
			return apperr.Wrap(err, "store intake events")
		}
		if _, err := tx.ExecContext(ctx, q, string(js)); err != nil {
			return apperr.Wrap(err, "store intake events")
		}
	}
	return nil
}

// stamp is t as the store writes a time (both backends read it back).
func stamp(t time.Time) string {
	v, _ := store.T(t).Value()
	s, _ := v.(string)
	return s
}

// defaults fills what an event left out: received now, happened no later
// than received, counted once, no detail.
func (s *Service) defaults(e *Event, now time.Time) {
	if e.ReceivedAt.IsZero() {
		e.ReceivedAt = now
	}
	if e.At.IsZero() || e.At.After(e.ReceivedAt) {
		e.At = e.ReceivedAt
	}
	if e.Count <= 0 {
		e.Count = 1
	}
	if len(e.Detail) == 0 {
		e.Detail = json.RawMessage("{}")
	}
}

// applyLoop applies stored events in the order they were stored: each kick
// applies everything pending (ApplyPending reads them back by id, 500 at
// a time; one transaction counts up to applyChunk until an event needs an
// appeal).
func (s *Service) applyLoop() {
	for range s.applyKick {
		if _, err := s.ApplyPending(context.Background()); err != nil {
			s.retryLater(err, 0)
		}
	}
}

// Settle applies every event stored before it was called (tests, and a
// caller that needs the counts now); the apply loop skips what it applied.
func (s *Service) Settle(ctx context.Context) error {
	_, err := s.ApplyPending(ctx)
	return err
}

func (s *Service) retryLater(err error, n int) {
	s.Log.Error("intake events stored, not yet applied; retrying", "events", n, "error", err.Error())
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// storeEvents inserts events in tx, filling their ids and defaults.
func (s *Service) storeEvents(ctx context.Context, tx *sql.Tx, evs []*Event) error {
	now := s.Now().UTC()
	for _, e := range evs {
		s.defaults(e, now)
		if err := tx.QueryRowContext(ctx, Q.InsertEvent, e.Source, e.Key, e.Module, e.Status, store.T(e.At), store.T(e.ReceivedAt),
			clip(e.Title, 500), string(e.Detail), e.Count).Scan(&e.ID); err != nil {
			return apperr.Wrap(err, "store intake event")
		}
	}
	return nil
}

// applyOrRetry applies stored events; on failure Run retries them.
func (s *Service) applyOrRetry(ctx context.Context, evs []Event) {
	if err := s.apply(ctx, evs); err != nil {
		s.retryLater(err, len(evs))
	}
}

// Run applies the events left pending (a crash, a failed apply) at start
// and whenever an apply failed, until ctx ends.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	for {
		if n, err := s.ApplyPending(ctx); err != nil && ctx.Err() == nil {
			s.Log.Error("intake: pending events", "error", err.Error())
		} else if n > 0 {
			s.Log.Info("intake: pending events applied", "events", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.kick:
		}
	}
}

// ApplyPending applies every stored event not yet applied, oldest first.
func (s *Service) ApplyPending(ctx context.Context) (int, error) {
	total := 0
	var after int64
	for {
		rows, err := s.DB.R.QueryContext(ctx, Q.PendingEvents, after, 500)
		if err != nil {
			return total, apperr.Wrap(err, "pending events")
		}
		var evs []Event
		for rows.Next() {
			var e Event
			var at, recv store.Time
			var detail string
			if err := rows.Scan(&e.ID, &e.Source, &e.Key, &e.Module, &e.Status, &at, &recv, &e.Title, &detail, &e.Count); err != nil {
				rows.Close()
				return total, apperr.Wrap(err, "pending events")
			}
			e.At, e.ReceivedAt, e.Detail = at.Time, recv.Time, json.RawMessage(detail)
			evs = append(evs, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return total, apperr.Wrap(err, "pending events")
		}
		if len(evs) == 0 {
			return total, nil
		}
		if err := s.apply(ctx, evs); err != nil {
			return total, err
		}
		total += len(evs)
		after = evs[len(evs)-1].ID
	}
}

// An incident takes more appeals from the machine sources while it is
// registered, analysed, waiting for information, confirmed or being fixed
// (queries open-signal and open-incidents): a fixed, refuted, closed or
// merged one does not, and a failure after it opens a new incident.

// applyChunk bounds the events one apply transaction counts: on SQLite the
// store of the next webhooks waits for the writer, so it must not wait for
// thousands.
const applyChunk = 128

// apply applies events in order. Events counted on an existing signal
// share one transaction; an event that needs an appeal commits what came
// before it, then registers (its signal and mark commit with the appeal).
// Within a transaction the open signals, their alerts' states and the
// signals' counts are kept in memory (a txState), so a re-sent firing
// alert costs three statements, not eight (issue 14: PostgreSQL applied
// 408 events/s, one round trip each).
func (s *Service) apply(ctx context.Context, evs []Event) error {
	unlock, err := s.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	pending, err := s.pendingOf(ctx, evs)
	if err != nil {
		return err
	}
	var st *txState
	commit := func() error {
		if st == nil {
			return nil
		}
		err := st.flush(ctx)
		if err == nil {
			err = st.tx.Commit()
		}
		st.tx.Rollback()
		st = nil
		return apperr.Wrap(err, "apply intake events")
	}
	defer func() {
		if st != nil {
			st.tx.Rollback()
		}
	}()
	inTx := 0
	for _, e := range evs {
		if !pending[e.ID] {
			continue // applied already (by Run, or before a restart)
		}
		if inTx == applyChunk {
			if err := commit(); err != nil {
				return err
			}
		}
		if st == nil {
			tx, err := s.DB.W.BeginTx(ctx, nil)
			if err != nil {
				return apperr.Wrap(err, "apply intake events")
			}
			st, inTx = newTxState(tx, s.DB.Dialect, s.Now().UTC()), 0
		}
		done, err := s.applyToOpen(ctx, st, e)
		if err != nil {
			return err
		}
		inTx++
		if done {
			continue
		}
		if err := commit(); err != nil {
			return err
		}
		if err := s.register(ctx, e); err != nil {
			return err
		}
	}
	return commit()
}

// lock serializes applies: in this process by mu, and on PostgreSQL across
// the desk's processes too (issue 15): de-duplication reads the open
// signals, so two processes applying at once would open two appeals.
func (s *Service) lock(ctx context.Context) (func(), error) {
	s.mu.Lock()
	unlock, err := cluster.Lock(ctx, s.DB, "intake.apply")
	if err != nil {
		s.mu.Unlock()
		return nil, apperr.Wrap(err, "intake: lock")
	}
	return func() { unlock(); s.mu.Unlock() }, nil
}

// pendingOf is the set of evs not yet applied. It is read under the apply
// lock, so nothing else applies them before this apply does.
func (s *Service) pendingOf(ctx context.Context, evs []Event) (map[int64]bool, error) {
	if len(evs) == 0 {
		return nil, nil
	}
	lo, hi := evs[0].ID, evs[0].ID
	for _, e := range evs {
		lo, hi = min(lo, e.ID), max(hi, e.ID)
	}
	rows, err := s.DB.W.QueryContext(ctx, Q.PendingInRange, lo, hi)
	if err != nil {
		return nil, apperr.Wrap(err, "pending intake events")
	}
	defer rows.Close()
	pending := make(map[int64]bool, len(evs))
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, apperr.Wrap(err, "pending intake events")
		}
		pending[id] = true
	}
	return pending, apperr.Wrap(rows.Err(), "pending intake events")
}

// txState is what one apply transaction has read and owes: open signals
// by source and module, alert states by signal and key, and the counts
// and last times to add to signals at commit. It lives no longer than its
// transaction, so a change committed by others (an incident fixed) is
// seen by the next one.
type txState struct {
	tx      *sql.Tx
	dialect store.Dialect
	open    map[[2]string]openSig
	alerts  map[alertKey]string
	counts  map[int64]*pendingCount
	order   []int64 // signals in first-counted order: deterministic updates
	marks   map[markKey][]int64
	morder  []markKey
	firing  map[alertKey]*owedAlert // firing alerts to upsert, in forder
	forder  []alertKey
	now     time.Time
}

type owedAlert struct {
	At string
	N  int
}

type markKey struct {
	sig     int64
	outcome string
}

type openSig struct {
	id     int64
	status string
}

type alertKey struct {
	sig int64
	key string
}

type pendingCount struct {
	n    int
	last time.Time
}

func newTxState(tx *sql.Tx, dialect store.Dialect, now time.Time) *txState {
	return &txState{tx: tx, dialect: dialect, open: map[[2]string]openSig{}, alerts: map[alertKey]string{}, counts: map[int64]*pendingCount{},
		marks: map[markKey][]int64{}, firing: map[alertKey]*owedAlert{}, now: now}
}

// fire owes an upsert of alert ak as firing, heard n times; the first
// time heard is its start if it is new.
func (st *txState) fire(ak alertKey, at time.Time, n int) {
	if a := st.firing[ak]; a != nil {
		a.N += n
		return
	}
	st.firing[ak] = &owedAlert{At: stamp(at), N: n}
	st.forder = append(st.forder, ak)
}

// flushAlerts writes the firing alerts owed in one statement: before a
// read of the alerts, and at commit.
func (st *txState) flushAlerts(ctx context.Context) error {
	if len(st.forder) == 0 {
		return nil
	}
	type row struct {
		S  int64  `json:"S"`
		K  string `json:"K"`
		At string `json:"At"`
		N  int    `json:"N"`
	}
	rows := make([]row, len(st.forder))
	for i, ak := range st.forder {
		a := st.firing[ak]
		rows[i] = row{ak.sig, ak.key, a.At, a.N}
	}
	js, err := json.Marshal(rows)
	if err == nil {
		_, err = st.tx.ExecContext(ctx, store.ByDialect(st.dialect, Q.UpsertFiringAlertsSQLite, Q.UpsertFiringAlertsPostgres), string(js))
	}
	st.forder, st.firing = nil, map[alertKey]*owedAlert{}
	return apperr.Wrap(err, "upsert alerts")
}

// mark owes event id's outcome on signal sig, written at flush.
func (st *txState) mark(id, sig int64, outcome string) {
	k := markKey{sig, outcome}
	if _, ok := st.marks[k]; !ok {
		st.morder = append(st.morder, k)
	}
	st.marks[k] = append(st.marks[k], id)
}

func (st *txState) addCount(sig int64, n int, at time.Time) {
	c := st.counts[sig]
	if c == nil {
		c = &pendingCount{}
		st.counts[sig] = c
		st.order = append(st.order, sig)
	}
	c.n += n
	if at.After(c.last) {
		c.last = at
	}
}

// flush writes what is owed: the firing alerts, the counts (one statement
// per signal) and the marks (one per signal and outcome).
func (st *txState) flush(ctx context.Context) error {
	if err := st.flushAlerts(ctx); err != nil {
		return err
	}
	for _, sig := range st.order {
		c := st.counts[sig]
		if _, err := st.tx.ExecContext(ctx, Q.CountSignal, sig, c.n, store.T(c.last)); err != nil {
			return apperr.Wrap(err, "count signal")
		}
	}
	st.order, st.counts = nil, map[int64]*pendingCount{}
	q := store.ByDialect(st.dialect, Q.MarkEventsSQLite, Q.MarkEventsPostgres)
	for _, k := range st.morder {
		ids := st.marks[k]
		list := make([]string, len(ids))
		for i, id := range ids {
			list[i] = strconv.FormatInt(id, 10)
		}
		if _, err := st.tx.ExecContext(ctx, q, k.sig, k.outcome, store.T(st.now), "["+strings.Join(list, ",")+"]"); err != nil {
			return apperr.Wrap(err, "mark intake events")
		}
	}
	st.morder, st.marks = nil, map[markKey][]int64{}
	return nil
}

// applyToOpen applies e to its source's open signal on the module, or
// marks a resolution of nothing open as ignored; false: e needs an appeal.
func (s *Service) applyToOpen(ctx context.Context, st *txState, e Event) (bool, error) {
	k := [2]string{e.Source, e.Module}
	sig, ok := st.open[k]
	if !ok {
		err := st.tx.QueryRowContext(ctx, Q.OpenSignal, e.Source, e.Module).Scan(&sig.id, &sig.status)
		if errors.Is(err, sql.ErrNoRows) {
			if e.Status == Resolved {
				return true, s.mark(ctx, st.tx, e.ID, nil, OutIgnored, st.now)
			}
			return false, nil
		}
		if err != nil {
			return false, apperr.Wrap(err, "open signal")
		}
		st.open[k] = sig
	}
	outcome, err := s.count(ctx, st, &sig, e)
	if err != nil {
		return false, err
	}
	st.open[k] = sig
	st.mark(e.ID, sig.id, outcome)
	return true, nil
}

func (s *Service) mark(ctx context.Context, tx *sql.Tx, eventID int64, sigID any, outcome string, now time.Time) error {
	_, err := tx.ExecContext(ctx, Q.MarkEvent, eventID, sigID, outcome, store.T(now))
	return apperr.Wrap(err, "mark intake event")
}

// count adds e to signal sig: the alert's own state, the signal's count,
// and the signal's status — resolved once no alert of it fires, with the
// latest end as the fix-time candidate; firing again when one re-fires.
func (s *Service) count(ctx context.Context, st *txState, sig *openSig, e Event) (string, error) {
	tx := st.tx
	ak := alertKey{sig.id, e.Key}
	if e.Status == Firing {
		// this alert fires, so the signal does: whatever it was before, an
		// upsert owed till commit, and no need to count the others.
		st.fire(ak, e.At, e.Count)
		st.alerts[ak] = Firing
		st.addCount(sig.id, e.Count, e.ReceivedAt)
		if sig.status != Firing {
			if _, err := tx.ExecContext(ctx, Q.SetSignalStatus, sig.id, Firing, store.Time{}); err != nil {
				return "", apperr.Wrap(err, "signal status")
			}
			sig.status = Firing
		}
		return OutCounted, nil
	}
	if err := st.flushAlerts(ctx); err != nil { // what follows reads the alerts
		return "", err
	}
	prev, known := st.alerts[ak]
	if !known {
		err := tx.QueryRowContext(ctx, Q.AlertOfSignal, sig.id, e.Key).Scan(&prev)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			prev = ""
		case err != nil:
			return "", apperr.Wrap(err, "alert")
		}
	}
	var ended store.Time
	if e.Status == Resolved {
		ended = store.T(e.At)
	}
	switch {
	case prev == "" && e.Status == Resolved:
		// a resolution of an alert this signal never heard fire: counted,
		// changes nothing.
	case prev == "":
		if _, err := tx.ExecContext(ctx, Q.InsertAlert, sig.id, e.Key, e.Status, store.T(e.At), ended, e.Count); err != nil {
			return "", apperr.Wrap(err, "insert alert")
		}
		st.alerts[ak] = e.Status
	default:
		if _, err := tx.ExecContext(ctx, Q.UpdateAlert, sig.id, e.Key, e.Status, ended, e.Count); err != nil {
			return "", apperr.Wrap(err, "update alert")
		}
		st.alerts[ak] = e.Status
	}
	st.addCount(sig.id, e.Count, e.ReceivedAt)
	if e.Status == Logged {
		return OutCounted, nil
	}
	var firing int
	var lastEnd store.Time
	if err := tx.QueryRowContext(ctx, Q.SignalAlertState, sig.id).Scan(&firing, &lastEnd); err != nil {
		return "", apperr.Wrap(err, "signal state")
	}
	if firing > 0 {
		if sig.status != Firing {
			if _, err := tx.ExecContext(ctx, Q.SetSignalStatus, sig.id, Firing, store.Time{}); err != nil {
				return "", apperr.Wrap(err, "signal status")
			}
			sig.status = Firing
		}
		return OutCounted, nil
	}
	if lastEnd.IsZero() {
		return OutCounted, nil
	}
	if _, err := tx.ExecContext(ctx, Q.SetSignalStatus, sig.id, Resolved, lastEnd); err != nil {
		return "", apperr.Wrap(err, "signal status")
	}
	sig.status = Resolved
	if e.Status == Resolved && prev == Firing {
		return OutResolved, nil
	}
	return OutCounted, nil
}

// register opens the source's signal on the module with an appeal: on the
// module's open incident when there is one (Q38: its first registration
// stays the earliest), else on a new incident. The signal, its first alert
// and the event's mark commit with the appeal (journal.NewAppeal.InTx).
func (s *Service) register(ctx context.Context, e Event) error {
	incID, err := s.openIncidentOf(ctx, e.Module)
	if err != nil {
		return err
	}
	channel := string(vocab.Monitoring)
	if e.Source == SourceSyslog {
		channel = string(vocab.SystemLog)
	}
	recv, detected := e.ReceivedAt, e.At
	n := journal.NewAppeal{Channel: channel, ReceivedAt: &recv, DetectedAt: &detected, Module: e.Module,
		Description: description(e), IncidentID: incID}
	outcome := OutOpened
	if incID != 0 {
		outcome = OutAttached
	}
	n.InTx = func(ctx context.Context, tx journal.HookTx, a journal.Appeal) error {
		var sigID int64
		status := e.Status
		if err := tx.QueryRowContext(ctx, Q.InsertSignal, e.Source, e.Module, a.IncidentID, a.ID, status, clip(e.Title, 500),
			store.T(e.At), e.Count).Scan(&sigID); err != nil {
			return apperr.Wrap(err, "insert signal")
		}
		if _, err := tx.ExecContext(ctx, Q.InsertAlert, sigID, e.Key, e.Status, store.T(e.At), store.Time{}, e.Count); err != nil {
			return apperr.Wrap(err, "insert alert")
		}
		if _, err := tx.ExecContext(ctx, Q.MarkEvent, e.ID, sigID, outcome, store.T(tx.Now)); err != nil {
			return apperr.Wrap(err, "mark intake event")
		}
		return tx.Audit(ctx, Actor, audit.Entry{Action: "intake.signal", ObjectType: "appeal", ObjectID: a.Number,
			After: map[string]any{"signal_id": sigID, "source": e.Source, "module": e.Module, "alert": e.Key, "event_id": e.ID,
				"failure_started_at": e.At, "outcome": outcome}})
	}
	reg, err := s.Journal.Register(ctx, journal.Caller{Actor: Actor}, n, "")
	if err != nil && incID != 0 && apperr.CodeOf(err) == apperr.Conflict {
		// the incident closed between the look-up and the registration: a
		// new failure, a new incident.
		n.IncidentID, outcome = 0, OutOpened
		reg, err = s.Journal.Register(ctx, journal.Caller{Actor: Actor}, n, "")
	}
	if err != nil {
		return fmt.Errorf("intake: register %s appeal for module %q: %w", e.Source, e.Module, err)
	}
	s.Log.Info("intake appeal registered", "source", e.Source, "module", e.Module, "appeal", reg.Number,
		"incident", reg.IncidentNumber, "outcome", outcome)
	return nil
}

// openIncidentOf is the earliest registered open incident naming module,
// 0 when none does.
func (s *Service) openIncidentOf(ctx context.Context, module string) (int64, error) {
	rows, err := s.DB.R.QueryContext(ctx, Q.OpenIncidents)
	if err != nil {
		return 0, apperr.Wrap(err, "open incidents")
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var mods string
		if err := rows.Scan(&id, &mods); err != nil {
			return 0, apperr.Wrap(err, "open incidents")
		}
		var list []string
		_ = json.Unmarshal([]byte(mods), &list)
		if slices.Contains(list, module) {
			return id, nil
		}
	}
	return 0, apperr.Wrap(rows.Err(), "open incidents")
}

// description is the appeal's text in the Journal (Russian, as the
// Journal's other machine entries): what was heard, from where.
func description(e Event) string {
	what := map[string]string{SourceProbe: "Проверка доступности (зонд) модуля", SourceAlertmanager: "Оповещение системы мониторинга по модулю",
		SourceSyslog: "Записи журнала событий системы по модулю"}[e.Source]
	return clip(fmt.Sprintf("%s «%s»: %s", what, e.Module, e.Title), 20000)
}

func clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
