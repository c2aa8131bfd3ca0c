// Package textmod keeps the text modules of the console (issue 10): reply
// templates in Russian, Kazakh and English that administrators write and
// operators insert into a reply to a reporter. A text names facts of the
// appeal by placeholder ({appeal_number}, {incident_number},
// {planned_fix_at}, …); they are filled on the server from the appeal when
// the module is inserted. A placeholder the desk does not know is refused
// when the module is saved, naming it, so a reporter never receives a
// literal "{plannd_fix}". Every change is audited.
package textmod

import (
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/store"
)

//go:embed queries.sql
var queriesSQL string

// Queries are the package's named statements, checked at boot.
var Queries = store.MustParse(queriesSQL)

// Languages every module has a text in: a reply goes in the reporter's
// language, so a module usable for one reporter is usable for all.
var Languages = []string{"ru", "kk", "en"}

// Placeholders are the names a text may use, each written {name}.
var Placeholders = []string{
	"appeal_number",   // the appeal's number
	"incident_number", // the failure's own number (TF-YYYY-NNNN)
	"organization",    // the reporter's organization
	"received_at",     // when the appeal was received
	"planned_fix_at",  // the planned fix time of the failure
	"fixed_at",        // when the failure was fixed
	"module",          // the portal's module named in the appeal
	"announcements",   // announcement numbers named in the appeal
	"operator",        // the name of the operator who replies
}

// MaxName and MaxBody bound a module, in characters (a body is a message
// of internal/convo, which takes at most 20000).
const (
	MaxName = 200
	MaxBody = 20000
)

// Module is one text module.
type Module struct {
	ID        int64             `json:"id"`
	Name      string            `json:"name"`
	Body      map[string]string `json:"body"` // by language
	UpdatedAt time.Time         `json:"updated_at"`
	UpdatedBy string            `json:"updated_by"`
}

// Input is what an administrator writes.
type Input struct {
	Name string
	Body map[string]string
}

// placeholder is anything in braces without spaces or braces inside, so a
// misspelt name is caught too, not only the known ones found.
var placeholder = regexp.MustCompile(`\{([^{}\s]{1,60})\}`)

// Unknown lists the placeholders of text the desk cannot fill, in order of
// appearance, each once.
func Unknown(text string) []string {
	var out []string
	for _, m := range placeholder.FindAllStringSubmatch(text, -1) {
		if !slices.Contains(Placeholders, m[1]) && !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	return out
}

// Fill replaces each known placeholder by its value; a known one without
// a value becomes missing (the caller's "not set yet" in the text's
// language).
func Fill(text string, values map[string]string, missing string) string {
	return placeholder.ReplaceAllStringFunc(text, func(s string) string {
		name := s[1 : len(s)-1]
		if !slices.Contains(Placeholders, name) {
			return s
		}
		if v := values[name]; v != "" {
			return v
		}
		return missing
	})
}

func (in *Input) validate() error {
	v := apperr.Validation{}
	in.Name = strings.TrimSpace(in.Name)
	switch n := utf8.RuneCountInString(in.Name); {
	case n == 0:
		v.Add("name", "required: the module's name")
	case n > MaxName:
		v.Add("name", fmt.Sprintf("at most %d characters", MaxName))
	}
	body := map[string]string{}
	for _, l := range Languages {
		t := strings.TrimSpace(in.Body[l])
		f := "body_" + l
		switch {
		case t == "":
			v.Add(f, "required: the text in "+l)
		case !utf8.ValidString(t):
			v.Add(f, "must be UTF-8 text")
		case utf8.RuneCountInString(t) > MaxBody:
			v.Add(f, fmt.Sprintf("at most %d characters", MaxBody))
		default:
			if u := Unknown(t); len(u) > 0 {
				v.Add(f, "unknown placeholder {"+strings.Join(u, "}, {")+"}; known: {"+strings.Join(Placeholders, "}, {")+"}")
			}
		}
		body[l] = t
	}
	for l := range in.Body {
		if !slices.Contains(Languages, l) {
			v.Add("body_"+l, "languages are ru, kk and en")
		}
	}
	in.Body = body
	return v.Err()
}

// Service keeps the modules of one database.
type Service struct {
	DB  *store.DB
	Now func() time.Time
}

// New builds the service.
func New(db *store.DB, now func() time.Time) *Service { return &Service{DB: db, Now: now} }

func scan(r interface{ Scan(...any) error }) (Module, error) {
	m := Module{Body: map[string]string{}}
	var ru, kk, en string
	var at store.Time
	err := r.Scan(&m.ID, &m.Name, &ru, &kk, &en, &at, &m.UpdatedBy)
	m.Body["ru"], m.Body["kk"], m.Body["en"], m.UpdatedAt = ru, kk, en, at.Time
	return m, err
}

// List returns every module by name.
func (s *Service) List(ctx context.Context) ([]Module, error) {
	rows, err := s.DB.R.QueryContext(ctx, Q.List)
	if err != nil {
		return nil, apperr.Wrap(err, "text modules")
	}
	defer rows.Close()
	out := []Module{}
	for rows.Next() {
		m, err := scan(rows)
		if err != nil {
			return nil, apperr.Wrap(err, "text modules")
		}
		out = append(out, m)
	}
	return out, apperr.Wrap(rows.Err(), "text modules")
}

// Get returns one module.
func (s *Service) Get(ctx context.Context, id int64) (Module, error) {
	return s.get(ctx, s.DB.R, id)
}

func (s *Service) get(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, id int64) (Module, error) {
	m, err := scan(q.QueryRowContext(ctx, Q.Get, id))
	if errors.Is(err, sql.ErrNoRows) {
		return m, apperr.New(apperr.NotFound, "no text module %d", id)
	}
	return m, apperr.Wrap(err, "text module")
}

// Create adds a module; audited.
func (s *Service) Create(ctx context.Context, by audit.Actor, in Input) (Module, error) {
	if err := in.validate(); err != nil {
		return Module{}, err
	}
	now := s.Now().UTC()
	m := Module{Name: in.Name, Body: in.Body, UpdatedAt: now, UpdatedBy: by.Login}
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, Q.Insert, m.Name, m.Body["ru"], m.Body["kk"], m.Body["en"], store.T(now), by.Login).Scan(&m.ID); err != nil {
			return apperr.Wrap(err, "insert text module")
		}
		_, err := audit.Append(ctx, tx, s.DB.Dialect, now, by, audit.Entry{Action: "text_module.create", ObjectType: "text_module",
			ObjectID: fmt.Sprint(m.ID), After: m})
		return err
	})
	return m, err
}

// Update replaces a module's name and texts; audited with before and after.
func (s *Service) Update(ctx context.Context, by audit.Actor, id int64, in Input) (Module, error) {
	if err := in.validate(); err != nil {
		return Module{}, err
	}
	now := s.Now().UTC()
	var m Module
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		m = Module{ID: id, Name: in.Name, Body: in.Body, UpdatedAt: now, UpdatedBy: by.Login}
		if _, err := tx.ExecContext(ctx, Q.Update, id, m.Name, m.Body["ru"], m.Body["kk"], m.Body["en"], store.T(now), by.Login); err != nil {
			return apperr.Wrap(err, "update text module")
		}
		_, err = audit.Append(ctx, tx, s.DB.Dialect, now, by, audit.Entry{Action: "text_module.update", ObjectType: "text_module",
			ObjectID: fmt.Sprint(id), Before: before, After: m})
		return err
	})
	return m, err
}

// Delete removes a module; the audit record keeps what it said.
func (s *Service) Delete(ctx context.Context, by audit.Actor, id int64) error {
	now := s.Now().UTC()
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, Q.Delete, id); err != nil {
			return apperr.Wrap(err, "delete text module")
		}
		_, err = audit.Append(ctx, tx, s.DB.Dialect, now, by, audit.Entry{Action: "text_module.delete", ObjectType: "text_module",
			ObjectID: fmt.Sprint(id), Before: before})
		return err
	})
}
