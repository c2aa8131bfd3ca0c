package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"tenderdesk/internal/notify/mail"
	"tenderdesk/internal/notify/templates"
	"tenderdesk/internal/store"
)

// Worker delivers the outbox's pending email rows. Several workers (nodes)
// may run on one PostgreSQL database: a claim leases rows (FOR UPDATE SKIP
// LOCKED), so no two send the same row at once.
//
// Delivery is at least once, never silently lost: a node that dies between
// the relay's 250 and recording "sent" loses its lease, and the row goes
// out again with the same Message-ID (MessageID is derived from event and
// recipient). Receivers and relays that dedupe by Message-ID drop the copy;
// the desk's own inbound listener does (docs/notifications.md).
type Worker struct {
	DB *store.DB
	// Sender is *mail.Sender; an error is temporary unless mail.IsPermanent.
	// nil: outbound mail is off; email rows stay pending (logged once).
	Sender mail.Mailer
	Now    func() time.Time
	Log    *slog.Logger
	// Metrics, when set, count attempts and delivery latency.
	Metrics *Metrics
	// ReplyTo of every message (the support address), optional.
	ReplyTo string
	// StatusURL is the absolute address of the public failure page
	// (--public-url + /status), named in every message; empty: not named.
	StatusURL string
	// PublicURL is --public-url: the origin that makes a queued cabinet
	// path (Data.CabinetURL) a link; empty: the mail names no link.
	PublicURL string
	// Open opens a sealed access code (R7) when the mail is rendered
	// (internal/secret: the outbox keeps it sealed); nil: a sealed code
	// cannot be sent and the row fails to build.
	Open func(sealed string) (string, error)
	// OpenFile reads a stored file an attachment refers to (FileID);
	// nil: such a row fails, named.
	OpenFile FileOpener

	Concurrency int           // parallel SMTP conversations; default 8
	Batch       int           // rows claimed at once; default 256
	MaxAttempts int           // then failed; default 12 (about 1.5 h with the defaults below)
	Backoff     time.Duration // first retry delay; default 15 s, doubling
	MaxBackoff  time.Duration // cap of the delay; default 15 min
	Lease       time.Duration // how long a claim holds a row; default 5 min
	Poll        time.Duration // idle wait between looks; default 1 s
	RecordRetry time.Duration // wait between tries to record a batch while the database is away; default 1 s
	// Jitter returns a random duration in [0, d); default math/rand. Tests
	// inject a fixed one.
	Jitter func(d time.Duration) time.Duration

	warned atomic.Bool
}

func (w *Worker) defaults() {
	if w.Concurrency <= 0 {
		w.Concurrency = 8
	}
	if w.Batch <= 0 {
		w.Batch = 256
	}
	if w.MaxAttempts <= 0 {
		w.MaxAttempts = 12
	}
	if w.Backoff <= 0 {
		w.Backoff = 15 * time.Second
	}
	if w.MaxBackoff <= 0 {
		w.MaxBackoff = 15 * time.Minute
	}
	if w.Lease <= 0 {
		w.Lease = 5 * time.Minute
	}
	if w.Poll <= 0 {
		w.Poll = time.Second
	}
	if w.RecordRetry <= 0 {
		w.RecordRetry = time.Second
	}
	if w.Jitter == nil {
		w.Jitter = func(d time.Duration) time.Duration {
			if d <= 0 {
				return 0
			}
			return time.Duration(rand.Int64N(int64(d)))
		}
	}
	if w.Log == nil {
		w.Log = slog.New(slog.DiscardHandler)
	}
}

// Run delivers until ctx is cancelled: as fast as rows are due, else it
// looks again every Poll.
func (w *Worker) Run(ctx context.Context) {
	w.defaults()
	for {
		n, err := w.RunOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			w.Log.Error("outbox delivery", "error", err.Error())
		}
		if n > 0 && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(w.Poll):
		}
	}
}

// claimed is one leased row.
type claimed struct {
	id                                                   int64
	event, recipient, kind, lang, to, data, mid, replyOf string
	attempts                                             int
	created, due                                         store.Time
}

type outcome struct {
	err  error // nil: the relay accepted it
	skip bool  // interrupted by shutdown: left to the lease
}

// RunOnce claims one batch of due email rows, sends them in parallel and
// records the outcomes in one transaction. It returns how many it claimed.
// Without a Sender it sends nothing and warns once.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	w.defaults()
	if w.Sender == nil {
		if !w.warned.Swap(true) {
			var pending, failed, overdue, bounced int
			_ = w.DB.R.QueryRowContext(ctx, Q.Counts, store.T(w.Now())).Scan(&pending, &failed, &overdue, &bounced)
			w.Log.Warn("outbound mail is off (no --smtp-relay): email notifications stay pending until a relay is configured",
				"pending", pending)
		}
		return 0, nil
	}
	rows, err := w.claim(ctx)
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	files := w.attachmentsOf(ctx, rows)
	out := make([]outcome, len(rows))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(w.Concurrency, len(rows)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = w.deliver(ctx, rows[i], files[rows[i].event])
			}
		}()
	}
	for i := range rows {
		next <- i
	}
	close(next)
	wg.Wait()
	// Record even when shutting down: what the relay accepted must not be
	// sent again needlessly. For the same reason a database that is away
	// (restarted, failed over: store.IsFault) is waited for while the
	// lease keeps these rows ours, up to half of it: giving up at once left
	// the whole batch, accepted by the relay, to go out a second time when
	// its lease ended (issue 15: the 20-second PostgreSQL stop sent every
	// claimed row twice).
	giveUp := time.Now().Add(w.Lease / 2)
	for waited := false; ; waited = true {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		err := w.record(rctx, rows, out)
		cancel()
		if err == nil && waited {
			w.Log.Info("outbox delivery recorded after the database came back", "rows", len(rows))
		}
		if err == nil || !store.IsFault(err) || time.Now().After(giveUp) || ctx.Err() != nil {
			return len(rows), err
		}
		if !waited {
			w.Log.Warn("outbox delivery cannot be recorded, the database is unavailable: retrying while the lease lasts",
				"rows", len(rows), "error", err.Error())
		}
		select {
		case <-ctx.Done():
		case <-time.After(w.RecordRetry):
		}
	}
}

func (w *Worker) claim(ctx context.Context) ([]claimed, error) {
	now := w.Now().UTC()
	var rows []claimed
	err := w.DB.Tx(ctx, func(tx *sql.Tx) error {
		rs, err := tx.QueryContext(ctx, store.ByDialect(w.DB.Dialect, Q.ClaimSQLite, Q.ClaimPostgres), store.T(now), store.T(now.Add(w.Lease)), w.Batch)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var c claimed
			if err := rs.Scan(&c.id, &c.event, &c.recipient, &c.kind, &c.lang, &c.to, &c.data, &c.mid, &c.attempts, &c.created, &c.due, &c.replyOf); err != nil {
				return err
			}
			rows = append(rows, c)
		}
		return rs.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("notify: claim: %w", err)
	}
	return rows, nil
}

// attached is an event's attachments for its messages, or why not.
type attached struct {
	files []mail.Attachment
	err   error
}

// attachmentsOf reads the attachments of the batch's events, once per
// event: a fan-out's batch of 256 rows reads its PDF once.
func (w *Worker) attachmentsOf(ctx context.Context, rows []claimed) map[string]attached {
	out := map[string]attached{}
	for _, c := range rows {
		if _, ok := out[c.event]; ok {
			continue
		}
		fs, err := w.mailAttachments(ctx, c.event)
		out[c.event] = attached{fs, err}
	}
	return out
}

// deliver renders and sends one row.
func (w *Worker) deliver(ctx context.Context, c claimed, files attached) outcome {
	if files.err != nil {
		// A file gone or blocked is the message's fault (permanent); the
		// database failing to answer is not.
		var ne *noFile
		return outcome{err: &mail.Error{Stage: "build", Temporary: !errors.As(files.err, &ne), Err: fmt.Errorf("attachments: %w", files.err)}}
	}
	var d templates.Data
	if err := json.Unmarshal([]byte(c.data), &d); err != nil {
		return outcome{err: &mail.Error{Stage: "build", Err: fmt.Errorf("data: %w", err)}}
	}
	if d.StatusURL == "" {
		d.StatusURL = w.StatusURL
	}
	if path := d.CabinetURL; strings.HasPrefix(path, "/") {
		d.CabinetURL = ""
		if w.PublicURL != "" {
			d.CabinetURL = strings.TrimRight(w.PublicURL, "/") + path
		}
	}
	if err := w.open(&d); err != nil {
		return outcome{err: &mail.Error{Stage: "build", Err: err}}
	}
	subject, text, html, err := templates.Render(templates.Kind(c.kind), c.lang, d)
	if err != nil {
		return outcome{err: &mail.Error{Stage: "build", Err: fmt.Errorf("render: %w", err)}}
	}
	m := mail.Message{MessageID: c.mid, To: []string{c.to}, ReplyTo: w.ReplyTo, Subject: subject,
		Text: text, HTML: html, AutoSubmitted: true, Headers: map[string]string{"X-Tenderdesk-Event": c.event}}
	m.Attachments = files.files
	if c.replyOf != "" {
		m.InReplyTo, m.References = c.replyOf, []string{c.replyOf}
	}
	err = w.Sender.Send(ctx, m)
	if err != nil && ctx.Err() != nil {
		return outcome{skip: true}
	}
	return outcome{err: err}
}

// backoff is the delay before the attempt after attempts: doubling from
// Backoff up to MaxBackoff, half of it random so a relay coming back is not
// hit by every row at once.
func (w *Worker) backoff(attempts int) time.Duration {
	d := w.MaxBackoff
	if attempts < 32 {
		if b := w.Backoff << (attempts - 1); b > 0 && b < d {
			d = b
		}
	}
	return d/2 + w.Jitter(d/2)
}

func (w *Worker) record(ctx context.Context, rows []claimed, out []outcome) error {
	now := w.Now().UTC()
	var sent []int64
	var sentRows []claimed
	var temp, perm int
	err := w.DB.Tx(ctx, func(tx *sql.Tx) error {
		for i, c := range rows {
			o := out[i]
			switch {
			case o.skip:
			case o.err == nil:
				sent = append(sent, c.id)
				sentRows = append(sentRows, c)
			case mail.IsPermanent(o.err) || c.attempts >= w.MaxAttempts:
				perm++
				msg := errText(o.err)
				if !mail.IsPermanent(o.err) {
					msg = fmt.Sprintf("gave up after %d attempts: %s", c.attempts, msg)
				}
				if _, err := tx.ExecContext(ctx, Q.MarkFailed, c.id, msg, store.T(now)); err != nil {
					return err
				}
				w.Log.Error("notification failed", "id", c.id, "event", c.event, "to", c.to, "attempts", c.attempts, "error", msg)
			default:
				temp++
				if _, err := tx.ExecContext(ctx, Q.MarkRetry, c.id, store.T(now.Add(w.backoff(c.attempts))), errText(o.err)); err != nil {
					return err
				}
			}
		}
		if len(sent) == 0 {
			return nil
		}
		ids := make([]string, len(sent))
		for i, id := range sent {
			ids[i] = strconv.FormatInt(id, 10)
		}
		_, err := tx.ExecContext(ctx, store.ByDialect(w.DB.Dialect, Q.MarkSentSQLite, Q.MarkSentPostgres), store.T(now), "["+strings.Join(ids, ",")+"]")
		return err
	})
	if err != nil {
		return fmt.Errorf("notify: record delivery: %w", err)
	}
	if w.Metrics != nil {
		w.Metrics.attempts.WithLabelValues("sent").Add(float64(len(sent)))
		w.Metrics.attempts.WithLabelValues("temporary").Add(float64(temp))
		w.Metrics.attempts.WithLabelValues("failed").Add(float64(perm))
		for _, c := range sentRows {
			w.Metrics.latency.Observe(now.Sub(c.created.Time).Seconds())
		}
	}
	if temp > 0 {
		w.Log.Warn("notifications will be retried", "count", temp, "first_error", firstErr(out))
	}
	return nil
}

func errText(err error) string {
	s := err.Error()
	if len(s) > 1000 {
		s = s[:1000]
	}
	return s
}

func firstErr(out []outcome) string {
	for _, o := range out {
		if o.err != nil {
			return errText(o.err)
		}
	}
	return ""
}

// open puts the plain values of d's sealed fields back, for this rendering
// only. An access code that cannot be opened (the key file is not the one
// it was sealed with) is left out and logged: the registration notice
// still carries the number (Q30); the desk keeps only the code's hash, so
// the error is logged for the administrator. An invitation link that
// cannot be opened fails the row: the mail is useless without it.
func (w *Worker) open(d *templates.Data) error {
	for _, f := range []struct {
		v        *string
		optional bool
	}{{&d.AccessCode, true}, {&d.InviteURL, false}} {
		if *f.v == "" || !strings.HasPrefix(*f.v, "sealed:") {
			continue
		}
		var err error
		plain := ""
		if w.Open == nil {
			err = fmt.Errorf("a sealed value and no key to open it")
		} else {
			plain, err = w.Open(*f.v)
		}
		if err != nil && f.optional {
			w.Log.Error("outbox: the access code cannot be opened; the notice goes without it", "number", d.Number, "error", err.Error())
			*f.v = ""
			continue
		}
		if err != nil {
			return err
		}
		*f.v = plain
	}
	return nil
}
