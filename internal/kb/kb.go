// Package kb is the knowledge base of answers agreed with the authorized
// body (Q21): staff draft questions and answers in Russian, Kazakh and
// English, the authority approves them, and only approved answers are
// public and searchable (for the cabinet, /help, and the report form's
// suggestions). An edit of an approved answer sends it back for approval.
package kb

import (
	"context"
	"database/sql"
	_ "embed"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/store"
	"tenderdesk/internal/web"
)

//go:embed queries.sql
var queriesSQL string

// Queries are the package's named statements, checked at boot.
var Queries = store.MustParse(queriesSQL)

// Languages every approved answer has (Q21 answers for the portal's users).
var Languages = []string{"ru", "kk", "en"}

// Text is one text by language.
type Text map[string]string

// Article is a question with its answer.
type Article struct {
	ID         int64      `json:"id"`
	Status     string     `json:"status"`
	Question   Text       `json:"question"`
	Answer     Text       `json:"answer"`
	ApprovedAt *time.Time `json:"approved_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	Version    int        `json:"version"`
}

// Service is the knowledge base of one database.
type Service struct {
	DB  *store.DB
	Now func() time.Time
}

func scan(r interface{ Scan(...any) error }) (Article, error) {
	var a Article
	var q, ans string
	var appr, created, updated store.Time
	if err := r.Scan(&a.ID, &a.Status, &q, &ans, &appr, &created, &updated, &a.Version); err != nil {
		return a, err
	}
	_ = json.Unmarshal([]byte(q), &a.Question)
	_ = json.Unmarshal([]byte(ans), &a.Answer)
	a.ApprovedAt, a.CreatedAt, a.UpdatedAt = appr.Ptr(), created.Time, updated.Time
	return a, nil
}

// Input is a draft or an edit.
type Input struct {
	Question Text `json:"question"`
	Answer   Text `json:"answer"`
	Version  int  `json:"version"` // an edit: the version edited (optimistic lock)
}

func (in *Input) validate() error {
	v := apperr.Validation{}
	for _, f := range []struct {
		name string
		t    Text
		max  int
	}{{"question", in.Question, 1000}, {"answer", in.Answer, 20000}} {
		for lang, s := range f.t {
			if !slices.Contains(Languages, lang) {
				v.Add(f.name, "languages are ru, kk, en; not "+strconv.Quote(lang))
				continue
			}
			f.t[lang] = strings.TrimSpace(s)
			if !utf8.ValidString(s) || utf8.RuneCountInString(s) > f.max {
				v.Add(f.name+"."+lang, "UTF-8 text of at most "+strconv.Itoa(f.max)+" characters")
			}
		}
		if strings.TrimSpace(f.t["ru"]) == "" {
			v.Add(f.name+".ru", "required: at least the Russian text of a draft")
		}
	}
	return v.Err()
}

func (s *Service) tx(ctx context.Context, by audit.Actor, fn func(tx *sql.Tx, now time.Time) (audit.Entry, error)) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		now := s.Now().UTC()
		e, err := fn(tx, now)
		if err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, s.DB.Dialect, now, by, e)
		return err
	})
}

func (s *Service) get(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, id int64) (Article, error) {
	a, err := scan(q.QueryRowContext(ctx, Q.Get, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, apperr.New(apperr.NotFound, "no article %d", id)
	}
	return a, apperr.Wrap(err, "article")
}

func mustJSON(t Text) string {
	b, _ := json.Marshal(t)
	return string(b)
}

// Draft adds a draft.
func (s *Service) Draft(ctx context.Context, by auth.Principal, addr string, in Input) (Article, error) {
	if err := in.validate(); err != nil {
		return Article{}, err
	}
	var id int64
	err := s.tx(ctx, by.Actor(addr), func(tx *sql.Tx, now time.Time) (audit.Entry, error) {
		var uid any
		if by.ID != 0 {
			uid = by.ID
		}
		if err := tx.QueryRowContext(ctx, Q.Insert, mustJSON(in.Question), mustJSON(in.Answer), uid, store.T(now)).Scan(&id); err != nil {
			return audit.Entry{}, apperr.Wrap(err, "draft")
		}
		return audit.Entry{Action: "kb.draft", ObjectType: "kb_article", ObjectID: strconv.FormatInt(id, 10), After: in}, nil
	})
	if err != nil {
		return Article{}, err
	}
	return s.get(ctx, s.DB.R, id)
}

// Edit changes an article; an approved one goes back to draft.
func (s *Service) Edit(ctx context.Context, by auth.Principal, addr string, id int64, in Input) (Article, error) {
	if err := in.validate(); err != nil {
		return Article{}, err
	}
	err := s.tx(ctx, by.Actor(addr), func(tx *sql.Tx, now time.Time) (audit.Entry, error) {
		before, err := s.get(ctx, tx, id)
		if err != nil {
			return audit.Entry{}, err
		}
		if in.Version == 0 {
			in.Version = before.Version
		}
		res, err := tx.ExecContext(ctx, Q.Update, id, mustJSON(in.Question), mustJSON(in.Answer), store.T(now), in.Version)
		if err != nil {
			return audit.Entry{}, apperr.Wrap(err, "edit")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return audit.Entry{}, apperr.New(apperr.Conflict, "article %d is at version %d, not %d; reload and retry", id, before.Version, in.Version)
		}
		return audit.Entry{Action: "kb.edit", ObjectType: "kb_article", ObjectID: strconv.FormatInt(id, 10), Before: before, After: in}, nil
	})
	if err != nil {
		return Article{}, err
	}
	return s.get(ctx, s.DB.R, id)
}

// SetStatus approves (the authority; every language present) or withdraws.
func (s *Service) SetStatus(ctx context.Context, by auth.Principal, addr string, id int64, status string) (Article, error) {
	err := s.tx(ctx, by.Actor(addr), func(tx *sql.Tx, now time.Time) (audit.Entry, error) {
		a, err := s.get(ctx, tx, id)
		if err != nil {
			return audit.Entry{}, err
		}
		var approver any
		var at store.Time
		switch status {
		case "approved":
			v := apperr.Validation{}
			for _, l := range Languages {
				if a.Question[l] == "" || a.Answer[l] == "" {
					v.Add("answer."+l, "an approved answer is published in ru, kk and en (Q21): fill the "+l+" question and answer")
				}
			}
			if err := v.Err(); err != nil {
				return audit.Entry{}, err
			}
			if a.Status == "approved" {
				return audit.Entry{}, apperr.New(apperr.Conflict, "article %d is approved already", id)
			}
			approver, at = by.ID, store.T(now)
		case "withdrawn":
			if a.Status == "withdrawn" {
				return audit.Entry{}, apperr.New(apperr.Conflict, "article %d is withdrawn already", id)
			}
		}
		res, err := tx.ExecContext(ctx, Q.SetStatus, id, status, approver, at, a.Version)
		if err != nil {
			return audit.Entry{}, apperr.Wrap(err, status)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return audit.Entry{}, apperr.New(apperr.Conflict, "article %d was changed meanwhile; reload and retry", id)
		}
		action := map[string]string{"approved": "kb.approve", "withdrawn": "kb.withdraw"}[status]
		return audit.Entry{Action: action, ObjectType: "kb_article", ObjectID: strconv.FormatInt(id, 10),
			Before: map[string]string{"status": a.Status}, After: map[string]string{"status": status}}, nil
	})
	if err != nil {
		return Article{}, err
	}
	return s.get(ctx, s.DB.R, id)
}

// List returns the articles of a status ("" all).
func (s *Service) List(ctx context.Context, status string) ([]Article, error) {
	rows, err := s.DB.R.QueryContext(ctx, Q.List, status)
	if err != nil {
		return nil, apperr.Wrap(err, "knowledge base")
	}
	defer rows.Close()
	out := []Article{}
	for rows.Next() {
		a, err := scan(rows)
		if err != nil {
			return nil, apperr.Wrap(err, "knowledge base")
		}
		out = append(out, a)
	}
	return out, apperr.Wrap(rows.Err(), "knowledge base")
}

// words are the lower-case words of s (letters and digits, Cyrillic and
// Kazakh letters included; SQLite's lower() folds only ASCII, so the
// matching is done here).
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// Search returns the approved articles whose question or answer in lang
// contains every word of q as a word prefix, best (more words in the
// question) first; an empty q lists them all.
func Search(all []Article, lang, q string) []Article {
	terms := words(q)
	type hit struct {
		a     Article
		score int
	}
	var hits []hit
	for _, a := range all {
		qw, aw := words(a.Question[lang]), words(a.Answer[lang])
		score, ok := 0, true
		for _, t := range terms {
			inQ := slices.ContainsFunc(qw, func(w string) bool { return strings.HasPrefix(w, t) })
			inA := slices.ContainsFunc(aw, func(w string) bool { return strings.HasPrefix(w, t) })
			if !inQ && !inA {
				ok = false
				break
			}
			if inQ {
				score += 2
			} else {
				score++
			}
		}
		if ok {
			hits = append(hits, hit{a, score})
		}
	}
	slices.SortStableFunc(hits, func(x, y hit) int { return y.score - x.score })
	out := make([]Article, len(hits))
	for i, h := range hits {
		out[i] = h.a
	}
	return out
}

// Mount adds the routes (documented in web/openapi.d/080-kb.json).
func (s *Service) Mount(w *web.Server) {
	w.Route("GET /api/v1/kb", "", s.getPublic)
	w.Route("GET /api/v1/kb/all", auth.PermKBDraft, s.getAll)
	w.Route("POST /api/v1/kb", auth.PermKBDraft, s.postDraft)
	w.Route("PUT /api/v1/kb/{id}", auth.PermKBDraft, s.putEdit)
	w.Route("POST /api/v1/kb/{id}/approve", auth.PermKBApprove, s.status("approved"))
	w.Route("POST /api/v1/kb/{id}/withdraw", auth.PermKBApprove, s.status("withdrawn"))
}

// getPublic: approved answers in one language, searchable (?q=, ?lang=).
func (s *Service) getPublic(w http.ResponseWriter, r *http.Request) error {
	lang := r.URL.Query().Get("lang")
	if lang == "" {
		lang = "ru"
	}
	if !slices.Contains(Languages, lang) {
		return &apperr.Error{Code: apperr.Invalid, Message: "validation failed", Fields: map[string]string{"lang": "ru, kk or en"}}
	}
	all, err := s.List(r.Context(), "approved")
	if err != nil {
		return err
	}
	type item struct {
		ID       int64  `json:"id"`
		Question string `json:"question"`
		Answer   string `json:"answer"`
	}
	out := []item{}
	for _, a := range Search(all, lang, r.URL.Query().Get("q")) {
		out = append(out, item{a.ID, a.Question[lang], a.Answer[lang]})
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"lang": lang, "articles": out})
	return nil
}

func (s *Service) getAll(w http.ResponseWriter, r *http.Request) error {
	st := r.URL.Query().Get("status")
	if st != "" && !slices.Contains([]string{"draft", "approved", "withdrawn"}, st) {
		return &apperr.Error{Code: apperr.Invalid, Message: "validation failed", Fields: map[string]string{"status": "draft, approved or withdrawn"}}
	}
	all, err := s.List(r.Context(), st)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"articles": all})
	return nil
}

func pathID(r *http.Request) (int64, error) {
	return web.PathID(r, func(raw string) error { return apperr.New(apperr.NotFound, "no article %q", raw) })
}

func (s *Service) postDraft(w http.ResponseWriter, r *http.Request) error {
	var in Input
	if err := web.Decode(r, &in); err != nil {
		return err
	}
	a, err := s.Draft(r.Context(), web.Principal(r), web.ClientAddr(r), in)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, a)
	return nil
}

func (s *Service) putEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in Input
	if err := web.Decode(r, &in); err != nil {
		return err
	}
	a, err := s.Edit(r.Context(), web.Principal(r), web.ClientAddr(r), id, in)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, a)
	return nil
}

func (s *Service) status(st string) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		a, err := s.SetStatus(r.Context(), web.Principal(r), web.ClientAddr(r), id, st)
		if err != nil {
			return err
		}
		web.WriteJSON(w, http.StatusOK, a)
		return nil
	}
}
