package procurement

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/impact"
	"tenderdesk/internal/notify"
	"tenderdesk/internal/notify/templates"
	"tenderdesk/internal/store"
)

// SQLite's staged apply (issue 15; docs/procurement-api.md, "Applying
// without stopping intake"). SQLite has one writer: an apply in one
// transaction held it for the whole plan (≈ 9 s at 100,000 procedures) and
// every registration waited. Here the plan is written in short transactions
// whose effects stay invisible until one short flip:
//
//  1. stage: per stagedChunk changed procedures, one transaction of the
//     plan row (status 'staging', with the first chunk), its reasons and
//     its changes; every reader of applied changes filters status =
//     'applied', so a staging plan counts for nobody;
//  2. feed: the feed entries, per range of change ids; the feed page and
//     head stop below a staging plan's first entry (the horizon);
//  3. flip: status 'applied', counts, hash, plan windows, the impact.apply
//     audit record, merged = notified = false: in force from this commit;
//  4. merge: the deadlines take their last step's value, per range, then
//     merged; until then deadlines-of-procedure overlays those last steps;
//  5. notices: the bidders' messages in batches, then notified.
//
// What changes or plans from the mirror holds applyMu for the whole of it;
// a crash leaves a staging plan (deleted, audited impact.apply.abandoned)
// or an applied one unmerged or unnotified (finished), both by resume, at
// start-up and whenever the mutex is taken.

// stagedChunk is the number of changed procedures one staging transaction
// writes (≈ 730 change rows on the high failure of the measurement mirror;
// with 1000, the design's figure, a staging step took 80–470 ms at load 9,
// waiting for the writer included, and registrations had a p99 of 0.7 s:
// docs/procurement-api.md).
var stagedChunk = 200

// stagedRangeMax bounds the change ids one feed or merge transaction covers.
const stagedRangeMax = 1024

// noticeBatch is the number of outbox rows one notices transaction writes.
var noticeBatch = 100

// deleteBatch is the number of rows one abandon transaction deletes.
const deleteBatch = 1024

func stagedRange() int64 { return min(rangeSize, stagedRangeMax) }

// staged reports whether plans are applied in steps (SQLite); PostgreSQL
// applies a plan in one transaction under the procurement_lock row.
func (s *Service) staged() bool { return s.DB.Dialect != store.Postgres }

// exclusive takes applyMu on SQLite and first finishes what a crash or a
// failed step left (resume); on PostgreSQL it does nothing.
func (s *Service) exclusive(ctx context.Context) (func(), error) {
	if !s.staged() {
		return func() {}, nil
	}
	s.applyMu.Lock()
	if err := s.resume(ctx); err != nil {
		s.applyMu.Unlock()
		return nil, err
	}
	return s.applyMu.Unlock, nil
}

// Resume finishes, at start-up, the staged applies a crash interrupted: a
// plan still staging is deleted (it was never visible) and audited
// impact.apply.abandoned; an applied plan gets its deadlines merged and its
// bidders' notices enqueued (once: the outbox ignores a repeated event and
// recipient). Nothing to do on PostgreSQL.
func (s *Service) Resume(ctx context.Context) error {
	if !s.staged() {
		return nil
	}
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	return s.resume(ctx)
}

// crashErr is a test hook's stop: the apply leaves the database as a crash
// at that point would, for resume to find.
type crashErr struct{ err error }

func (c *crashErr) Error() string { return c.err.Error() }
func (c *crashErr) Unwrap() error { return c.err }

func (s *Service) phase(name string) error {
	if s.hook == nil {
		return nil
	}
	if err := s.hook(name); err != nil {
		return &crashErr{err}
	}
	return nil
}

// pendingProc is one changed procedure planned and not yet staged.
type pendingProc struct {
	id   int64
	p    *impact.Procedure
	acts []impact.Action
}

// storedNotice is the header of a plan's bidders' messages, kept with the
// plan at the flip so a resume sends what the apply would have.
type storedNotice struct {
	Kind templates.Kind `json:"kind"`
	Data templates.Data `json:"data"`
}

// applyStaged is apply on SQLite.
func (s *Service) applyStaged(ctx context.Context, setup func(queryer) (*planSetup, error), req PlanRequest, by audit.Actor) (Applied, error) {
	unlock, err := s.exclusive(ctx)
	if err != nil {
		return Applied{}, planErr(err)
	}
	defer unlock()
	r := &applyRun{s: s, by: by, now: s.Now(), status: "staging",
		bidders: map[string]*bidder{}, reasons: map[impact.Text]int64{}, h: newHasher()}
	flipped, err := r.staged(ctx, setup, req)
	if err == nil {
		return r.out, nil
	}
	var crash *crashErr
	if errors.As(err, &crash) {
		return Applied{}, planErr(crash.err)
	}
	// A refusal or a failed step: a staging plan is deleted, an applied one
	// finished, now rather than at the next apply.
	if rerr := s.resume(context.WithoutCancel(ctx)); rerr != nil {
		s.Log.Error("staged apply: cleanup failed; it is retried at the next apply or start-up", "plan", r.planID, "err", rerr)
	} else if flipped {
		return r.out, nil // in force and finished
	}
	return Applied{}, planErr(err)
}

// staged runs the steps; flipped reports whether the plan came in force.
func (r *applyRun) staged(ctx context.Context, setup func(queryer) (*planSetup, error), req PlanRequest) (flipped bool, err error) {
	s := r.s
	// The plan is of one snapshot: the mutex keeps every procurement table
	// as it is but for this apply's own staging rows, which the snapshot
	// does not see (and which count for nobody anyway).
	rtx, err := s.DB.R.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return false, err
	}
	defer rtx.Rollback()
	if r.ps, err = setup(rtx); err != nil {
		return false, err
	}
	r.out.Incident, r.out.Maintenance = r.ps.incidentID, r.ps.windowID
	ids, err := s.scopeIDs(ctx, rtx, r.ps)
	if err != nil {
		return false, err
	}
	if r.input, err = json.Marshal(r.ps.engineInput()); err != nil {
		return false, err
	}
	procs := s.streamAhead(ctx, rtx, ids, &r.cur)
	if req.Progress != nil {
		procs = counted(procs, len(ids), req.Progress)
	}
	pend := make([]pendingProc, 0, stagedChunk)
	if err := r.ps.planner.PlanEach(procs, func(p *impact.Procedure, acts []impact.Action) error {
		// The planner reuses acts; p stays valid (its chunk is not reused).
		pend = append(pend, pendingProc{id: r.cur, p: p, acts: slices.Clone(acts)})
		if len(pend) < stagedChunk {
			return nil
		}
		err := r.stage(ctx, pend)
		pend = pend[:0]
		return err
	}); err != nil {
		return false, err
	}
	if err := r.stage(ctx, pend); err != nil {
		return false, err
	}
	_ = rtx.Rollback()
	r.out.PlanHash = r.h.sum()
	if req.PlanHash != "" && req.PlanHash != r.out.PlanHash {
		return false, conflictHash(r.out.PlanHash, req.PlanHash)
	}
	if r.planID == 0 {
		return false, nil // already in force
	}
	planID := r.planID
	r.out.PlanID = planID

	// Feed, per range, behind the horizon.
	if err := overRanges(ctx, s.DB.W, planID, false, stagedRange(), func(lo, hi int64) error {
		if err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, Q.FeedApply, planID, lo, hi, store.T(r.now))
			return err
		}); err != nil {
			return fmt.Errorf("feed: %w", err)
		}
		return s.phase("feed")
	}); err != nil {
		return false, err
	}

	// Flip.
	kind, head := r.ps.noticeHeader()
	ns, noAddr := bidderNotices(planID, kind, head, r.bidders, r.moves)
	r.out.Notifications, r.out.NoAddress = len(ns), noAddr
	notice, err := json.Marshal(storedNotice{Kind: kind, Data: head})
	if err != nil {
		return false, err
	}
	if err := s.DB.Tx(ctx, func(tx *sql.Tx) error { return r.flip(ctx, tx, len(ns) == 0, string(notice)) }); err != nil {
		return false, fmt.Errorf("flip: %w", err)
	}
	if err := s.phase("flip"); err != nil {
		return true, err
	}

	// Merge, then notices.
	if err := s.merge(ctx, planID); err != nil {
		return true, err
	}
	return true, s.enqueueNotices(ctx, planID, ns)
}

// stage writes the planned procedures in one transaction (the plan row
// with the first of them).
func (r *applyRun) stage(ctx context.Context, pend []pendingProc) error {
	if len(pend) == 0 {
		return nil
	}
	s := r.s
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		r.tx = tx
		ins, err := newBatchInsert(ctx, tx, Q.InsertChange, changeCols, max(s.InsertBatch, 1))
		if err != nil {
			return err
		}
		defer ins.close()
		r.ins = ins
		for _, pp := range pend {
			r.cur = pp.id
			if err := r.procedure(ctx, pp.p, pp.acts); err != nil {
				return err
			}
		}
		return ins.flush(ctx)
	})
	r.tx, r.ins = nil, nil
	if err != nil {
		return fmt.Errorf("stage: %w", err)
	}
	return s.phase("stage")
}

// flip puts the staged plan in force.
func (r *applyRun) flip(ctx context.Context, tx *sql.Tx, notified bool, notice string) error {
	planID, out := r.planID, &r.out
	res, err := tx.ExecContext(ctx, Q.FlipPlan, planID, out.PlanHash, out.Procedures, out.Changes, notified, notice)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("plan %d is no longer staging (%d rows, %v)", planID, n, err)
	}
	if err := r.planWindows(ctx, tx); err != nil {
		return err
	}
	return r.auditApply(ctx, tx)
}

// planWindows records the maintenance windows the plan's changes come from.
func (r *applyRun) planWindows(ctx context.Context, tx *sql.Tx) error {
	ws := make([]int64, 0, len(r.windows))
	for w := range r.windows {
		ws = append(ws, w)
	}
	slices.Sort(ws)
	for _, w := range ws {
		if _, err := tx.ExecContext(ctx, Q.InsertPlanWindow, r.planID, w); err != nil {
			return fmt.Errorf("plan window %d: %w", w, err)
		}
	}
	return nil
}

// auditApply appends the plan's impact.apply record.
func (r *applyRun) auditApply(ctx context.Context, tx *sql.Tx) error {
	out := &r.out
	_, err := audit.Append(ctx, tx, r.s.DB.Dialect, r.now, r.by, audit.Entry{Action: "impact.apply", ObjectType: "applied_plan",
		ObjectID: strconv.FormatInt(r.planID, 10), After: map[string]any{"incident": out.Incident, "maintenance": out.Maintenance, "profile": r.ps.profile,
			"procedures_changed": out.Procedures, "changes": out.Changes, "notifications": out.Notifications,
			"plan_hash": out.PlanHash, "input": json.RawMessage(r.input)}})
	return err
}

// merge sets the deadlines of an applied plan from its last steps, per
// range, then marks it merged. Setting them again is harmless (a resume).
func (s *Service) merge(ctx context.Context, planID int64) error {
	if err := overRanges(ctx, s.DB.W, planID, false, stagedRange(), func(lo, hi int64) error {
		if err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, Q.SetDeadlinesOfPlan, planID, lo, hi)
			return err
		}); err != nil {
			return fmt.Errorf("set deadlines: %w", err)
		}
		return s.phase("merge")
	}); err != nil {
		return err
	}
	if _, err := s.DB.W.ExecContext(ctx, Q.MarkMerged, planID); err != nil {
		return fmt.Errorf("mark merged: %w", err)
	}
	return s.phase("merged")
}

// enqueueNotices writes the plan's bidders' messages in batches, then marks
// it notified. The outbox ignores a repeated (event, recipient), so a
// resume after a crash in the middle sends nobody a second message.
func (s *Service) enqueueNotices(ctx context.Context, planID int64, ns []notify.Notification) error {
	for lo := 0; lo < len(ns); lo += noticeBatch {
		part := ns[lo:min(lo+noticeBatch, len(ns))]
		if err := s.DB.Tx(ctx, func(tx *sql.Tx) error { return notify.Enqueue(ctx, tx, s.Now(), s.MailDomain, part...) }); err != nil {
			return fmt.Errorf("notices: %w", err)
		}
		if err := s.phase("notify"); err != nil {
			return err
		}
	}
	if _, err := s.DB.W.ExecContext(ctx, Q.MarkNotified, planID); err != nil {
		return fmt.Errorf("mark notified: %w", err)
	}
	return nil
}

// noticeHeader is the kind and header of the plan's bidders' messages.
// Location does not survive the outbox's JSON; Zone does, so the mail shows
// the portal's local time, not UTC.
func (ps *planSetup) noticeHeader() (templates.Kind, templates.Data) {
	return ps.bidderNotice(nil, ps.planner.Location().String())
}

// bidderNotices is one message per bidder with an address and a moved
// deadline, in supplier order; noAddr counts the bidders without address.
// The event names the plan, so the outbox never sends it twice.
func bidderNotices(planID int64, kind templates.Kind, head templates.Data, bidders map[string]*bidder, moves []templates.Extension) (ns []notify.Notification, noAddr int) {
	keys := make([]string, 0, len(bidders))
	for k := range bidders {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	event := fmt.Sprintf("impact.extensions:plan:%d", planID)
	ns = make([]notify.Notification, 0, len(keys))
	for _, sup := range keys {
		b := bidders[sup]
		if b.email == "" || len(b.exts) == 0 {
			noAddr++
			continue
		}
		exts := make([]templates.Extension, len(b.exts))
		for i, x := range b.exts {
			exts[i] = moves[x]
		}
		d := head
		d.Extensions = exts
		ns = append(ns, notify.Notification{Event: event, Kind: kind,
			Data: d, Channel: "email", Email: b.email, Lang: templates.Lang(b.lang)})
	}
	return ns, noAddr
}

// unfinished is a plan resume finds.
type unfinished struct {
	id               int64
	status           string
	merged, notified bool
	notice, by       string
}

// resume deletes staging plans and finishes applied ones (applyMu held).
func (s *Service) resume(ctx context.Context) error {
	rows, err := s.DB.W.QueryContext(ctx, Q.UnfinishedPlans)
	if err != nil {
		return fmt.Errorf("unfinished plans: %w", err)
	}
	var us []unfinished
	for rows.Next() {
		var u unfinished
		if err := rows.Scan(&u.id, &u.status, &u.merged, &u.notified, &u.notice, &u.by); err != nil {
			rows.Close()
			return err
		}
		us = append(us, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, u := range us {
		if u.status == "staging" {
			if err := s.abandon(ctx, u.id); err != nil {
				return fmt.Errorf("abandon staging plan %d: %w", u.id, err)
			}
			continue
		}
		if !u.merged {
			s.Log.Warn("staged apply: merging the deadlines of an interrupted plan", "plan", u.id)
			if err := s.merge(ctx, u.id); err != nil {
				return fmt.Errorf("merge plan %d: %w", u.id, err)
			}
		}
		if !u.notified {
			s.Log.Warn("staged apply: enqueueing the notices of an interrupted plan", "plan", u.id)
			ns, err := s.rebuildNotices(ctx, u.id, u.notice)
			if err != nil {
				return fmt.Errorf("notices of plan %d: %w", u.id, err)
			}
			if err := s.enqueueNotices(ctx, u.id, ns); err != nil {
				return fmt.Errorf("notices of plan %d: %w", u.id, err)
			}
		}
	}
	return nil
}

// abandon deletes a staging plan in short transactions (feed entries,
// changes, reasons, the row) and audits it.
func (s *Service) abandon(ctx context.Context, planID int64) error {
	var inc, win sql.NullInt64
	var by string
	if err := s.DB.W.QueryRowContext(ctx, Q.StagingPlan, planID).Scan(&inc, &win, &by); err != nil {
		return err
	}
	var feed, changes int64
	for _, step := range []struct {
		q string
		n *int64
	}{{Q.DeleteFeedOfPlan, &feed}, {Q.DeleteChangesOfPlan, &changes}} {
		for {
			res, err := s.DB.W.ExecContext(ctx, step.q, planID, deleteBatch)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			*step.n += n
			if n == 0 {
				break
			}
		}
	}
	now := s.Now()
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{Q.DeleteReasonsOfPlan, Q.DeleteWindowsOfPlan} {
			if _, err := tx.ExecContext(ctx, q, planID); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, Q.DeleteStagingPlan, planID); err != nil {
			return err
		}
		_, err := audit.Append(ctx, tx, s.DB.Dialect, now, audit.System, audit.Entry{Action: "impact.apply.abandoned", ObjectType: "applied_plan",
			ObjectID: strconv.FormatInt(planID, 10), Before: map[string]any{"incident": inc.Int64, "maintenance": win.Int64, "applied_by": by,
				"changes": changes, "feed_entries": feed}})
		return err
	})
	if err == nil {
		s.Log.Warn("staged apply: an interrupted plan was never in force and is deleted", "plan", planID, "changes", changes, "feed_entries", feed)
	}
	return err
}

// rebuildNotices rebuilds an applied plan's bidders' messages from its
// changes, step by step in plan order and procedure by procedure, exactly
// as the apply collected them, with the header stored at the flip.
func (s *Service) rebuildNotices(ctx context.Context, planID int64, notice string) ([]notify.Notification, error) {
	var sn storedNotice
	if err := json.Unmarshal([]byte(notice), &sn); err != nil {
		return nil, fmt.Errorf("stored notice: %w", err)
	}
	rows, err := s.DB.R.QueryContext(ctx, Q.MovesOfPlan, planID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	bidders := map[string]*bidder{}
	var moves []templates.Extension
	cur, first := int64(-1), 0
	var parts []impact.Participant
	var movedFor []string
	done := func() {
		if cur >= 0 && len(moves) > first {
			addBidders(bidders, parts, first, movedFor)
		}
	}
	for rows.Next() {
		var pid int64
		var ann, ps, lot, kind, sup, rule string
		var old, nw store.Time
		if err := rows.Scan(&pid, &ann, &ps, &lot, &kind, &sup, &rule, &old, &nw); err != nil {
			return nil, err
		}
		if pid != cur {
			done()
			var pts []Participant
			if err := json.Unmarshal([]byte(ps), &pts); err != nil {
				return nil, fmt.Errorf("procedure %d: participants: %w", pid, err)
			}
			parts = make([]impact.Participant, len(pts))
			for i, x := range pts {
				parts[i] = impact.Participant(x)
			}
			cur, first, movedFor = pid, len(moves), movedFor[:0]
		}
		moves = append(moves, templates.Extension{Announcement: ann, Lot: lot, DeadlineKind: impact.Kind(kind).Public(),
			Old: old.Time, New: nw.Time, Rule: rule})
		movedFor = append(movedFor, sup)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	done()
	ns, _ := bidderNotices(planID, sn.Kind, sn.Data, bidders, moves)
	return ns, nil
}
