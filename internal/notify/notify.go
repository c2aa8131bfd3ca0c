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
	"reflect"
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
	// InReplyTo threads an email under the message it answers (the
	// reporter's, for the registration notice of an email appeal).
	InReplyTo string
	// Attachments go with the email (not the cabinet row). They belong to
	// the event: stored once for all its recipients, from the first
	// notification of the event in the call that has them.
	Attachments []Attachment
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
// multi-row INSERTs, so a fan-out to 20,000 bidders is 40 statements on
// PostgreSQL (313 on SQLite), not 20,000 (docs/BENCHMARKS.md): pass a
// fan-out in one call. Cabinet rows are written as sent: they are delivered
// by being visible in the cabinet (E11).
func Enqueue(ctx context.Context, tx *sql.Tx, now time.Time, domain string, ns ...Notification) error {
	sh := shape{batch: smallBatch}
	if len(ns) > smallBatch {
		sh = shapeOf(ctx, tx)
	}
	args := make([]any, 0, min(len(ns), sh.batch)*(enqueueCols+1))
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
		if rows == sh.batch {
			if full == nil {
				if full, err = tx.PrepareContext(ctx, enqueueSQL(rows, sh.positional)); err != nil {
					return fmt.Errorf("notify: enqueue: %w", err)
				}
			}
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, enqueueSQL(rows, sh.positional), args...)
		}
		if err != nil {
			return fmt.Errorf("notify: enqueue %d notifications: %w", rows, err)
		}
		args, rows = args[:0], 0
		return nil
	}
	if err := storeAttachments(ctx, tx, now, ns); err != nil {
		return err
	}
	created := store.T(now)
	for _, n := range ns {
		rcpt, err := n.recipient()
		if err != nil {
			return err
		}
		data, err := compactJSON(n.Data)
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
		vals := [enqueueCols]any{n.Event, rcpt, n.Channel, string(n.Kind), lang, n.Email, uid,
			string(data), MessageID(n.Event, rcpt, domain), created, due, status, sentAt, threadID(n.InReplyTo)}
		if sh.positional {
			for _, k := range tupleOrder {
				args = append(args, vals[k])
			}
		} else {
			args = append(args, vals[:]...)
		}
		if rows++; rows == sh.batch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

const (
	// enqueueCols is the number of distinct placeholders of the enqueue tuple.
	enqueueCols = 14
	// smallBatch: calls of up to this many rows (a registration's notices)
	// write $N statements of at most 448 parameters, without asking which
	// database tx is on.
	smallBatch = 32
	// largeBatch rows per INSERT for fan-outs on PostgreSQL: 7,000
	// parameters, under its 65,535.
	largeBatch = 500
	// sqliteBatch rows per INSERT for fan-outs on SQLite: larger statements
	// grow the statement journal SQLite keeps for each, whose memory the
	// driver returns to the system at every statement (64: 0.65 CPU-s for
	// 20,000 rows; 16 and 160: 0.7–0.8).
	sqliteBatch = 64
)

// shape is how one Enqueue call writes its rows.
type shape struct {
	batch int
	// positional: "?" placeholders, for SQLite. Its driver looks each $N up
	// by name in a list, quadratic in a statement's parameters: 500-row
	// statements with $N take 3 s for 20,000 rows.
	positional bool
}

// shapeOf picks the shape for a fan-out by asking the database: the probe
// fails harmlessly on SQLite (an unknown function fails at prepare, which
// does not abort the transaction) and answers on PostgreSQL.
func shapeOf(ctx context.Context, tx *sql.Tx) shape {
	var pid int64
	if tx.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid) == nil {
		return shape{batch: largeBatch}
	}
	return shape{batch: sqliteBatch, positional: true}
}

var (
	enqueueMu    sync.Mutex
	enqueueCache = map[[2]int]string{}
	placeholder  = regexp.MustCompile(`\$(\d+)`)
	// tupleOrder is the value index of each placeholder of the enqueue
	// tuple in order ($10 appears twice), for positional statements.
	tupleOrder = func() []int {
		var out []int
		for _, m := range placeholder.FindAllStringSubmatch(enqueueParts()[1], -1) {
			n, _ := strconv.Atoi(m[1])
			out = append(out, n-1)
		}
		return out
	}()
)

// enqueueParts splits the checked one-row statement into the text before
// its VALUES tuple, the tuple, and the ON CONFLICT clause.
func enqueueParts() [3]string {
	q := Q.Enqueue
	i := strings.Index(q, "VALUES") + len("VALUES")
	j := strings.Index(q, "ON CONFLICT")
	return [3]string{q[:i], strings.TrimSpace(q[i:j]), q[j:]}
}

// enqueueSQL is the enqueue statement with its VALUES tuple repeated rows
// times, placeholders renumbered (or made positional).
func enqueueSQL(rows int, positional bool) string {
	key := [2]int{rows, 0}
	if positional {
		key[1] = 1
	}
	enqueueMu.Lock()
	defer enqueueMu.Unlock()
	if q, ok := enqueueCache[key]; ok {
		return q
	}
	parts := enqueueParts()
	var b strings.Builder
	b.WriteString(parts[0])
	for r := range rows {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteString("\n")
		b.WriteString(placeholder.ReplaceAllStringFunc(parts[1], func(p string) string {
			if positional {
				return "?"
			}
			n, _ := strconv.Atoi(p[1:])
			return "$" + strconv.Itoa(n+r*enqueueCols)
		}))
	}
	b.WriteString("\n")
	b.WriteString(parts[2])
	q := b.String()
	if rows == smallBatch || rows == largeBatch || rows == sqliteBatch || rows < 4 {
		enqueueCache[key] = q // the common shapes; other remainders are built each time
	}
	return q
}

// threadID is id without brackets when it is a usable Message-ID, else "":
// threading is a courtesy, and a malformed ID from a reporter's mailer must
// not make the notice itself unsendable.
func threadID(id string) string {
	id = strings.TrimSpace(id)
	id = strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">")
	at := strings.IndexByte(id, '@')
	if at <= 0 || at == len(id)-1 || len(id) > 900 || strings.ContainsAny(id, "<>\" \t\r\n") {
		return ""
	}
	return id
}

// compactJSON is json.Marshal of d without its zero fields, which
// json.Unmarshal reads back to the same value: a fan-out row's data shrinks
// from 657 to about 250 bytes, and a fan-out writes 20,000 of them.
func compactJSON(d templates.Data) ([]byte, error) {
	v := reflect.ValueOf(d)
	b := make([]byte, 0, 256)
	b = append(b, '{')
	for i, f := range dataFields {
		fv := v.Field(f.index)
		if f.name == "" || fv.IsZero() {
			continue
		}
		j, err := json.Marshal(fv.Interface())
		if err != nil {
			return nil, err
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(b, dataFields[i].key...)
		b = append(b, j...)
	}
	return append(b, '}'), nil
}

// dataFields are templates.Data's fields as JSON sees them ("" name: skipped).
var dataFields = func() []struct {
	index     int
	name, key string
} {
	t := reflect.TypeFor[templates.Data]()
	out := make([]struct {
		index     int
		name, key string
	}, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case !f.IsExported() || name == "-":
			name = ""
		case name == "":
			name = f.Name
		}
		k, _ := json.Marshal(name)
		out[i].index, out[i].name, out[i].key = i, name, string(k)+":"
	}
	return out
}()

// ToUser addresses a notification to one active user, in the cabinet and,
// when they have one, by email; none when the user is not active.
func ToUser(ctx context.Context, tx *sql.Tx, id int64, base Notification) ([]Notification, error) {
	return toUsers(ctx, tx, Q.UserByID, id, base)
}

// ToRole addresses a notification to every active user of a role, in the
// cabinet and, where they have one, by email.
func ToRole(ctx context.Context, tx *sql.Tx, role string, base Notification) ([]Notification, error) {
	return toUsers(ctx, tx, Q.UsersOfRole, role, base)
}

func toUsers(ctx context.Context, tx *sql.Tx, q string, arg any, base Notification) ([]Notification, error) {
	rows, err := tx.QueryContext(ctx, q, arg)
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
