// Package publicnotice is the database side of the public failure notice
// (Q36.1, Q37.3; the fix: Q36.9, Q37.12) and of maintenance announcements
// (Q18, Q40, Q41): a statuspage.Source over the incidents, their appeals'
// announcement and lot numbers, the extensions applied from plans, the
// operators' public texts and the maintenance table.
//
// The page asks Version about once a second. It is one indexed read: a
// counter bumped in the transaction of every change the page shows
// (incident transitions and merges through a journal hook, appeals attached
// to an incident, public texts, maintenance), plus the procurement change
// feed's head (applied and reverted plans), plus the day number (so fixed
// failures age out of "recent" without a change).
package publicnotice

import (
	"context"
	"database/sql"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/statuspage"
	"tenderdesk/internal/store"
	"tenderdesk/internal/vocab"
)

//go:embed queries.sql
var queriesSQL string

// Queries are this package's named statements, checked at boot.
var Queries = store.MustParse(queriesSQL)

// Service is the Source of the status page and the maintenance and public
// text API.
type Service struct {
	DB  *store.DB
	Now func() time.Time
	// Recent is how long a fixed failure stays on the page (default 7 days).
	Recent time.Duration
	// NoticeBy is the latest moment planned works starting at start may be
	// announced (Q41): the regulation clock maintenance_notice.
	NoticeBy func(start time.Time) (time.Time, error)
	// Changed is called after a change this package committed (the wiring
	// invalidates the page so it shows at once).
	Changed func()
	// Announcement and Lot are the portal's number formats, for staff's
	// edit of a notice's numbers (the journal checks the appeals').
	Announcement, Lot *regexp.Regexp
}

var _ statuspage.Source = (*Service)(nil)

func (s *Service) recent() time.Duration {
	if s.Recent > 0 {
		return s.Recent
	}
	return 7 * 24 * time.Hour
}

// StatusVersion implements statuspage.Source.
func (s *Service) StatusVersion(ctx context.Context) (uint64, error) {
	var v int64
	if err := s.DB.R.QueryRowContext(ctx, Q.Version).Scan(&v); err != nil {
		return 0, fmt.Errorf("publicnotice: version: %w", err)
	}
	return uint64(v) + uint64(s.Now().Unix()/86400), nil
}

// StatusSnapshot implements statuspage.Source.
func (s *Service) StatusSnapshot(ctx context.Context) (statuspage.Snapshot, error) {
	v, err := s.StatusVersion(ctx) // first: data read after it is at least as new
	if err != nil {
		return statuspage.Snapshot{}, err
	}
	now := s.Now().UTC()
	snap := statuspage.Snapshot{Version: v}
	var upd store.Time
	if err := s.DB.R.QueryRowContext(ctx, Q.Updated).Scan(&upd); err != nil {
		return snap, fmt.Errorf("publicnotice: updated: %w", err)
	}
	snap.Updated = upd.Time
	if snap.Failures, err = s.failures(ctx, now); err != nil {
		return snap, err
	}
	ms, err := s.maintenance(ctx, Q.MaintenancePublic, store.T(now.Add(-s.recent())))
	if err != nil {
		return snap, err
	}
	for _, m := range ms {
		pm := m.public()
		// Q41 (ext14c): what the window's own plan moved, with the window.
		if pm.Extensions, err = s.extensionsOf(ctx, Q.ExtensionsOfWindow, m.ID); err != nil {
			return snap, err
		}
		snap.Maintenance = append(snap.Maintenance, pm)
	}
	for _, f := range snap.Failures {
		if f.Updated.After(snap.Updated) {
			snap.Updated = f.Updated
		}
	}
	for _, m := range snap.Maintenance {
		if m.Updated.After(snap.Updated) {
			snap.Updated = m.Updated
		}
	}
	return snap, nil
}

func (s *Service) failures(ctx context.Context, now time.Time) ([]statuspage.Failure, error) {
	rows, err := s.DB.R.QueryContext(ctx, Q.Failures, store.T(now.Add(-s.recent())))
	if err != nil {
		return nil, fmt.Errorf("publicnotice: failures: %w", err)
	}
	var rs []failureRow
	for rows.Next() {
		r, err := scanFailure(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		rs = append(rs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("publicnotice: failures: %w", err)
	}
	out := make([]statuspage.Failure, 0, len(rs))
	for _, r := range rs {
		if err := s.complete(ctx, &r); err != nil {
			return nil, err
		}
		out = append(out, r.f)
	}
	return out, nil
}

// publicModules is the operator's text of the modules, else the incident's own.
func publicModules(pub, own string) statuspage.Text {
	t := text(pub)
	if len(t) == 0 {
		if ms := list(own); len(ms) > 0 {
			t = statuspage.Text{"ru": strings.Join(ms, ", ")}
		}
	}
	return t
}

// procurements are the numbers a notice publishes: staff's edit when there
// is one, else those of the incident's appeals.
func (s *Service) procurements(ctx context.Context, incidentID int64, edited sql.NullString) ([]statuspage.Procurement, error) {
	if !edited.Valid {
		return s.affected(ctx, incidentID)
	}
	var refs []PublicRef
	if err := json.Unmarshal([]byte(edited.String), &refs); err != nil {
		return nil, fmt.Errorf("publicnotice: edited numbers of incident %d: %w", incidentID, err)
	}
	out := []statuspage.Procurement{}
	for _, r := range refs {
		out = append(out, statuspage.Procurement{Announcement: r.Announcement, Lots: r.Lots})
	}
	return out, nil
}

// publicState maps the lifecycle onto the page's states: a fix paused for
// information from users is still being fixed; closed after a fix is fixed.
func publicState(s string) string {
	switch journal.State(s) {
	case journal.Fixing, journal.InfoRequested:
		return "fixing"
	case journal.Fixed, journal.Closed:
		return "fixed"
	}
	return s
}

// affected gathers the announcement and lot numbers of the incident's
// appeals (Q36.1, Q37.3). An appeal that names one announcement gives it
// its lots. One naming several gives each the lots whose number starts with
// the announcement's own number (the portals number lots "1234567-ЗЦП1" for
// announcement "1234567-1"); an announcement none of its lots match is
// shown whole, as is one named anywhere without lots: the notice must not
// leave out a lot that may be hit.
func (s *Service) affected(ctx context.Context, incidentID int64) ([]statuspage.Procurement, error) {
	rows, err := s.DB.R.QueryContext(ctx, Q.RefsOfIncident, incidentID)
	if err != nil {
		return nil, fmt.Errorf("publicnotice: appeals: %w", err)
	}
	defer rows.Close()
	var order []string
	lots := map[string][]string{}
	whole := map[string]bool{}
	for rows.Next() {
		var anns, ls string
		if err := rows.Scan(&anns, &ls); err != nil {
			return nil, fmt.Errorf("publicnotice: appeals: %w", err)
		}
		as, l := list(anns), list(ls)
		for _, a := range as {
			if _, seen := lots[a]; !seen {
				order = append(order, a)
				lots[a] = nil
			}
			mine := l
			if len(as) > 1 {
				mine = lotsOf(a, l)
			}
			if len(mine) == 0 {
				whole[a] = true
				continue
			}
			for _, x := range mine {
				if !slices.Contains(lots[a], x) {
					lots[a] = append(lots[a], x)
				}
			}
		}
	}
	var out []statuspage.Procurement
	for _, a := range order {
		p := statuspage.Procurement{Announcement: a}
		if !whole[a] {
			p.Lots = lots[a]
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// lotsOf picks the lots whose number starts with announcement a's number
// (the part before its first "-").
func lotsOf(a string, lots []string) []string {
	base, _, _ := strings.Cut(a, "-")
	var out []string
	for _, l := range lots {
		if strings.HasPrefix(l, base+"-") {
			out = append(out, l)
		}
	}
	return out
}

// extensions are the deadlines moved by the incident's applied plans (the
// procurement mirror, issue 4); a supplier's own deadline (a tariff) is not
// published.
func (s *Service) extensions(ctx context.Context, incidentID int64) ([]statuspage.Extension, error) {
	return s.extensionsOf(ctx, Q.ExtensionsOfIncident, incidentID)
}

// extensionsOf reads the extensions query q (of an incident, or of a
// maintenance window's own plans, Q41) of owner id.
func (s *Service) extensionsOf(ctx context.Context, q string, id int64) ([]statuspage.Extension, error) {
	rows, err := s.DB.R.QueryContext(ctx, q, id)
	if err != nil {
		return nil, fmt.Errorf("publicnotice: extensions: %w", err)
	}
	defer rows.Close()
	var out []statuspage.Extension
	for rows.Next() {
		var e statuspage.Extension
		var old, nw store.Time
		if err := rows.Scan(&e.Announcement, &e.Lot, &e.DeadlineKind, &old, &nw, &e.Rule); err != nil {
			return nil, fmt.Errorf("publicnotice: extensions: %w", err)
		}
		e.Old, e.New = old.Time, nw.Time
		e.DeadlineKind = vocab.DeadlineKind(e.DeadlineKind).Public()
		out = append(out, e)
	}
	return out, rows.Err()
}

// withdrawn lists the extensions of the incident's reverted plans (issue
// 14): the notice keeps saying which posted dates no longer apply.
func (s *Service) withdrawn(ctx context.Context, incidentID int64) ([]statuspage.Withdrawal, error) {
	rows, err := s.DB.R.QueryContext(ctx, Q.WithdrawnOfIncident, incidentID)
	if err != nil {
		return nil, fmt.Errorf("publicnotice: withdrawn: %w", err)
	}
	defer rows.Close()
	var out []statuspage.Withdrawal
	for rows.Next() {
		var w statuspage.Withdrawal
		var old, told, at store.Time
		if err := rows.Scan(&w.Announcement, &w.Lot, &w.DeadlineKind, &old, &told, &at, &w.Reason); err != nil {
			return nil, fmt.Errorf("publicnotice: withdrawn: %w", err)
		}
		w.Restored, w.Told, w.At = old.Time, told.Time, at.Time
		w.DeadlineKind = vocab.DeadlineKind(w.DeadlineKind).Public()
		out = append(out, w)
	}
	return out, rows.Err()
}

// forceMajeure is the force majeure recorded on the incident, if any
// (internal/forcemajeure, which bumps the version on every change).
func (s *Service) forceMajeure(ctx context.Context, incidentID int64) (*statuspage.ForceMajeure, error) {
	var start, ended store.Time
	var hours int
	var fm statuspage.ForceMajeure
	err := s.DB.R.QueryRowContext(ctx, Q.ForceMajeureOfIncident, incidentID).Scan(&start, &hours, &ended, &fm.Evidence)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("publicnotice: force majeure: %w", err)
	}
	fm.Started, fm.Ended = start.Time, ended.Time
	fm.ExpectedEnd = fm.Started.Add(time.Duration(hours) * time.Hour)
	return &fm, nil
}

// Hooks bumps the version in the transaction of every Journal change the
// page may show.
type Hooks struct{}

var _ journal.Hooks = Hooks{}

// AppealRegistered: an appeal attached to an existing incident may add
// announcement and lot numbers to its notice.
func (Hooks) AppealRegistered(ctx context.Context, tx journal.HookTx, a journal.Appeal, newIncident bool) error {
	if newIncident {
		return nil
	}
	return bump(ctx, tx.Tx, tx.Now)
}

// IncidentChanged: every transition and merge.
func (Hooks) IncidentChanged(ctx context.Context, tx journal.HookTx, _ journal.Action, _ audit.Actor, _, _ journal.Incident) error {
	return bump(ctx, tx.Tx, tx.Now)
}

func bump(ctx context.Context, tx *sql.Tx, now time.Time) error {
	if _, err := tx.ExecContext(ctx, Q.Bump, store.T(now)); err != nil {
		return fmt.Errorf("publicnotice: bump version: %w", err)
	}
	return nil
}

func text(s string) statuspage.Text {
	var t statuspage.Text
	_ = json.Unmarshal([]byte(s), &t)
	for k, v := range t {
		if v == "" {
			delete(t, k)
		}
	}
	return t
}

func list(s string) []string {
	var out []string
	_ = json.Unmarshal([]byte(s), &out)
	return out
}
