package notify

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/notify/templates"
)

// ReporterLanguage is the language the desk writes to addr in: the active
// user's with that email, else the templates' default — the same look-up
// the reporter's notices use, so the console offers the reply in the
// language the mail around it will be in.
func ReporterLanguage(ctx context.Context, q Querier, addr string) (string, error) {
	var l string
	err := q.QueryRowContext(ctx, Q.LanguageOfEmail, strings.ToLower(strings.TrimSpace(addr))).Scan(&l)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", apperr.Wrap(err, "reporter's language")
	}
	return templates.Lang(l), nil
}
