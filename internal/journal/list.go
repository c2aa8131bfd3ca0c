package journal

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/store"
	"tenderdesk/internal/vocab"
)

// Filter selects Journal rows. Zero fields do not filter.
type Filter struct {
	From, To    time.Time // registered_at in [From, To)
	State       string
	Criticality string
	Channel     string
	// ExceptChannel leaves one channel out: the queue lists the authorized
	// body's appeals above the rest (Q47) and not again among them.
	ExceptChannel string
	Organization  string
	BIN           string
	Query         string // full text: every word must start a word of the description or organization
	Limit         int
	After         string // cursor from the previous page
	Open          bool   // only incidents still worked on (not closed or merged): the console's queue
	AssigneeID    int64  // only incidents assigned to this user ("mine")
	Unassigned    bool   // only incidents nobody works on
	// Urgent orders by the nearest deadline of the appeal's running or
	// breached clocks (its own and its incident's), soonest first (a breach
	// is past, so first), appeals without one last; the console's queue.
	// Otherwise the Journal is newest first.
	Urgent bool
	// DueBy keeps the appeals whose nearest running or breached deadline
	// (urgent_at) is at or before it: the queue's "breaching within N h".
	// It is a bound on the keyset's own column, so SQL fills each page and
	// the cursor stays right; an appeal whose clocks are all paused has no
	// running deadline (urgent_at is the far sentinel) and is not listed.
	DueBy time.Time
}

// Row is one Journal line: the appeal and what the incident says of it (the
// columns of the Journal annex).
type Row struct {
	Appeal
	State             State  `json:"state"`
	Criticality       string `json:"criticality,omitempty"`
	OperatorDependent *bool  `json:"operator_dependent,omitempty"`
	Cause             string `json:"cause,omitempty"`
	Decision          string `json:"decision,omitempty"`
	Recommendations   string `json:"recommendations,omitempty"`
	// UrgentAt is the nearest deadline of the appeal's running or breached
	// clocks and UrgentState "breached", "warned" or "running" (urgent
	// listings only; nil and "" when no clock runs).
	UrgentAt    *time.Time `json:"-"`
	UrgentState string     `json:"-"`
}

type Page struct {
	Rows []Row  `json:"rows"`
	Next string `json:"next,omitempty"` // cursor of the next page; empty on the last
}

const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// ValidateFilter checks the values a caller gave.
func ValidateFilter(f *Filter) error {
	v := apperr.Validation{}
	if f.State != "" && !slices.Contains([]State{Registered, Analysing, InfoRequested, Confirmed, Refuted, Fixing, Fixed, Closed, Merged}, State(f.State)) {
		v.Add("state", "unknown state")
	}
	if f.Criticality != "" && !vocab.Criticality(f.Criticality).Valid() {
		v.Add("criticality", "one of low, medium, high")
	}
	if f.Channel != "" && !slices.Contains(Channels, f.Channel) {
		v.Add("channel", "accepted: "+strings.Join(Channels, ", "))
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		v.Add("to", "must be after from")
	}
	if f.Limit < 0 || f.Limit > MaxLimit {
		v.Add("limit", fmt.Sprintf("1–%d", MaxLimit))
	}
	if f.Limit == 0 {
		f.Limit = DefaultLimit
	}
	if f.After != "" {
		if _, _, ok := parseCursor(f.After, f.Urgent); !ok {
			v.Add("after", "not a cursor returned by this listing")
		}
	}
	if len(f.Query) > 500 {
		v.Add("q", "longer than 500 characters")
	}
	return v.Err()
}

// searchWords splits a query into words of letters and digits; anything
// else is a separator, so nothing from the query reaches the FTS syntax.
func searchWords(q string) []string {
	words := strings.FieldsFunc(strings.ToLower(q), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(words) > 16 {
		words = words[:16]
	}
	return words
}

// List returns one page of the Journal, newest first. Paging is by keyset
// (appeal id), so a page costs the same however deep it is: each filter has
// an index in the listing's order (0010_journal_listing), the incident's
// state and criticality are read from the appeal's own copy, and a period
// pages along registered_at, the index that finds a period's first row.
func (s *Service) List(ctx context.Context, f Filter) (Page, error) {
	if err := ValidateFilter(&f); err != nil {
		return Page{}, err
	}
	period := !f.From.IsZero() || !f.To.IsZero()
	if s.DB.Dialect == store.Postgres && !period && !f.Urgent && len(searchWords(f.Query)) > 0 {
		// A common word fills the page from the newest appeals: try them first.
		if p, full, err := s.list(ctx, f, ftsWindow); err != nil || full {
			return p, err
		}
	}
	if s.DB.Dialect == store.Postgres && f.Urgent && len(searchWords(f.Query)) > 0 && fewRows(f) {
		p, _, err := s.list(ctx, f, ftsFilter)
		return p, err
	}
	if s.DB.Dialect == store.Postgres && f.Urgent && len(searchWords(f.Query)) > 0 {
		// In the queue's urgent order a common word is best checked on each
		// row the urgency index walks (the page fills at once), but asking
		// the GIN index first (fewMatches) builds the bitmap of every match:
		// 400 ms for "договор" over 1M appeals, twice a queue page (the
		// authorized body's list and the rest). A sample of the newest
		// appeals tells a common word without that.
		common, err := s.commonWord(ctx, tsQuery(searchWords(f.Query)))
		if err != nil {
			return Page{}, err
		}
		if common {
			p, _, err := s.list(ctx, f, ftsFilter)
			return p, err
		}
	}
	p, _, err := s.list(ctx, f, ftsIndex)
	return p, err
}

// fewRows: the filter keeps few appeals whatever the word — the authorized
// body's (Q46, Q47), listed above the rest on every first page of the
// queue — so a word is checked on each of them rather than first listing
// its matches (up to 2,001 read for nothing, on each first page).
func fewRows(f Filter) bool { return f.Channel == string(vocab.Authority) }

// tsQuery is PostgreSQL's prefix query of the words: every one must start
// a word.
func tsQuery(words []string) string {
	w := slices.Clone(words)
	for i := range w {
		w[i] += ":*"
	}
	return strings.Join(w, " & ")
}

// commonSample is how many of the newest appeals commonWord looks at, and
// commonMin how many of them must match for a word to be common: 3 in
// 1,000 is 3,000 over 1M appeals, more than fewMatchesCap.
const commonSample = 1000

var commonMin = 3

// commonWord reports whether tsq matches at least commonMin of the
// commonSample newest appeals (about 1 ms: a walk of the primary key and
// the tsvector of each row).
func (s *Service) commonWord(ctx context.Context, tsq string) (bool, error) {
	var n int
	if err := s.DB.R.QueryRowContext(ctx, Q.SearchSamplePostgres, tsq, commonSample).Scan(&n); err != nil {
		return false, apperr.Wrap(err, "journal search")
	}
	return n >= commonMin, nil
}

// How PostgreSQL full text is matched (SQLite's FTS5 walks its own index).
const (
	ftsIndex  = iota // through the GIN index (journal.fewMatches)
	ftsWindow        // among the ftsWindowRows newest appeals, by the tsvector
	ftsFilter        // by the tsvector of each row the listing's order walks (a common word)
)

// ftsWindowRows is how many of the newest appeals a full-text query looks
// at before it asks the GIN index: a common word fills its page among them.
const ftsWindowRows = 1000

// list runs one query of the listing; full reports a whole page (more rows
// than the limit existed), which settles a window attempt.
func (s *Service) list(ctx context.Context, f Filter, fts int) (Page, bool, error) {
	var where []string
	var args []any
	// db runs the listing: the read pool, or the search's transaction.
	var db interface {
		QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	} = s.DB.R
	// urgentFrom is where the urgent order's page is taken from: the
	// appeals, or (with) a rare word's matches.
	urgentFrom, with := "appeals a", ""
	period := !f.From.IsZero() || !f.To.IsZero()
	from, order := "appeals a JOIN incidents i ON i.id = a.incident_id", "a.id"
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if !f.From.IsZero() {
		where = append(where, "a.registered_at >= "+arg(store.T(f.From)))
	}
	if !f.To.IsZero() {
		where = append(where, "a.registered_at < "+arg(store.T(f.To)))
	}
	if f.State != "" {
		where = append(where, "a.state = "+arg(f.State))
	}
	if f.Open {
		where = append(where, "a.state NOT IN ('closed', 'merged')")
	}
	if f.AssigneeID != 0 {
		where = append(where, "a.incident_id IN (SELECT incident_id FROM assignments WHERE assignee_id = "+arg(f.AssigneeID)+")")
	}
	if f.Unassigned {
		where = append(where, "a.incident_id NOT IN (SELECT incident_id FROM assignments)")
	}
	// In the urgent order SQLite must walk the urgency index and test these
	// on each row (a quarter or a third of the rows match) rather than read
	// their own index and sort (263 ms for channel= at 100,000): "+" keeps
	// it off their index.
	low := ""
	if f.Urgent && s.DB.Dialect == store.SQLite {
		low = "+"
	}
	if f.Criticality != "" {
		where = append(where, low+"a.criticality = "+arg(f.Criticality))
	}
	if f.Channel != "" {
		// The authorized body's appeals are few (Q46, Q47): their own
		// channel index, then a sort, beats walking the urgency index.
		cl := low
		if vocab.Channel(f.Channel) == vocab.Authority {
			cl = ""
		}
		where = append(where, cl+"a.channel = "+arg(f.Channel))
	}
	if f.ExceptChannel != "" {
		where = append(where, low+"a.channel <> "+arg(f.ExceptChannel))
	}
	if f.Organization != "" {
		where = append(where, "a.organization = "+arg(f.Organization))
	}
	if f.BIN != "" {
		where = append(where, "a.bin = "+arg(f.BIN))
	}
	if !f.DueBy.IsZero() {
		where = append(where, "a.urgent_at <= "+arg(store.T(f.DueBy)))
	}
	if words := searchWords(f.Query); len(words) > 0 {
		if s.DB.Dialect == store.Postgres {
			tsq := tsQuery(words)
			if fts == ftsFilter {
				where = append(where, "a.search @@ to_tsquery('simple', "+arg(tsq)+")")
			} else if fts == ftsWindow {
				below := ""
				if f.After != "" {
					id, _ := strconv.ParseInt(f.After, 10, 64)
					below = " WHERE id < " + arg(id)
				}
				where = append(where, "a.search @@ to_tsquery('simple', "+arg(tsq)+")",
					"a.id >= COALESCE((SELECT id FROM appeals"+below+" ORDER BY id DESC OFFSET "+strconv.Itoa(ftsWindowRows)+" LIMIT 1), 0)")
			} else {
				tx, err := s.searchTx(ctx)
				if err != nil {
					return Page{}, false, err
				}
				defer tx.Rollback()
				ids, few, err := fewMatchesIn(ctx, tx, tsq)
				switch {
				case err != nil:
					return Page{}, false, err
				case few && f.Urgent:
					// The few matches in the queue's order: their rows read
					// once by a bitmap scan of the GIN index alone (a
					// materialized CTE, so no other index is ANDed in: with
					// appeals_open it read a 200,000-entry bitmap, 62 ms),
					// then filtered and the page kept by a top-N sort —
					// rather than looking up each of the ids again through
					// a B-tree (1,000 matches of "срочнейший" at 1M appeals:
					// 7,327 buffers, 24 ms). The transaction keeps index
					// scans off.
					with = "WITH m AS MATERIALIZED (SELECT * FROM appeals WHERE search @@ to_tsquery('simple', " + arg(tsq) + ")) "
					urgentFrom, db = "m a", tx
				case few:
					where = append(where, "a.id = ANY("+arg(ids)+")")
				default:
					where = append(where, "a.search @@ to_tsquery('simple', "+arg(tsq)+")")
				}
			}
		} else {
			for i := range words {
				words[i] = `"` + words[i] + `"*`
			}
			if period || f.Urgent {
				// Another order drives: a rare word's few matches as a list,
				// a common word checked on each row the order walks (the
				// prefix index makes both cheap; collecting every match of
				// a common word into an IN list was 608 ms at 100,000).
				m := strings.Join(words, " ")
				ids, few := "", false
				if !fewRows(f) {
					var err error
					if ids, few, err = s.fewMatchesSQLite(ctx, m); err != nil {
						return Page{}, false, err
					}
				}
				if few {
					where = append(where, "a.id IN (SELECT value FROM json_each("+arg(ids)+"))")
				} else {
					where = append(where, "EXISTS (SELECT 1 FROM appeals_fts WHERE appeals_fts MATCH "+arg(m)+" AND rowid = a.id)")
				}
			} else {
				// Drive from the index's own rowid order, newest first, so a
				// common word stops at the page instead of collecting every match.
				from = "appeals_fts f JOIN appeals a ON a.id = f.rowid JOIN incidents i ON i.id = a.incident_id"
				where = append(where, "appeals_fts MATCH "+arg(strings.Join(words, " ")))
				order = "f.rowid"
			}
		}
	} else if strings.TrimSpace(f.Query) != "" {
		return Page{Rows: []Row{}}, false, nil // only punctuation: nothing can match
	}
	if f.After != "" && !f.Urgent {
		_, id, _ := parseCursor(f.After, false)
		if period {
			p := arg(id)
			where = append(where, "(a.registered_at < (SELECT registered_at FROM appeals WHERE id = "+p+
				") OR (a.registered_at = (SELECT registered_at FROM appeals WHERE id = "+p+") AND a.id < "+p+"))")
		} else {
			where = append(where, order+" < "+arg(id))
		}
	}
	cols := `SELECT a.id, a.number, a.incident_id, a.channel, a.received_at, a.registered_at, a.detected_at, a.organization, a.bin,
	a.contact_email, a.contact_phone, a.description, a.module, a.announcements, a.lots, a.profile, COALESCE(i.number, ''),
	i.state, i.criticality, i.operator_dependent, i.cause, i.decision, i.recommendations`
	var q string
	if f.Urgent {
		// The nearest deadline of the appeal's running or breached clocks,
		// kept on the row by the clocks' triggers (0015_queue_urgency).
		cols += ", a.urgent_at, a.urgent_state"
		// The page of appeals first, then their incidents: every filter is
		// on the appeal's own columns, and a rare word's matches are sorted
		// (PostgreSQL joined all 1,000 matches of "срочнейший" to incidents
		// before the sort kept 51: 31–73 ms against 23 ms, 1M appeals).
		q = "SELECT * FROM " + urgentFrom
		if len(where) > 0 {
			q += " WHERE " + strings.Join(where, " AND ")
		}
		// Keyset on the index's own order: appeals_urgent_open for the
		// queue, appeals_state_urgent for a state, appeals_urgent otherwise.
		if f.After != "" {
			at, id, _ := parseCursor(f.After, true)
			x, y := arg(store.T(at)), arg(id)
			if len(where) == 0 {
				q += " WHERE "
			} else {
				q += " AND "
			}
			q += "(a.urgent_at, a.id) > (" + x + ", " + y + ")"
		}
		q += " ORDER BY a.urgent_at, a.id LIMIT " + arg(f.Limit+1)
		q = with + cols + " FROM (" + q + ") a JOIN incidents i ON i.id = a.incident_id ORDER BY a.urgent_at, a.id"
	} else {
		q = cols + " FROM " + from
		if len(where) > 0 {
			q += " WHERE " + strings.Join(where, " AND ")
		}
		if period {
			q += " ORDER BY a.registered_at DESC, a.id DESC LIMIT " + arg(f.Limit+1)
		} else {
			q += " ORDER BY " + order + " DESC LIMIT " + arg(f.Limit+1)
		}
	}
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return Page{}, false, apperr.Wrap(err, "journal")
	}
	defer rows.Close()
	p := Page{Rows: []Row{}}
	var urgents []time.Time
	for rows.Next() {
		var r Row
		var recv, reg, det store.Time
		var ann, lots string
		var crit, cause, decision, recs *string
		var opdep *bool
		var urgent store.Time
		var urgentState string
		dest := []any{&r.ID, &r.Number, &r.IncidentID, &r.Channel, &recv, &reg, &det, &r.Organization, &r.BIN,
			&r.ContactEmail, &r.ContactPhone, &r.Description, &r.Module, &ann, &lots, &r.Profile, &r.IncidentNumber,
			&r.State, &crit, &opdep, &cause, &decision, &recs}
		if f.Urgent {
			dest = append(dest, &urgent, &urgentState)
		}
		if err := rows.Scan(dest...); err != nil {
			return Page{}, false, apperr.Wrap(err, "journal")
		}
		r.ReceivedAt, r.RegisteredAt, r.DetectedAt = recv.Time, reg.Time, det.Ptr()
		r.Announcements, r.Lots, r.OperatorDependent = strList(ann), strList(lots), opdep
		r.ProfileLapsed = s.Lapsed(r.Profile, r.ReceivedAt)
		r.Criticality, r.Cause, r.Decision, r.Recommendations = deref(crit), deref(cause), deref(decision), deref(recs)
		if f.Urgent && urgentState != "" {
			r.UrgentAt, r.UrgentState = urgent.Ptr(), urgentState
		}
		p.Rows = append(p.Rows, r)
		urgents = append(urgents, urgent.Time)
	}
	if err := rows.Err(); err != nil {
		return Page{}, false, apperr.Wrap(err, "journal")
	}
	full := len(p.Rows) > f.Limit
	if full {
		p.Rows = p.Rows[:f.Limit]
		p.Next = strconv.FormatInt(p.Rows[len(p.Rows)-1].ID, 10)
		if f.Urgent {
			p.Next = strconv.FormatInt(urgents[f.Limit-1].UnixMicro(), 10) + "_" + p.Next
		}
	}
	return p, full, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// fewMatchesCap is how many full-text matches are paged through the id list
// rather than by walking the Journal newest first.
const fewMatchesCap = 2000

// searchTx is a read-only transaction that reads by bitmap scans only (the
// GIN index, nothing else), for fewMatchesIn and a rare word's page.
func (s *Service) searchTx(ctx context.Context) (*sql.Tx, error) {
	tx, err := s.DB.R.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, apperr.Wrap(err, "journal search")
	}
	if _, err := tx.ExecContext(ctx, "SET LOCAL enable_indexscan = off; SET LOCAL enable_seqscan = off"); err != nil {
		_ = tx.Rollback()
		return nil, apperr.Wrap(err, "journal search")
	}
	return tx, nil
}

// fewMatchesIn asks PostgreSQL's GIN index alone (tx: searchTx) for the appeals matching tsq.
// The planner cannot estimate prefix queries: for a rare word it walked the
// whole Journal newest first (204 ms over 1M appeals), so the index is asked
// first, and up to fewMatchesCap matches are paged by id; more (a common
// word) are left to the newest-first walk, which stops at the page.
func fewMatchesIn(ctx context.Context, tx *sql.Tx, tsq string) ([]int64, bool, error) {
	rows, err := tx.QueryContext(ctx, Q.SearchIdsPostgres, tsq, fewMatchesCap+1)
	if err != nil {
		return nil, false, apperr.Wrap(err, "journal search")
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, false, apperr.Wrap(err, "journal search")
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, false, apperr.Wrap(err, "journal search")
	}
	return ids, len(ids) <= fewMatchesCap, nil
}

// fewMatchesCapSQLite is how many matches SQLite lists for an urgent or
// period listing before it checks the word row by row instead.
var fewMatchesCapSQLite = 2000

// fewMatchesSQLite lists the appeals matching m (a JSON array) when there
// are at most fewMatchesCapSQLite.
func (s *Service) fewMatchesSQLite(ctx context.Context, m string) (string, bool, error) {
	rows, err := s.DB.R.QueryContext(ctx, Q.SearchIdsSQLite, m, fewMatchesCapSQLite+1)
	if err != nil {
		return "", false, apperr.Wrap(err, "journal search")
	}
	defer rows.Close()
	var b strings.Builder
	b.WriteByte('[')
	n := 0
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return "", false, apperr.Wrap(err, "journal search")
		}
		if n > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
		n++
	}
	if err := rows.Err(); err != nil {
		return "", false, apperr.Wrap(err, "journal search")
	}
	b.WriteByte(']')
	return b.String(), n <= fewMatchesCapSQLite, nil
}

// parseCursor reads "<id>" (newest first) or "<deadline µs>_<id>" (urgent).
func parseCursor(s string, urgent bool) (time.Time, int64, bool) {
	if !urgent {
		id, err := strconv.ParseInt(s, 10, 64)
		return time.Time{}, id, err == nil && id > 0
	}
	us, ids, ok := strings.Cut(s, "_")
	if !ok {
		return time.Time{}, 0, false
	}
	u, err1 := strconv.ParseInt(us, 10, 64)
	id, err2 := strconv.ParseInt(ids, 10, 64)
	return time.UnixMicro(u).UTC(), id, err1 == nil && err2 == nil && id > 0
}
