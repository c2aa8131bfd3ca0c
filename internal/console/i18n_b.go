package console

import (
	"tenderdesk/internal/impact"
	"tenderdesk/internal/vocab"
)

// Word is a domain word of internal/vocab (a deadline kind, a level …)
// in the request's language.
func (l *L) Word(w string) string { return vocab.Label(l.Lang, w) }

// Reason is a plan's reason text in the request's language.
func (l *L) Reason(t impact.Text) string {
	switch {
	case l.Lang == "kk" && t.KK != "":
		return t.KK
	case l.Lang == "en" && t.EN != "":
		return t.EN
	}
	return t.RU
}
