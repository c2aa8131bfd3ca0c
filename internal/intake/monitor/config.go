package monitor

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/store"
)

// MapEntry maps an alert label's value to a portal module.
type MapEntry struct {
	Label  string `json:"label"`
	Value  string `json:"value"`
	Module string `json:"module"`
}

type moduleMap []MapEntry

// module is the module of an alert: the first entry (by label, value)
// whose label has that value, else the alert's own module label.
func (m moduleMap) module(labels map[string]string) string {
	for _, e := range m {
		if v, ok := labels[e.Label]; ok && v == e.Value {
			return e.Module
		}
	}
	return strings.TrimSpace(labels[ModuleLabel])
}

// ModuleMap is the administrator's label → module mapping.
func (s *Service) ModuleMap(ctx context.Context) (moduleMap, error) {
	rows, err := s.DB.R.QueryContext(ctx, Q.ModuleMap)
	if err != nil {
		return nil, apperr.Wrap(err, "module map")
	}
	defer rows.Close()
	m := moduleMap{}
	for rows.Next() {
		var e MapEntry
		if err := rows.Scan(&e.Label, &e.Value, &e.Module); err != nil {
			return nil, apperr.Wrap(err, "module map")
		}
		m = append(m, e)
	}
	return m, apperr.Wrap(rows.Err(), "module map")
}

func checkModule(v apperr.Validation, field, m string) {
	if t := strings.TrimSpace(m); t == "" || utf8.RuneCountInString(t) > 200 || t != m {
		v.Add(field, "1–200 characters, no leading or trailing spaces")
	}
}

// SetModuleMap replaces the mapping, audited.
func (s *Service) SetModuleMap(ctx context.Context, by audit.Actor, entries []MapEntry) error {
	v := apperr.Validation{}
	if entries == nil {
		v.Add("entries", "required: the whole map (an empty list clears it)")
	}
	seen := map[[2]string]bool{}
	for i, e := range entries {
		f := fmt.Sprintf("entries[%d]", i)
		if e.Label == "" || len(e.Label) > 100 {
			v.Add(f+".label", "1–100 characters")
		}
		if e.Value == "" || len(e.Value) > 200 {
			v.Add(f+".value", "1–200 characters")
		}
		checkModule(v, f+".module", e.Module)
		if seen[[2]string{e.Label, e.Value}] {
			v.Add(f+".value", "this label and value are mapped twice")
		}
		seen[[2]string{e.Label, e.Value}] = true
	}
	if err := v.Err(); err != nil {
		return err
	}
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, Q.DeleteModuleMap); err != nil {
			return apperr.Wrap(err, "module map")
		}
		for _, e := range entries {
			if _, err := tx.ExecContext(ctx, Q.InsertModuleMap, e.Label, e.Value, e.Module); err != nil {
				return apperr.Wrap(err, "module map")
			}
		}
		_, err := audit.Append(ctx, tx, s.DB.Dialect, s.Now().UTC(), by, audit.Entry{Action: "intake.module_map", ObjectType: "intake",
			ObjectID: "module_map", After: entries})
		return err
	})
}

// Severities of syslog (RFC 5424 §6.2.1), by number.
var Severities = []string{"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"}

// LogRule turns matching log lines into an appeal of its module: lines of
// severity at most Severity (0 most severe) whose message matches Pattern
// (a Go regular expression), from App when it is set.
type LogRule struct {
	ID        int64     `json:"id"`
	Module    string    `json:"module"`
	Severity  int       `json:"severity"`
	Pattern   string    `json:"pattern"`
	App       string    `json:"app,omitempty"`
	Enabled   bool      `json:"enabled"`
	CreatedAt time.Time `json:"created_at"`
	re        *regexp.Regexp
}

// NewLogRule is what an administrator sends.
type NewLogRule struct {
	Module   string `json:"module"`
	Severity string `json:"severity"` // a name of Severities or its number
	Pattern  string `json:"pattern"`
	App      string `json:"app"`
	Enabled  *bool  `json:"enabled"`
}

func parseSeverity(s string) (int, bool) {
	for i, n := range Severities {
		if s == n || s == fmt.Sprint(i) {
			return i, true
		}
	}
	switch s { // the other names RFC 5424 and syslog(3) use
	case "emergency", "panic":
		return 0, true
	case "critical":
		return 2, true
	case "error":
		return 3, true
	case "warn":
		return 4, true
	}
	return 0, false
}

// AddLogRule records a rule, audited, and loads it.
func (s *Service) AddLogRule(ctx context.Context, by audit.Actor, n NewLogRule) (LogRule, error) {
	v := apperr.Validation{}
	checkModule(v, "module", n.Module)
	sev, ok := parseSeverity(n.Severity)
	if !ok {
		v.Add("severity", "one of "+strings.Join(Severities, ", ")+" (or 0–7)")
	}
	if n.Pattern == "" || len(n.Pattern) > 1000 {
		v.Add("pattern", "required: a regular expression of at most 1000 characters")
	} else if _, err := regexp.Compile(n.Pattern); err != nil {
		v.Add("pattern", "not a regular expression: "+err.Error())
	}
	if len(n.App) > 48 {
		v.Add("app", "at most 48 characters (RFC 5424 APP-NAME)")
	}
	if err := v.Err(); err != nil {
		return LogRule{}, err
	}
	r := LogRule{Module: n.Module, Severity: sev, Pattern: n.Pattern, App: n.App, Enabled: n.Enabled == nil || *n.Enabled,
		CreatedAt: s.Now().UTC()}
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, Q.InsertLogRule, r.Module, r.Severity, r.Pattern, r.App, r.Enabled, store.T(r.CreatedAt)).Scan(&r.ID); err != nil {
			return apperr.Wrap(err, "log rule")
		}
		_, err := audit.Append(ctx, tx, s.DB.Dialect, r.CreatedAt, by, audit.Entry{Action: "intake.log_rule.add", ObjectType: "intake_log_rule",
			ObjectID: fmt.Sprint(r.ID), After: r})
		return err
	})
	if err != nil {
		return LogRule{}, err
	}
	return r, s.LoadRules(ctx)
}

// DeleteLogRule removes a rule, audited.
func (s *Service) DeleteLogRule(ctx context.Context, by audit.Actor, id int64) error {
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, Q.DeleteLogRule, id)
		if err != nil {
			return apperr.Wrap(err, "log rule")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.NotFound, "no log rule %d", id)
		}
		_, err = audit.Append(ctx, tx, s.DB.Dialect, s.Now().UTC(), by, audit.Entry{Action: "intake.log_rule.delete", ObjectType: "intake_log_rule",
			ObjectID: fmt.Sprint(id)})
		return err
	})
	if err != nil {
		return err
	}
	return s.LoadRules(ctx)
}

// LogRules lists the rules.
func (s *Service) LogRules(ctx context.Context) ([]LogRule, error) {
	rows, err := s.DB.R.QueryContext(ctx, Q.LogRules)
	if err != nil {
		return nil, apperr.Wrap(err, "log rules")
	}
	defer rows.Close()
	out := []LogRule{}
	for rows.Next() {
		var r LogRule
		var at store.Time
		if err := rows.Scan(&r.ID, &r.Module, &r.Severity, &r.Pattern, &r.App, &r.Enabled, &at); err != nil {
			return nil, apperr.Wrap(err, "log rules")
		}
		r.CreatedAt = at.Time
		out = append(out, r)
	}
	return out, apperr.Wrap(rows.Err(), "log rules")
}

// LoadRules (re)reads the log rules the receivers match against.
func (s *Service) LoadRules(ctx context.Context) error {
	rs, err := s.LogRules(ctx)
	if err != nil {
		return err
	}
	var on []LogRule
	for _, r := range rs {
		if !r.Enabled {
			continue
		}
		re, err := regexp.Compile(r.Pattern)
		if err != nil {
			s.Log.Error("log rule with a bad pattern skipped", "rule", r.ID, "error", err.Error())
			continue
		}
		r.re = re
		on = append(on, r)
	}
	s.rules.set(on)
	return nil
}
