// Package notify is the transactional outbox: a notification is written in
// the same transaction as the event that causes it, so an event is never
// recorded without its notifications nor a notification sent for an event
// that rolled back. A worker (delivery) sends what is pending; the cabinet
// (E11) reads the channel "cabinet".
package notify

import (
	"context"
	"crypto/sha256"
	"database/sql"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"tenderdesk/internal/notify/templates"
	"tenderdesk/internal/store"
)

//go:embed queries.sql
var queriesSQL string

var Queries = store.MustParse(queriesSQL)

// Notification is one message to one recipient.
type Notification struct {
	// Event identifies the cause; with the recipient it is unique, so
	// raising the same event again (a retry, a re-plan) sends nothing new.
	// Re-notifications that must go out (a changed plan) use a new event,
	// e.g. "incident.level:42:v3".
	Event   string
	Kind    templates.Kind
	Data    templates.Data
	Channel string // "email" or "cabinet"
	Email   string // channel email
	UserID  int64  // channel cabinet
	Lang    string // ru, kk, en; "" = ru
	DueBy   time.Time
}

func (n Notification) recipient() (string, error) {
	switch n.Channel {
	case "email":
		if n.Email == "" {
			return "", fmt.Errorf("notify: email notification %s without address", n.Event)
		}
		return "email:" + strings.ToLower(n.Email), nil
	case "cabinet":
		if n.UserID == 0 {
			return "", fmt.Errorf("notify: cabinet notification %s without user", n.Event)
		}
		return fmt.Sprintf("user:%d", n.UserID), nil
	}
	return "", fmt.Errorf("notify: unknown channel %q", n.Channel)
}

// MessageID is derived from event and recipient, so a resend after a crash
// carries the same Message-ID and receivers can drop the duplicate.
func MessageID(event, recipient, domain string) string {
	h := sha256.Sum256([]byte(event + "\x00" + recipient))
	return "<" + hex.EncodeToString(h[:16]) + "@" + domain + ">"
}

// Enqueue writes ns in tx. domain is the Message-ID domain (the desk's mail
// domain). Duplicates of (event, recipient) are ignored.
func Enqueue(ctx context.Context, tx *sql.Tx, now time.Time, domain string, ns ...Notification) error {
	for _, n := range ns {
		rcpt, err := n.recipient()
		if err != nil {
			return err
		}
		data, err := json.Marshal(n.Data)
		if err != nil {
			return fmt.Errorf("notify: %w", err)
		}
		var due store.Time
		if !n.DueBy.IsZero() {
			due = store.T(n.DueBy)
		}
		var uid any
		if n.UserID != 0 {
			uid = n.UserID
		}
		lang := n.Lang
		if lang == "" {
			lang = "ru"
		}
		if _, err := tx.ExecContext(ctx, Queries["enqueue"], n.Event, rcpt, n.Channel, string(n.Kind), lang, n.Email, uid,
			string(data), MessageID(n.Event, rcpt, domain), store.T(now), due); err != nil {
			return fmt.Errorf("notify: enqueue %s: %w", n.Event, err)
		}
	}
	return nil
}

// ToRole addresses a notification to every active user of a role, in the
// cabinet and, where they have one, by email.
func ToRole(ctx context.Context, tx *sql.Tx, role string, base Notification) ([]Notification, error) {
	rows, err := tx.QueryContext(ctx, Queries["users-of-role"], role)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Notification
	for rows.Next() {
		var id int64
		var email, lang string
		if err := rows.Scan(&id, &email, &lang); err != nil {
			return nil, err
		}
		n := base
		n.Channel, n.UserID, n.Lang = "cabinet", id, lang
		out = append(out, n)
		if email != "" {
			m := base
			m.Channel, m.Email, m.Lang = "email", email, lang
			out = append(out, m)
		}
	}
	return out, rows.Err()
}
