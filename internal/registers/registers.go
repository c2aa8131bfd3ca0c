// Package registers keeps the desk's registers: E34's register of changes
// of roles and rights (written by auth in the change's own transaction,
// published here as a page's data and Atom / JSON feeds, with only the
// fields the settings make public), and the small registers of Q25 (people
// with access to server rooms, agreed with the authorized body), Q39
// (outside specialists brought in on an incident with the authority's
// consent) and Q23 (reports of signs of an offence), each entry audited.
package registers

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/store"
)

//go:embed queries.sql
var queriesSQL string

var Queries = store.MustParse(queriesSQL)

// RoleChange is one line of the E34 register.
type RoleChange struct {
	ID           int64     `json:"id"`
	At           time.Time `json:"at"`
	Login        string    `json:"login,omitempty"`
	FullName     string    `json:"full_name,omitempty"`
	Organization string    `json:"organization,omitempty"`
	Role         string    `json:"role,omitempty"`
	Change       string    `json:"change"`
	Previous     string    `json:"previous,omitempty"`
	Basis        string    `json:"basis,omitempty"`
	Responsible  string    `json:"responsible,omitempty"`
	By           string    `json:"by,omitempty"`
	Signed       bool      `json:"signed"`
}

// Fields a published line may show. E34 asks for date, basis and the
// responsible person; who and which role make the line meaningful. The
// login and who typed the change are internal by default (no more personal
// data than needed).
var Fields = []string{"full_name", "organization", "role", "previous", "basis", "responsible", "login", "by"}

// DefaultPublic are the fields published unless the settings say otherwise.
var DefaultPublic = []string{"full_name", "organization", "role", "previous", "basis", "responsible"}

// ParseFields reads a comma-separated list of Fields.
func ParseFields(s string) ([]string, error) {
	var out []string
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !slices.Contains(Fields, f) {
			return nil, fmt.Errorf("role register field %q: one of %s", f, strings.Join(Fields, ", "))
		}
		out = append(out, f)
	}
	return out, nil
}

// Service reads and writes the registers.
type Service struct {
	DB     *store.DB
	Now    func() time.Time
	Public []string // fields of the role register that are published (nil: DefaultPublic)
}

func (s *Service) public() []string {
	if s.Public == nil {
		return DefaultPublic
	}
	return s.Public
}

// RoleChanges lists the register newest first, before id `before` (0: from
// the newest), at most limit lines, every field.
func (s *Service) RoleChanges(ctx context.Context, before int64, limit int) ([]RoleChange, error) {
	if before <= 0 {
		before = math.MaxInt64
	}
	rows, err := s.DB.R.QueryContext(ctx, Q.RoleChanges, before, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RoleChange
	for rows.Next() {
		var c RoleChange
		var at store.Time
		var sig int64
		if err := rows.Scan(&c.ID, &at, &c.Login, &c.FullName, &c.Organization, &c.Role, &c.Change, &c.Previous, &c.Basis,
			&c.Responsible, &c.By, &sig); err != nil {
			return nil, err
		}
		c.At, c.Signed = at.Time, sig != 0
		out = append(out, c)
	}
	return out, rows.Err()
}

// Published lists the register with only the public fields filled.
func (s *Service) Published(ctx context.Context, before int64, limit int) ([]RoleChange, error) {
	all, err := s.RoleChanges(ctx, before, limit)
	if err != nil {
		return nil, err
	}
	pub := s.public()
	for i := range all {
		all[i] = redact(all[i], pub)
	}
	return all, nil
}

func redact(c RoleChange, pub []string) RoleChange {
	out := RoleChange{ID: c.ID, At: c.At, Change: c.Change, Signed: c.Signed}
	for _, f := range pub {
		switch f {
		case "full_name":
			out.FullName = c.FullName
		case "organization":
			out.Organization = c.Organization
		case "role":
			out.Role = c.Role
		case "previous":
			out.Previous = c.Previous
		case "basis":
			out.Basis = c.Basis
		case "responsible":
			out.Responsible = c.Responsible
		case "login":
			out.Login = c.Login
		case "by":
			out.By = c.By
		}
	}
	return out
}

// Shows reports whether the register publishes field f.
func (s *Service) Shows(f string) bool { return slices.Contains(s.public(), f) }

// Witness is the newest daily witness checkpoint of the audit chain, shown
// on the public page (zero when none yet).
func (s *Service) Witness(ctx context.Context) (audit.Checkpoint, error) {
	return audit.LatestWitness(ctx, s.DB)
}

// The small registers.
const (
	ServerRoom        = "server_room"        // Q25
	OutsideSpecialist = "outside_specialist" // Q39
	OffenceReport     = "offence_report"     // Q23
)

var Small = []string{ServerRoom, OutsideSpecialist, OffenceReport}

// Entry is a line of a small register.
type Entry struct {
	ID         int64     `json:"id"`
	Register   string    `json:"register"`
	At         time.Time `json:"at"`
	Person     string    `json:"person"`                // who has access / the specialist / who reported
	Detail     string    `json:"detail,omitempty"`      // rooms, the work, what was reported and to whom
	IncidentID int64     `json:"incident_id,omitempty"` // Q39, Q23
	Agreed     string    `json:"agreed,omitempty"`      // the authorized body's agreement / consent (letter, date)
	By         string    `json:"by"`
}

// Add records an entry, audited, after the register's own rule: Q25 and Q39
// need the authorized body's agreement named; Q39 and Q23 name the incident.
func (s *Service) Add(ctx context.Context, by audit.Actor, e Entry) (Entry, error) {
	v := apperr.Validation{}
	if !slices.Contains(Small, e.Register) {
		v.Add("register", "one of "+strings.Join(Small, ", "))
	}
	e.Person, e.Detail, e.Agreed = strings.TrimSpace(e.Person), strings.TrimSpace(e.Detail), strings.TrimSpace(e.Agreed)
	if e.Person == "" {
		v.Add("person", "required")
	}
	switch e.Register {
	case ServerRoom:
		if e.Agreed == "" {
			v.Add("agreed", "Q25: the list is agreed with the authorized body in advance; name the agreement (letter, date)")
		}
	case OutsideSpecialist:
		if e.Agreed == "" {
			v.Add("agreed", "Q39: outside specialists need the authorized body's consent; name it")
		}
		if e.IncidentID == 0 {
			v.Add("incident_id", "Q39: the incident the specialist works on")
		}
	case OffenceReport:
		if e.Detail == "" {
			v.Add("detail", "Q23: what signs were reported, to the authorized body and which law-enforcement body")
		}
	}
	if err := v.Err(); err != nil {
		return e, err
	}
	now := s.Now().UTC()
	e.At, e.By = now, by.Login
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var inc any
		if e.IncidentID != 0 {
			var n int
			if err := tx.QueryRowContext(ctx, Q.IncidentExists, e.IncidentID).Scan(&n); err != nil {
				return apperr.Wrap(err, "incident")
			}
			if n == 0 {
				return &apperr.Error{Code: apperr.Invalid, Message: "validation failed", Fields: map[string]string{"incident_id": fmt.Sprintf("no incident %d", e.IncidentID)}}
			}
			inc = e.IncidentID
		}
		if err := tx.QueryRowContext(ctx, Q.InsertEntry, e.Register, store.T(now), e.Person, e.Detail, inc, e.Agreed, e.By).Scan(&e.ID); err != nil {
			return apperr.Wrap(err, "register entry")
		}
		_, err := audit.Append(ctx, tx, s.DB.Dialect, now, by, audit.Entry{Action: "register." + e.Register, ObjectType: "register", ObjectID: fmt.Sprint(e.ID), After: e})
		return err
	})
	return e, err
}

// MayAdd says whether a role may add to a small register: anyone who works
// incidents (Q39, Q23), but the server-room list (Q25) only administrators,
// who keep the list agreed with the authorized body. The API and the
// console both ask here.
func MayAdd(role auth.Role, register string) bool {
	if register == ServerRoom {
		return auth.Allowed(role, auth.PermUserManage)
	}
	return auth.Allowed(role, auth.PermIncidentTransition)
}

// Filter narrows a page of a small register.
type Filter struct {
	Person     string    // part of the person's name, as typed
	IncidentID int64     // 0: any
	From, To   time.Time // the entry's time in [From, To); zero: unbounded
	Before     int64     // page on: entries with a smaller id (0: from the newest)
	Limit      int
}

// Find lists a page of a small register, newest first.
func (s *Service) Find(ctx context.Context, register string, f Filter) ([]Entry, error) {
	if !slices.Contains(Small, register) {
		return nil, &apperr.Error{Code: apperr.NotFound, Message: fmt.Sprintf("no register %q; registers: %s", register, strings.Join(Small, ", "))}
	}
	if f.Before <= 0 {
		f.Before = math.MaxInt64
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	from, to := f.From, f.To
	if from.IsZero() {
		from = time.Unix(0, 0)
	}
	if to.IsZero() {
		to = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	// LIKE's own wildcards in what was typed are matched literally.
	person := strings.NewReplacer("%", "", "_", "").Replace(strings.TrimSpace(f.Person))
	rows, err := s.DB.R.QueryContext(ctx, Q.FindEntries, register, f.Before, f.IncidentID, "%"+person+"%", store.T(from), store.T(to), f.Limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var at store.Time
		if err := rows.Scan(&e.ID, &e.Register, &at, &e.Person, &e.Detail, &e.IncidentID, &e.Agreed, &e.By); err != nil {
			return nil, err
		}
		e.At = at.Time
		out = append(out, e)
	}
	return out, rows.Err()
}

// Entries lists a small register, newest first.
func (s *Service) Entries(ctx context.Context, register string, limit int) ([]Entry, error) {
	return s.Find(ctx, register, Filter{Limit: limit})
}
