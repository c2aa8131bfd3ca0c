// Package reports produces what the authorized body reads (issue 13): the
// extract from the Journal in the form of the annex to the rules (Q29, Q44)
// as XLSX, PDF, CSV and JSON, streamed in chunks so a year's extract never
// sits in memory, and the compliance with the regulation's terms — per
// clock and rule, how many ran, were met, breached or paused, the time
// used against the term, the worst cases — with charts drawn by the
// server as SVG.
//
// The daily and yearly analyses and the written reports are
// internal/analysis's.
package reports

import (
	"context"
	"database/sql"
	_ "embed"
	"strings"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/calendar"
	"tenderdesk/internal/regulation"
	"tenderdesk/internal/store"
	"tenderdesk/internal/vocab"
)

//go:embed queries.sql
var queriesSQL string

// Queries are the package's named statements (checked at boot).
var Queries = store.MustParse(queriesSQL)

// Service builds the reports of one database.
type Service struct {
	DB  *store.DB
	Now func() time.Time
	// Zone is the desk's zone: the days of a period are its dates.
	Zone *time.Location
	// Profile returns a profile version with the calendar as it now stands
	// (clocks.Service.Profile); nil: the built-in catalogue.
	Profile func(id string) (*regulation.Profile, error)
	// Chunk is how many Journal rows one query reads (default 1000).
	Chunk int
	// Cause names a Q26 cause code in a language (the console's words);
	// nil shows the code.
	Cause func(lang, code string) string
}

func (s *Service) profile(id string) (*regulation.Profile, error) {
	if s.Profile != nil {
		return s.Profile(id)
	}
	p, ok := regulation.Default().Get(id)
	if !ok {
		return nil, apperr.New(apperr.NotFound, "no profile version %q", id)
	}
	return p, nil
}

// Filter selects the Journal rows (and, by period and profile, the clocks)
// of a report. From and To are local dates of the desk's zone, To
// included.
type Filter struct {
	From, To     calendar.Date
	Profile      string // a version (kz-quasi@2021) or a family (kz-quasi)
	Organization string // the organization's name, exactly
	BIN          string
	Lang         string // ru (default), kk, en
	// Progress, when set, hears the rows handed to the writer so far, after
	// each chunk read and at the end (the console's progress of a long
	// export, issue 13).
	Progress func(rows int)
}

// MaxDays bounds a period: two years and a day (a yearly report with its
// neighbours' edges), so a typo in a year does not walk the whole Journal.
const MaxDays = 2*366 + 1

// ParseFilter reads a report's query parameters; a bad one is a 400 naming
// the field. The default period is the current calendar year so far.
func ParseFilter(get func(string) string, now time.Time, zone *time.Location) (Filter, error) {
	v := apperr.Validation{}
	f := Filter{Profile: strings.TrimSpace(get("profile")), Organization: strings.TrimSpace(get("organization")),
		BIN: strings.TrimSpace(get("bin")), Lang: get("lang")}
	today := calendar.DateOf(now.In(zone))
	f.From, f.To = calendar.Date{Year: today.Year, Month: time.January, Day: 1}, today
	for _, p := range []struct {
		name string
		d    *calendar.Date
	}{{"from", &f.From}, {"to", &f.To}} {
		if s := strings.TrimSpace(get(p.name)); s != "" {
			d, err := calendar.ParseDate(s)
			if err != nil {
				v.Add(p.name, "a date YYYY-MM-DD")
				continue
			}
			*p.d = d
		}
	}
	if _, ok := v[("from")]; !ok {
		if _, ok := v["to"]; !ok {
			switch n := f.To.Sub(f.From); {
			case n < 0:
				v.Add("to", "must not be before from")
			case n >= MaxDays:
				v.Add("to", "a period is at most 733 days")
			}
		}
	}
	switch f.Lang {
	case "":
		f.Lang = "ru"
	case "ru", "kk", "en":
	default:
		v.Add("lang", "one of ru, kk, en")
	}
	if f.Profile != "" && !knownProfile(f.Profile) {
		v.Add("profile", "accepted: "+strings.Join(profileNames(), ", ")+" or one of their versions")
	}
	if len(f.Organization) > 500 {
		v.Add("organization", "longer than 500 characters")
	}
	if len(f.BIN) > 12 || strings.Trim(f.BIN, "0123456789") != "" {
		v.Add("bin", "a BIN or IIN: up to 12 digits")
	}
	return f, v.Err()
}

func profileNames() []string { return regulation.Default().Names() }

func knownProfile(p string) bool {
	for _, x := range regulation.Default().Profiles() {
		if x.ID() == p || x.Family == p {
			return true
		}
	}
	return false
}

// period is [From 00:00, To+1 00:00) in the desk's zone.
func (s *Service) period(f Filter) (time.Time, time.Time) {
	from := time.Date(f.From.Year, f.From.Month, f.From.Day, 0, 0, 0, 0, s.Zone)
	to := time.Date(f.To.Year, f.To.Month, f.To.Day, 0, 0, 0, 0, s.Zone).AddDate(0, 0, 1)
	return from, to
}

// profileArgs are the two forms of the profile filter: a version, and a
// family as a LIKE prefix.
func profileArgs(p string) (string, string) {
	if p == "" {
		return "", ""
	}
	if strings.Contains(p, "@") {
		return p, p
	}
	return p, p + "@%"
}

// Line is one row of the Journal extract: the appeal and what its incident
// says (the annex columns).
type Line struct {
	Seq               int       `json:"seq"` // position in the extract, from 1
	Number            string    `json:"number"`
	IncidentNumber    string    `json:"incident_number"`
	Channel           string    `json:"channel"`
	ReceivedAt        time.Time `json:"received_at"`
	RegisteredAt      time.Time `json:"registered_at"`
	Organization      string    `json:"organization"`
	BIN               string    `json:"bin"`
	ContactEmail      string    `json:"contact_email,omitempty"`
	ContactPhone      string    `json:"contact_phone,omitempty"`
	Profile           string    `json:"profile"`
	State             string    `json:"state"`
	Criticality       string    `json:"criticality,omitempty"`
	OperatorDependent *bool     `json:"operator_dependent,omitempty"`
	Cause             string    `json:"cause,omitempty"`
	Decision          string    `json:"decision,omitempty"`
	Recommendations   string    `json:"recommendations,omitempty"`
	// loc is the zone of the appeal's profile (Astana for Kazakhstan).
	loc   *time.Location
	cause func(lang, code string) string
}

// Each calls fn for every Journal row of f in the Journal's order, reading
// Chunk rows per query: memory stays one chunk whatever the period, and no
// read transaction is held while the caller writes to a slow client.
func (s *Service) Each(ctx context.Context, f Filter, fn func(*Line) error) (int, error) {
	from, to := s.period(f)
	pv, pf := profileArgs(f.Profile)
	chunk := s.Chunk
	if chunk <= 0 {
		chunk = 1000
	}
	lastAt, lastID, seq := from, int64(0), 0
	locs := map[string]*time.Location{}
	query := store.ByDialect(s.DB.Dialect, Q.ExtractChunkSQLite, Q.ExtractChunkPostgres)
	for {
		rows, err := s.DB.R.QueryContext(ctx, query, store.T(from), store.T(to), pv, pf, f.Organization, f.BIN,
			store.T(lastAt), lastID, chunk)
		if err != nil {
			return seq, apperr.Wrap(err, "journal extract")
		}
		n := 0
		var l Line
		for rows.Next() {
			var id int64
			var recv, reg store.Time
			var opdep sql.NullBool
			if err := rows.Scan(&id, &l.Number, &l.Channel, &recv, &reg, &l.Organization, &l.BIN, &l.ContactEmail, &l.ContactPhone,
				&l.Profile, &l.IncidentNumber, &l.State, &l.Criticality, &opdep, &l.Cause, &l.Decision, &l.Recommendations); err != nil {
				rows.Close()
				return seq, apperr.Wrap(err, "journal extract")
			}
			n++
			seq++
			l.Seq, l.ReceivedAt, l.RegisteredAt = seq, recv.Time, reg.Time
			l.OperatorDependent = nil
			if opdep.Valid {
				b := opdep.Bool
				l.OperatorDependent = &b
			}
			loc, ok := locs[l.Profile]
			if !ok {
				loc = s.Zone
				if p, err := s.profile(l.Profile); err == nil {
					loc = p.Location()
				}
				locs[l.Profile] = loc
			}
			l.loc, l.cause = loc, s.Cause
			lastAt, lastID = reg.Time, id
			if err := fn(&l); err != nil {
				rows.Close()
				return seq, err
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return seq, apperr.Wrap(err, "journal extract")
		}
		if f.Progress != nil {
			f.Progress(seq)
		}
		if n < chunk {
			return seq, nil
		}
	}
}

// Kind is the "kind of technical failure" column: dependent on the operator
// or not (Q26) and the criticality level (Q33–Q34), as far as known.
func (l *Line) Kind(lang string) string {
	var parts []string
	if l.OperatorDependent != nil {
		key := "kind.independent"
		if *l.OperatorDependent {
			key = "kind.dependent"
		}
		parts = append(parts, word(lang, key))
	}
	if c := vocab.Criticality(l.Criticality); c.Valid() {
		parts = append(parts, word(lang, "level")+": "+c.Label(lang))
	}
	if l.Cause != "" {
		c := l.Cause
		if l.cause != nil {
			c = l.cause(lang, c)
		}
		parts = append(parts, c)
	}
	return strings.Join(parts, "; ")
}

// DecisionText is the "decision taken" column: the incident's state and the
// decision recorded.
func (l *Line) DecisionText(lang string) string {
	s := vocab.IncidentState(l.State).Label(lang)
	if l.Decision != "" {
		return s + ": " + l.Decision
	}
	return s
}

// Contacts is the "contact details used" column: the channel and the
// addresses given.
func (l *Line) Contacts(lang string) string {
	parts := []string{vocab.Channel(l.Channel).Label(lang)}
	for _, c := range []string{l.ContactEmail, l.ContactPhone} {
		if c != "" {
			parts = append(parts, c)
		}
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return parts[0] + ": " + strings.Join(parts[1:], ", ")
}

// Local is the appeal's time in its profile's zone.
func (l *Line) Local(t time.Time) time.Time {
	if l.loc == nil {
		return t
	}
	return t.In(l.loc)
}
