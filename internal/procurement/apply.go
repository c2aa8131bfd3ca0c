package procurement

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"iter"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/impact"
	"tenderdesk/internal/notify"
	"tenderdesk/internal/notify/events"
	"tenderdesk/internal/notify/templates"
	"tenderdesk/internal/store"
)

// Summary describes a whole plan without listing it.
type Summary struct {
	Incident int64 `json:"incident"`
	// Maintenance is the window of a window's own plan (Incident is then 0).
	Maintenance int64          `json:"maintenance,omitempty"`
	Profile     string         `json:"profile"`
	Scanned     int            `json:"procedures_scanned"`
	Procedures  int            `json:"procedures_changed"`
	Actions     int            `json:"actions"`
	ByRule      map[string]int `json:"by_rule"`
	ByAction    map[string]int `json:"by_action"`
	// PlanHash identifies the plan's content; pass it to apply to make sure
	// what is applied is what was previewed.
	PlanHash string `json:"plan_hash"`
}

// PlannedAction is one action of a plan as the API shows it.
type PlannedAction struct {
	Procedure    string      `json:"procedure"`
	Announcement string      `json:"announcement,omitempty"`
	Lot          string      `json:"lot,omitempty"`
	Deadline     string      `json:"deadline,omitempty"`
	Supplier     string      `json:"supplier,omitempty"`
	Old          *time.Time  `json:"old,omitempty"`
	New          *time.Time  `json:"new,omitempty"`
	Action       string      `json:"action"`
	Rule         string      `json:"rule"`
	Event        string      `json:"event"`
	Reason       impact.Text `json:"reason"`
	Recipients   []string    `json:"recipients,omitempty"`
}

func tp(t time.Time, loc *time.Location) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.In(loc)
	return &t
}

func plannedOf(p *impact.Procedure, a *impact.Action, loc *time.Location) PlannedAction {
	return PlannedAction{Procedure: a.Procedure, Announcement: p.Announcement, Lot: a.Lot, Deadline: string(a.Deadline),
		Supplier: a.Supplier, Old: tp(a.Old, loc), New: tp(a.New, loc), Action: string(a.Action), Rule: a.Rule,
		Event: a.Event, Reason: a.Reason, Recipients: a.Recipients}
}

// hasher accumulates the plan hash over the actions in stream order.
type hasher struct{ h hash.Hash }

func newHasher() hasher { return hasher{sha256.New()} }

func (h hasher) add(a *impact.Action) {
	var b strings.Builder
	b.WriteString(a.Procedure)
	for _, s := range []string{a.Lot, string(a.Deadline), a.Supplier, string(a.Action), a.Rule, a.Event,
		strconv.FormatInt(a.Old.UnixNano(), 36), strconv.FormatInt(a.New.UnixNano(), 36), strings.Join(a.Recipients, ",")} {
		b.WriteByte(0)
		b.WriteString(s)
	}
	b.WriteByte('\n')
	h.h.Write([]byte(b.String()))
}

func (h hasher) sum() string { return hex.EncodeToString(h.h.Sum(nil)[:16]) }

// Plan is the dry run: it streams the procedures the incident can reach from
// the database through the engine, calls each (when not nil) for every
// action in order, and returns the summary. Nothing is written. It reads in
// one read-only transaction, so the plan is of one snapshot.
func (s *Service) Plan(ctx context.Context, incidentID int64, req PlanRequest, each func(PlannedAction) error) (Summary, error) {
	return s.plan(ctx, func(q queryer) (*planSetup, error) { return s.setup(ctx, q, incidentID, req) }, each)
}

// plan is Plan of the events setup gives (an incident's, or a window's).
func (s *Service) plan(ctx context.Context, setup func(queryer) (*planSetup, error), each func(PlannedAction) error) (Summary, error) {
	// SQLite (issue 15): a staged apply must not be seen half merged.
	unlock, err := s.exclusive(ctx)
	if err != nil {
		return Summary{}, planErr(err)
	}
	defer unlock()
	opts := &sql.TxOptions{ReadOnly: true}
	if s.DB.Dialect == store.Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := s.DB.R.BeginTx(ctx, opts)
	if err != nil {
		return Summary{}, apperr.Wrap(err, "begin")
	}
	defer tx.Rollback()

	ps, err := setup(tx)
	if err != nil {
		return Summary{}, err
	}
	ids, err := s.scopeIDs(ctx, tx, ps)
	if err != nil {
		return Summary{}, apperr.Wrap(err, "scope")
	}
	sum := Summary{Incident: ps.incidentID, Maintenance: ps.windowID, Profile: ps.profile, Scanned: len(ids), ByRule: map[string]int{}, ByAction: map[string]int{}}
	h := newHasher()
	loc := ps.planner.Location()
	var cur int64
	err = ps.planner.PlanEach(s.streamAhead(ctx, tx, ids, &cur), func(p *impact.Procedure, acts []impact.Action) error {
		sum.Procedures++
		for i := range acts {
			a := &acts[i]
			sum.Actions++
			sum.ByRule[a.Rule]++
			sum.ByAction[string(a.Action)]++
			h.add(a)
			if each != nil {
				if err := each(plannedOf(p, a, loc)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return sum, planErr(err)
	}
	sum.PlanHash = h.sum()
	return sum, nil
}

func planErr(err error) error {
	var ae *apperr.Error
	if errors.As(err, &ae) || errors.Is(err, context.Canceled) {
		return err
	}
	return apperr.Wrap(err, "plan")
}

// Applied is the result of an apply.
type Applied struct {
	// PlanID is the applied plan; 0 when there was nothing to apply (the
	// plan is already in force: applying twice changes nothing).
	PlanID   int64 `json:"plan_id"`
	Incident int64 `json:"incident"`
	// Maintenance is the window of a window's own plan (Incident is then 0).
	Maintenance   int64  `json:"maintenance,omitempty"`
	Procedures    int    `json:"procedures_changed"`
	Changes       int    `json:"changes"`
	Notifications int    `json:"notifications"`
	PlanHash      string `json:"plan_hash"`
	// NoAddress counts bidders of changed procedures without an email.
	NoAddress int `json:"bidders_without_email,omitempty"`
}

// bidder collects what one supplier is told: indexes into the plan's one
// list of moved deadlines, so a deadline shared by several bidders is held
// once (100,000 procedures × their bidders stay a few tens of MB).
type bidder struct {
	email, lang string
	exts        []int32
}

// Apply plans the incident and applies the plan, all or nothing (one
// transaction on PostgreSQL; on SQLite short steps invisible until one flip,
// so registrations do not wait for it: staged.go, issue 15): every
// change is recorded (plan_changes, with old and new value and the rule),
// the deadlines take their new values, the feed gets one entry per change,
// the audit trail one summary entry for the plan, and the outbox one
// ExtensionsGranted notification per bidder of the changed procedures. The
// plan is computed against what is already applied, so applying again
// changes nothing and a moved fix time yields only the difference.
func (s *Service) Apply(ctx context.Context, incidentID int64, req PlanRequest, by audit.Actor) (Applied, error) {
	return s.apply(ctx, func(q queryer) (*planSetup, error) { return s.setup(ctx, q, incidentID, req) }, req, by)
}

// apply is Apply of the events setup gives (an incident's, or a window's).
func (s *Service) apply(ctx context.Context, setup func(queryer) (*planSetup, error), req PlanRequest, by audit.Actor) (Applied, error) {
	if s.staged() {
		return s.applyStaged(ctx, setup, req, by)
	}
	r := &applyRun{status: "applied", s: s, by: by, now: s.Now(),
		bidders: map[string]*bidder{}, reasons: map[impact.Text]int64{}, h: newHasher()}
	err := s.applyTx(ctx, func(tx *sql.Tx, conn *sql.Conn) error {
		r.tx = tx
		if _, err := tx.ExecContext(ctx, store.ByDialect(s.DB.Dialect, Q.LockWriterSQLite, Q.LockWriterPostgres)); err != nil {
			return err
		}
		var err error
		if r.ps, err = setup(tx); err != nil {
			return err
		}
		r.out.Incident, r.out.Maintenance = r.ps.incidentID, r.ps.windowID
		ids, err := s.scopeIDs(ctx, tx, r.ps)
		if err != nil {
			return err
		}
		if r.input, err = json.Marshal(r.ps.engineInput()); err != nil {
			return err
		}
		if r.ins, err = newChangeWriter(ctx, tx, conn, max(s.InsertBatch, 1)); err != nil {
			return err
		}
		defer r.ins.close()
		procs, done, err := r.procedures(ctx, ids)
		if err != nil {
			return err
		}
		defer done()
		if req.Progress != nil {
			procs = counted(procs, len(ids), req.Progress)
		}
		if err := r.ps.planner.PlanEach(procs, func(p *impact.Procedure, acts []impact.Action) error {
			return r.procedure(ctx, p, acts)
		}); err != nil {
			return err
		}
		if err := r.ins.flush(ctx); err != nil {
			return err
		}
		r.out.PlanHash = r.h.sum()
		if req.PlanHash != "" && req.PlanHash != r.out.PlanHash {
			return conflictHash(r.out.PlanHash, req.PlanHash)
		}
		if r.planID == 0 {
			return nil // already in force
		}
		return r.finish(ctx)
	})
	if err != nil {
		return Applied{}, planErr(err)
	}
	return r.out, nil
}

func conflictHash(got, previewed string) error {
	return apperr.New(apperr.Conflict, "the plan changed since it was previewed (hash %s, previewed %s): preview it again", got, previewed)
}

// applyRun is one Apply's transaction and what it has gathered so far.
type applyRun struct {
	s      *Service
	tx     *sql.Tx
	status string // of the plan row when created: applied, or staging (SQLite)
	by     audit.Actor
	now    time.Time
	ps     *planSetup
	input  []byte // the engine's incident input, kept with the plan
	ins    changeWriter
	h      hasher
	out    Applied

	planID, cur int64 // cur: the procedure being streamed
	bidders     map[string]*bidder
	moves       []templates.Extension
	windows     map[int64]bool        // maintenance windows this plan's changes come from (Q41)
	reasons     map[impact.Text]int64 // reason text → plan_reasons id
}

// procedures is the source of the scope's procedures, loaded ahead on its
// own goroutine through a read transaction on another connection, so
// loading overlaps planning and writing. On SQLite that transaction, begun
// while this one holds the write lock, sees exactly what this transaction
// saw before it wrote (nobody else can commit, and what it writes concerns
// procedures already streamed). On PostgreSQL (issue 15) it is one
// repeatable-read snapshot taken after the plan lock: other plans and
// reverts cannot commit, and an import committing meanwhile is either in
// the snapshot or not — the same race as this transaction's own
// read-committed statements had, but the plan is now of one snapshot.
func (r *applyRun) procedures(ctx context.Context, ids []int64) (iter.Seq2[*impact.Procedure, error], func(), error) {
	opts := &sql.TxOptions{ReadOnly: true}
	if r.s.DB.Dialect == store.Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	rtx, err := r.s.DB.R.BeginTx(ctx, opts)
	if err != nil {
		return nil, nil, err
	}
	return r.s.streamAhead(ctx, rtx, ids, &r.cur), func() { _ = rtx.Rollback() }, nil
}

// procedure records the actions planned for one procedure and collects the
// deadlines its bidders are told of.
func (r *applyRun) procedure(ctx context.Context, p *impact.Procedure, acts []impact.Action) error {
	if r.planID == 0 {
		// The plan row is created with the first change, so an empty plan
		// leaves no trace.
		if err := r.tx.QueryRowContext(ctx, Q.InsertPlan, nullID(r.out.Incident), r.ps.profile, string(r.input), store.T(r.now), r.by.Login,
			nullID(r.out.Maintenance), r.status).Scan(&r.planID); err != nil {
			return err
		}
	}
	r.out.Procedures++
	first := len(r.moves)
	var movedFor []string // supplier of a per-supplier deadline, else ""
	for i := range acts {
		a := &acts[i]
		moved, err := r.record(ctx, a)
		if err != nil {
			return err
		}
		if moved {
			r.moves = append(r.moves, templates.Extension{Announcement: p.Announcement, Lot: a.Lot, DeadlineKind: a.Deadline.Public(),
				Old: a.Old, New: a.New, Rule: a.Rule})
			movedFor = append(movedFor, a.Supplier)
		}
	}
	if len(r.moves) > first {
		addBidders(r.bidders, p.Participants, first, movedFor)
	}
	return nil
}

// record writes one action as a plan change (its reason text once per
// plan); moved reports whether it moves a deadline.
func (r *applyRun) record(ctx context.Context, a *impact.Action) (moved bool, err error) {
	r.h.add(a)
	rc, _ := json.Marshal(a.Recipients)
	if a.Recipients == nil {
		rc = []byte("[]")
	}
	var old, nw store.Time
	if !a.Old.IsZero() {
		old = store.T(a.Old)
	}
	if !a.New.IsZero() {
		nw = store.T(a.New)
	}
	rid, ok := r.reasons[a.Reason]
	if !ok {
		if err := r.tx.QueryRowContext(ctx, Q.InsertReason, r.planID, a.Reason.RU, a.Reason.KK, a.Reason.EN).Scan(&rid); err != nil {
			return false, err
		}
		r.reasons[a.Reason] = rid
	}
	r.out.Changes++
	if w := windowOf(a.Event); w != 0 {
		if r.windows == nil {
			r.windows = map[int64]bool{}
		}
		r.windows[w] = true
	}
	if a.Action == impact.Notify && a.Deadline == "" && a.Supplier == "" {
		// The per-event "tell the participants" line: its effect is the
		// outbox message; the engine never reads it back.
		return false, nil
	}
	if err := r.ins.add(ctx, r.planID, r.cur, a.Lot, string(a.Deadline), a.Supplier, string(a.Action), a.Rule, a.Event,
		old, nw, string(rc), rid); err != nil {
		return false, err
	}
	return a.Action == impact.Extend || a.Action == impact.Hold, nil
}

// addBidders gives each participant of a procedure the moves from first on
// that concern them: common deadlines, and their own per-supplier ones.
func addBidders(bidders map[string]*bidder, parts []impact.Participant, first int, movedFor []string) {
	for _, pt := range parts {
		b := bidders[pt.Supplier]
		if b == nil {
			b = &bidder{email: pt.Email, lang: pt.Language}
			bidders[pt.Supplier] = b
		}
		if b.email == "" {
			b.email, b.lang = pt.Email, pt.Language
		}
		for i, sup := range movedFor {
			if sup == "" || sup == pt.Supplier {
				b.exts = append(b.exts, int32(first+i))
			}
		}
	}
}

// finish puts the recorded plan in force: the deadlines and the feed, the
// bidders' notices, the audit record.
func (r *applyRun) finish(ctx context.Context) error {
	tx, planID, out := r.tx, r.planID, &r.out
	out.PlanID = planID
	if _, err := tx.ExecContext(ctx, Q.FinishPlan, planID, out.PlanHash, out.Procedures, out.Changes); err != nil {
		return err
	}
	if err := r.planWindows(ctx, tx); err != nil {
		return err
	}
	if err := overRanges(ctx, tx, planID, false, rangeSize, func(lo, hi int64) error {
		if _, err := tx.ExecContext(ctx, Q.SetDeadlinesOfPlan, planID, lo, hi); err != nil {
			return fmt.Errorf("set deadlines: %w", err)
		}
		_, err := tx.ExecContext(ctx, Q.FeedApply, planID, lo, hi, store.T(r.now))
		return err
	}); err != nil {
		return err
	}
	var err error
	if out.Notifications, out.NoAddress, err = r.s.notifyBidders(ctx, tx, r.now, r.ps, planID, r.bidders, r.moves); err != nil {
		return err
	}
	return r.auditApply(ctx, tx)
}

// notifyBidders enqueues one message per bidder with an address (of
// bidderNotice's kind: ExtensionsGranted, or the force majeure's or the
// window's); the event names the plan, so the outbox never sends it twice.
func (s *Service) notifyBidders(ctx context.Context, tx *sql.Tx, now time.Time, ps *planSetup, planID int64, bidders map[string]*bidder, moves []templates.Extension) (sent, noAddr int, err error) {
	kind, head := ps.noticeHeader()
	ns, noAddr := bidderNotices(planID, kind, head, bidders, moves)
	// One call: Enqueue writes large fan-outs in multi-row statements.
	if err := notify.Enqueue(ctx, tx, now, s.MailDomain, ns...); err != nil {
		return 0, noAddr, err
	}
	return len(ns), noAddr, nil
}

// PlanRecord is an applied (or reverted) plan.
type PlanRecord struct {
	ID       int64 `json:"id"`
	Incident int64 `json:"incident"`
	// Maintenance is the window of a window's own plan (Incident is then 0).
	Maintenance  int64      `json:"maintenance,omitempty"`
	Status       string     `json:"status"`
	Profile      string     `json:"profile"`
	PlanHash     string     `json:"plan_hash"`
	Procedures   int        `json:"procedures_changed"`
	Changes      int        `json:"changes"`
	AppliedAt    time.Time  `json:"applied_at"`
	AppliedBy    string     `json:"applied_by"`
	RevertedAt   *time.Time `json:"reverted_at,omitempty"`
	RevertedBy   string     `json:"reverted_by,omitempty"`
	RevertReason string     `json:"revert_reason,omitempty"`
	// Notifications (revert only): the bidders told that their deadlines
	// moved back (ExtensionsWithdrawn, one per bidder with an address).
	Notifications int `json:"notifications,omitempty"`
	// Rules are the rules the plan's changes cite, with their counts
	// (the plans of an incident, and the revert's audit record).
	Rules []RuleCount `json:"rules,omitempty"`
}

func scanPlan(r interface{ Scan(...any) error }) (PlanRecord, error) {
	var p PlanRecord
	var at, rat store.Time
	var rby sql.NullString
	var inc, win sql.NullInt64
	err := r.Scan(&p.ID, &inc, &win, &p.Status, &p.Profile, &p.PlanHash, &p.Procedures, &p.Changes, &at, &p.AppliedBy, &rat, &rby, &p.RevertReason)
	p.AppliedAt, p.RevertedBy, p.Incident, p.Maintenance = at.Time, rby.String, inc.Int64, win.Int64
	if !rat.IsZero() {
		t := rat.Time
		p.RevertedAt = &t
	}
	return p, err
}

// PlanByID returns an applied plan.
func (s *Service) PlanByID(ctx context.Context, id int64) (PlanRecord, error) {
	p, err := scanPlan(s.DB.R.QueryRowContext(ctx, Q.PlanByID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, apperr.New(apperr.NotFound, "no applied plan %d", id)
	}
	return p, apperr.Wrap(err, "load plan")
}

// Revert restores every deadline the plan moved to its value before the
// plan, marks the plan reverted, appends the undone changes to the feed,
// tells every bidder whose deadline moves back (ExtensionsWithdrawn, issue
// 14) and records it in the audit trail, all in one transaction. A plan whose
// deadlines a later applied plan moved again is refused (409): revert that
// one first, so no later decision is silently undone.
func (s *Service) Revert(ctx context.Context, planID int64, reason string, by audit.Actor) (PlanRecord, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return PlanRecord{}, &apperr.Error{Code: apperr.Invalid, Message: "validation failed", Fields: map[string]string{"reason": "required: why the plan is reverted"}}
	}
	unlock, err := s.exclusive(ctx)
	if err != nil {
		return PlanRecord{}, planErr(err)
	}
	defer unlock()
	now := s.Now()
	var rec PlanRecord
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, store.ByDialect(s.DB.Dialect, Q.LockWriterSQLite, Q.LockWriterPostgres)); err != nil {
			return err
		}
		p, err := scanPlan(tx.QueryRowContext(ctx, Q.PlanByID, planID))
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.New(apperr.NotFound, "no applied plan %d", planID)
		}
		if err != nil {
			return err
		}
		if p.Status != "applied" {
			return apperr.New(apperr.Conflict, "plan %d is already %s", planID, p.Status)
		}
		if p.Rules, err = rulesOf(ctx, tx, planID); err != nil {
			return err
		}
		var later sql.NullInt64
		if err := tx.QueryRowContext(ctx, Q.LaterPlanOnSameDeadlines, planID).Scan(&later); err != nil {
			return err
		}
		if later.Valid {
			return apperr.New(apperr.Conflict, "applied plan %d moved the same deadlines later: revert it first", later.Int64)
		}
		if err := overRanges(ctx, tx, planID, true, rangeSize, func(lo, hi int64) error {
			if _, err := tx.ExecContext(ctx, Q.RestoreDeadlinesOfPlan, planID, lo, hi); err != nil {
				return fmt.Errorf("restore deadlines: %w", err)
			}
			_, err := tx.ExecContext(ctx, Q.FeedRevert, planID, lo, hi, store.T(now))
			return err
		}); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, Q.MarkReverted, planID, store.T(now), by.Login, reason); err != nil {
			return err
		}
		if p.Notifications, err = s.notifyWithdrawn(ctx, tx, now, p, reason); err != nil {
			return err
		}
		before := p
		p.Status, p.RevertedBy, p.RevertReason = "reverted", by.Login, reason
		t := now
		p.RevertedAt = &t
		rec = p
		_, err = audit.Append(ctx, tx, s.DB.Dialect, now, by, audit.Entry{Action: "impact.revert", ObjectType: "applied_plan",
			ObjectID: strconv.FormatInt(planID, 10), Before: before, After: p})
		return err
	})
	if err != nil {
		return PlanRecord{}, planErr(err)
	}
	return rec, nil
}

// notifyWithdrawn enqueues one ExtensionsWithdrawn (a window's plan:
// MaintenanceWithdrawn) message per bidder of
// the procedures whose deadlines the reverted plan moved: each is told the
// deadlines that concern them (common ones, and their own per-supplier
// ones), the date they were told and the date restored, and the reason.
// It runs in the revert's transaction, so a revert is never without its
// notices nor the notices without the revert.
func (s *Service) notifyWithdrawn(ctx context.Context, tx *sql.Tx, now time.Time, p PlanRecord, reason string) (int, error) {
	planID := p.ID
	kind, head, err := s.withdrawnHeader(ctx, tx, p)
	if err != nil {
		return 0, err
	}
	rows, err := tx.QueryContext(ctx, Q.WithdrawnOfPlan, planID)
	if err != nil {
		return 0, fmt.Errorf("withdrawn deadlines: %w", err)
	}
	type procMoves struct {
		parts []Participant
		exts  []templates.Extension
		sups  []string // supplier of a per-supplier deadline, else ""
	}
	var order []int64
	procs := map[int64]*procMoves{}
	for rows.Next() {
		var pid int64
		var ann, parts, lot, kind, sup, rule string
		var old, told store.Time
		if err := rows.Scan(&pid, &ann, &parts, &lot, &kind, &sup, &rule, &old, &told); err != nil {
			rows.Close()
			return 0, err
		}
		pm := procs[pid]
		if pm == nil {
			pm = &procMoves{}
			if err := json.Unmarshal([]byte(parts), &pm.parts); err != nil {
				rows.Close()
				return 0, fmt.Errorf("procedure %d: participants: %w", pid, err)
			}
			procs[pid] = pm
			order = append(order, pid)
		}
		pm.exts = append(pm.exts, templates.Extension{Announcement: ann, Lot: lot, DeadlineKind: impact.Kind(kind).Public(),
			Old: told.Time, New: old.Time, Rule: rule})
		pm.sups = append(pm.sups, sup)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	type recipient struct {
		email, lang string
		exts        []templates.Extension
	}
	bidders := map[string]*recipient{}
	for _, pid := range order {
		pm := procs[pid]
		for _, pt := range pm.parts {
			b := bidders[pt.Supplier]
			if b == nil {
				b = &recipient{}
				bidders[pt.Supplier] = b
			}
			if b.email == "" {
				b.email, b.lang = pt.Email, pt.Language
			}
			for i, sup := range pm.sups {
				if sup == "" || sup == pt.Supplier {
					b.exts = append(b.exts, pm.exts[i])
				}
			}
		}
	}
	keys := make([]string, 0, len(bidders))
	for k, b := range bidders {
		if b.email != "" && len(b.exts) > 0 {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	ns := make([]notify.Notification, 0, len(keys))
	for _, sup := range keys {
		b := bidders[sup]
		d := head
		d.Extensions, d.Reason = b.exts, reason
		ns = append(ns, notify.Notification{Event: events.PlanWithdrawn(planID), Kind: kind, Data: d,
			Channel: "email", Email: b.email, Lang: templates.Lang(b.lang)})
	}
	if err := notify.Enqueue(ctx, tx, now, s.MailDomain, ns...); err != nil {
		return 0, err
	}
	return len(ns), nil
}

// changeCols is the number of placeholders of insert-change.
const changeCols = 12

// batchInsert sends the rows of a one-row "INSERT … VALUES ($1, …, $k)" n
// at a time as one multi-row statement built from it (fewer round trips
// through database/sql and the SQLite VM: 100,000-procedure plans).
type batchInsert struct {
	tx      *sql.Tx
	one     string
	k, n    int
	many    *sql.Stmt
	pending []any
}

func newBatchInsert(ctx context.Context, tx *sql.Tx, one string, k, n int) (*batchInsert, error) {
	head, _, ok := strings.Cut(one, "VALUES")
	if !ok {
		return nil, fmt.Errorf("batch insert: no VALUES in %q", one)
	}
	var b strings.Builder
	b.WriteString(head)
	b.WriteString("VALUES ")
	for r := range n {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range k {
			if c > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "$%d", r*k+c+1)
		}
		b.WriteByte(')')
	}
	many, err := tx.PrepareContext(ctx, b.String())
	if err != nil {
		return nil, err
	}
	return &batchInsert{tx: tx, one: one, k: k, n: n, many: many, pending: make([]any, 0, k*n)}, nil
}

func (bi *batchInsert) add(ctx context.Context, row ...any) error {
	bi.pending = append(bi.pending, row...)
	if len(bi.pending) == bi.k*bi.n {
		_, err := bi.many.ExecContext(ctx, bi.pending...)
		bi.pending = bi.pending[:0]
		return err
	}
	return nil
}

// flush writes what is left, one row at a time.
func (bi *batchInsert) flush(ctx context.Context) error {
	for i := 0; i < len(bi.pending); i += bi.k {
		if _, err := bi.tx.ExecContext(ctx, bi.one, bi.pending[i:i+bi.k]...); err != nil {
			return err
		}
	}
	bi.pending = bi.pending[:0]
	return nil
}

func (bi *batchInsert) close() { bi.many.Close() }

// rangeSize is the number of change ids one bulk statement covers.
var rangeSize int64 = 16384

// overRanges calls fn over the plan's change ids in ranges (lo, hi] of
// size ids, ascending or (desc) descending.
func overRanges(ctx context.Context, q queryer, planID int64, desc bool, size int64, fn func(lo, hi int64) error) error {
	var first, last int64
	if err := q.QueryRowContext(ctx, Q.ChangeRangeOfPlan, planID).Scan(&first, &last); err != nil {
		return err
	}
	var los []int64
	for lo := first - 1; lo < last; lo += size {
		los = append(los, lo)
	}
	if desc {
		slices.Reverse(los)
	}
	for _, lo := range los {
		if err := fn(lo, min(lo+size, last)); err != nil {
			return err
		}
	}
	return nil
}
