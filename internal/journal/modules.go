package journal

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
)

// An incident's modules are the portal modules the failure touches. It
// starts with the module its first appeal names; an appeal attached to it
// or merged into it adds its own; operators correct the list (SetModules).

// ActEditModules is the action IncidentChanged reports for SetModules.
const ActEditModules Action = "edit_modules"

const (
	maxModules   = 50
	maxModuleLen = 200 // as an appeal's module
)

// withModule is modules with m added at the end, unless m is empty or
// already named; added says whether it changed.
func withModule(modules []string, m string) ([]string, bool) {
	m = strings.TrimSpace(m)
	if m == "" || slices.Contains(modules, m) {
		return modules, false
	}
	return append(slices.Clip(modules), m), true
}

// withoutModule is the module list of a new incident whose appeal names m.
func withoutModule(m string) []string {
	mods, _ := withModule([]string{}, m)
	return mods
}

// SetModules replaces an incident's modules (trimmed, duplicates dropped,
// order kept), audited; expectedVersion (optional) is the optimistic lock.
func (s *Service) SetModules(ctx context.Context, by audit.Actor, id int64, modules []string, expectedVersion int) (Incident, error) {
	if modules == nil {
		return Incident{}, &apperr.Error{Code: apperr.Invalid, Message: "validation failed",
			Fields: map[string]string{"modules": "required: the full list of modules (an empty list clears it)"}}
	}
	if len(modules) > maxModules {
		return Incident{}, &apperr.Error{Code: apperr.Invalid, Message: "validation failed",
			Fields: map[string]string{"modules": fmt.Sprintf("at most %d modules", maxModules)}}
	}
	clean := []string{}
	for _, m := range modules {
		if t := strings.TrimSpace(m); t == "" || utf8.RuneCountInString(t) > maxModuleLen {
			return Incident{}, &apperr.Error{Code: apperr.Invalid, Message: "validation failed",
				Fields: map[string]string{"modules": fmt.Sprintf("each module is 1–%d characters", maxModuleLen)}}
		}
		clean, _ = withModule(clean, m)
	}
	var out Incident
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		now := s.Now().UTC()
		before, err := s.incidentAt(ctx, tx, id, expectedVersion)
		if err != nil {
			return err
		}
		if before.State == Merged {
			return apperr.New(apperr.Conflict, "incident %d is merged into another; edit that one", id)
		}
		after := before
		after.Modules, after.UpdatedAt = clean, now
		if err := s.save(ctx, tx, before, after); err != nil {
			return err
		}
		after.Version = before.Version + 1
		if _, err := audit.Append(ctx, tx, s.DB.Dialect, now, by, audit.Entry{Action: "incident.modules", ObjectType: "incident",
			ObjectID: itoa(id), Before: map[string][]string{"modules": before.Modules}, After: map[string][]string{"modules": clean}}); err != nil {
			return err
		}
		for _, h := range s.hooks {
			if err := h.IncidentChanged(ctx, s.hookTx(tx, now), ActEditModules, by, before, after); err != nil {
				return err
			}
		}
		out = after
		return nil
	})
	return out, err
}
