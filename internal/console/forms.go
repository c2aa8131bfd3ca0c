package console

import (
	"errors"
	"strings"
	"time"

	"tenderdesk/internal/apperr"
)

func asAppErr(err error, ae **apperr.Error) bool { return errors.As(err, ae) }

// fieldProblem is what is wrong with a form field, for the person: the
// domain's own words in English; in Russian and Kazakh the field's
// catalogue message (domain messages are English).
func (c *Console) fieldProblem(l *L, field, problem string) string {
	if l.Lang == "en" {
		return problem
	}
	if _, ok := c.cat.msgs[l.Lang]["bad."+field]; ok {
		return l.T("bad." + field)
	}
	return l.T("bad.field")
}

// formErrors fills p with the field problems of a validation error and
// says whether err was one.
func (c *Console) formErrors(p *Page, err error) bool {
	var ae *apperr.Error
	if !asAppErr(err, &ae) || ae.Code == apperr.Internal || ae.Code == apperr.Unavailable {
		return false // a page of its own (failErr), not a form problem
	}
	for f, m := range ae.Fields {
		p.Errors[f] = c.fieldProblem(p.L, f, m)
	}
	if len(ae.Fields) == 0 {
		p.Notice = c.explain(p.L, ae)
	} else {
		p.Notice = p.L.T("form.fix_marked")
	}
	return true
}

// localTime reads a date and time without offset (DD.MM.YYYY HH:MM as typed,
// or a datetime-local field) in the desk's zone.
func (c *Console) localTime(p *Page, field, v string) *time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	for _, layout := range []string{"02.01.2006 15:04", "2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, v, c.d.Zone); err == nil {
			return &t
		}
	}
	p.Errors[field] = p.L.T("bad.datetime")
	return nil
}

// splitRefs reads announcement or lot numbers separated by commas, spaces
// or new lines.
func splitRefs(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
}
