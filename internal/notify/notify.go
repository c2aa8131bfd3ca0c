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
	"regexp"
	"strconv"
	"strings"
	"sync"
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
// domain). Duplicates of (event, recipient) are ignored. Rows go in
// multi-row INSERTs of up to enqueueBatch rows, so a fan-out to 20,000
// bidders is 625 statements, not 20,000 (docs/BENCHMARKS.md). Cabinet rows are
// written as sent: they are delivered by being visible in the cabinet (E11).
func Enqueue(ctx context.Context, tx *sql.Tx, now time.Time, domain string, ns ...Notification) error {
	args := make([]any, 0, min(len(ns), enqueueBatch)*enqueueCols)
	rows := 0
	var full *sql.Stmt // the full-batch statement, prepared once per call
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	flush := func() error {
		if rows == 0 {
			return nil
		}
		var err error
		if rows == enqueueBatch {
			if full == nil {
				if full, err = tx.PrepareContext(ctx, enqueueSQL(rows)); err != nil {
					return fmt.Errorf("notify: enqueue: %w", err)
				}
			}
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, enqueueSQL(rows), args...)
		}
		if err != nil {
			return fmt.Errorf("notify: enqueue %d notifications: %w", rows, err)
		}
		args, rows = args[:0], 0
		return nil
	}
	created := store.T(now)
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
		status, sentAt := "pending", store.Time{}
		if n.Channel == "cabinet" {
			status, sentAt = "sent", created
		}
		args = append(args, n.Event, rcpt, n.Channel, string(n.Kind), lang, n.Email, uid,
			string(data), MessageID(n.Event, rcpt, domain), created, due, status, sentAt)
		if rows++; rows == enqueueBatch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

const (
	// enqueueCols is the number of placeholders of the enqueue tuple.
	enqueueCols = 13
	// enqueueBatch rows per INSERT (416 parameters). Larger batches help
	// PostgreSQL a little and hurt SQLite a lot: the SQLite driver looks
	// each $N up by name in a list, quadratic in the statement's
	// parameters (500 rows: 3 s for 20,000; 32 rows: under 1 s).
	enqueueBatch = 32
)

var (
	enqueueMu    sync.Mutex
	enqueueCache = map[int]string{}
	placeholder  = regexp.MustCompile(`\$(\d+)`)
)

// enqueueSQL is the enqueue statement with its VALUES tuple repeated rows
// times, placeholders renumbered; the one-row form is the checked query.
func enqueueSQL(rows int) string {
	enqueueMu.Lock()
	defer enqueueMu.Unlock()
	if q, ok := enqueueCache[rows]; ok {
		return q
	}
	q := Queries["enqueue"]
	i := strings.Index(q, "VALUES")
	j := strings.Index(q, "ON CONFLICT")
	head, tuple, tail := q[:i+len("VALUES")], strings.TrimSpace(q[i+len("VALUES"):j]), q[j:]
	var b strings.Builder
	b.WriteString(head)
	for r := range rows {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteString("\n")
		b.WriteString(placeholder.ReplaceAllStringFunc(tuple, func(p string) string {
			n, _ := strconv.Atoi(p[1:])
			return "$" + strconv.Itoa(n+r*enqueueCols)
		}))
	}
	b.WriteString("\n")
	b.WriteString(tail)
	q = b.String()
	if rows == 1 || rows == enqueueBatch {
		enqueueCache[rows] = q // the common shapes; remainders are built each time
	}
	return q
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
