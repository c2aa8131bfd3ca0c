package retention

import (
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/notify"
	"tenderdesk/internal/notify/templates"
	"tenderdesk/internal/store"
)

//go:embed queries.sql
var queriesSQL string

var Queries = store.MustParse(queriesSQL)

// Service attaches call recordings, opens and resolves disputes, and runs
// the retention job.
type Service struct {
	DB    *store.DB
	Now   func() time.Time
	Terms Terms
	// ContentPath is where a file's bytes are (files.Service.ContentPath).
	ContentPath func(sha string) string
	// Sign signs audit checkpoints with the desk's own key (nil: unsigned).
	Sign audit.Sign
	// Batch is the purge's records per transaction (default 1000).
	Batch int
	Log   *slog.Logger
	// WitnessEmail is the authorized body's address the day's witness is
	// mailed to through the outbox (issue 12); "": it is stored and shown on
	// /registers/roles only, and each run warns (Report.WitnessUnmailed).
	WitnessEmail string
	// MailDomain names the outbox's Message-IDs; Zone (IANA) the times in
	// the message.
	MailDomain, Zone string
}

// AttachRecording attaches an uploaded (scanned) file to a phone appeal as
// its call recording (E20–E21).
func (s *Service) AttachRecording(ctx context.Context, by audit.Actor, appeal string, fileID int64, recordedAt time.Time) (int64, error) {
	var id int64
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var appealID int64
		var channel string
		if err := tx.QueryRowContext(ctx, Q.AppealChannel, appeal).Scan(&appealID, &channel); errors.Is(err, sql.ErrNoRows) {
			return apperr.New(apperr.NotFound, "no appeal %q", appeal)
		} else if err != nil {
			return apperr.Wrap(err, "appeal")
		}
		if channel != "phone" {
			return &apperr.Error{Code: apperr.Invalid, Message: "validation failed",
				Fields: map[string]string{"appeal": fmt.Sprintf("call recordings belong to phone appeals; %s came by %s", appeal, channel)}}
		}
		var sha, name string
		var size int64
		if err := tx.QueryRowContext(ctx, Q.FileMeta, fileID).Scan(&sha, &size, &name); errors.Is(err, sql.ErrNoRows) {
			return &apperr.Error{Code: apperr.Invalid, Message: "validation failed", Fields: map[string]string{"file_id": fmt.Sprintf("no file %d", fileID)}}
		} else if err != nil {
			return apperr.Wrap(err, "file")
		}
		if err := tx.QueryRowContext(ctx, Q.InsertRecording, appealID, fileID, sha, size, name, store.T(recordedAt)).Scan(&id); err != nil {
			return apperr.Wrap(err, "insert recording")
		}
		_, err := audit.Append(ctx, tx, s.DB.Dialect, s.Now(), by, audit.Entry{Action: "recording.attach", ObjectType: "appeal", ObjectID: appeal,
			After: map[string]any{"recording": id, "file": fileID, "recorded_at": recordedAt.UTC()}})
		return err
	})
	return id, err
}

// Dispute opens (open=true) or resolves a dispute on an appeal: its
// recordings are kept while it is open (E20–E21). The reason, when given,
// is kept in the audit record (the console asks for it; the API's callers
// may give none).
func (s *Service) Dispute(ctx context.Context, by audit.Actor, appeal string, open bool, reason string) error {
	now := s.Now().UTC()
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var appealID int64
		var channel string
		if err := tx.QueryRowContext(ctx, Q.AppealChannel, appeal).Scan(&appealID, &channel); errors.Is(err, sql.ErrNoRows) {
			return apperr.New(apperr.NotFound, "no appeal %q", appeal)
		} else if err != nil {
			return apperr.Wrap(err, "appeal")
		}
		q, action := Q.ResolveDispute, "dispute.resolve"
		if open {
			q, action = Q.OpenDispute, "dispute.open"
		}
		res, err := tx.ExecContext(ctx, q, appealID, store.T(now))
		if err != nil {
			return apperr.Wrap(err, "dispute")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, "appeal %s has no recording kept for a dispute to %s", appeal, map[bool]string{true: "open", false: "resolve"}[open])
		}
		var after any
		if reason = strings.TrimSpace(reason); reason != "" {
			after = map[string]string{"reason": reason}
		}
		_, err = audit.Append(ctx, tx, s.DB.Dialect, now, by, audit.Entry{Action: action, ObjectType: "appeal", ObjectID: appeal, After: after})
		return err
	})
}

func scanRecording(r interface{ Scan(...any) error }, destroyed bool) (Recording, error) {
	var x Recording
	var rec, disp, res, des store.Time
	dest := []any{&x.ID, &x.Appeal, &x.FileID, &x.SHA256, &x.Size, &x.Filename, &rec, &disp, &res}
	if destroyed {
		dest = append(dest, &des)
	}
	err := r.Scan(dest...)
	x.RecordedAt, x.DisputeAt, x.ResolvedAt, x.Destroyed = rec.Time, disp.Time, res.Time, des.Time
	return x, err
}

// Recordings lists an appeal's recordings, destroyed ones too.
func (s *Service) Recordings(ctx context.Context, appeal string) ([]Recording, error) {
	rows, err := s.DB.R.QueryContext(ctx, Q.RecordingsOf, appeal)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Recording
	for rows.Next() {
		r, err := scanRecording(rows, true)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Report is what one run of the job did.
type Report struct {
	RecordingsDestroyed int
	RecordingsKept      int // past a year but kept by a dispute
	Purge               audit.PurgeResult
	Witness             audit.Checkpoint
	// WitnessUnmailed: no WitnessEmail, the witness went nowhere outside.
	WitnessUnmailed bool
}

// WitnessEvent is the outbox event of a witness checkpoint: one message per
// checkpoint and address, however often the job is re-run.
func WitnessEvent(cp audit.Checkpoint) string { return fmt.Sprintf("audit.witness:%d", cp.ID) }

// WitnessFiles are the names of the witness's attachments: the signed
// document's exact bytes and its detached CMS (DER) beside it.
func WitnessFiles(cp audit.Checkpoint) (doc, cms string) {
	doc = fmt.Sprintf("audit-witness-%d.json", cp.Seq)
	return doc, doc + ".cms"
}

// witnessMail queues the witness for the authorized body in tx: the head
// in the text, the signed document and its CMS as attachments (bytes kept
// in the outbox once).
func (s *Service) witnessMail(ctx context.Context, tx *sql.Tx, now time.Time, cp audit.Checkpoint) error {
	d := templates.Data{Number: fmt.Sprint(cp.Seq), WitnessSeq: cp.Seq, WitnessHash: cp.Hash, WitnessAt: cp.At,
		WitnessDocument: string(cp.Document), Zone: s.Zone}
	docName, cmsName := WitnessFiles(cp)
	as := []notify.Attachment{{Name: docName, ContentType: "application/json", Data: cp.Document}}
	if len(cp.CMS) > 0 {
		d.WitnessDocFile, d.WitnessCMSFile = docName, cmsName
		as = append(as, notify.Attachment{Name: cmsName, ContentType: "application/pkcs7-signature", Data: cp.CMS})
	}
	return notify.Enqueue(ctx, tx, now, s.MailDomain, notify.Notification{Event: WitnessEvent(cp), Kind: templates.AuditWitness,
		Data: d, Channel: "email", Email: s.WitnessEmail, Lang: "ru", Attachments: as})
}

// Run applies every rule once at s.Now(): recordings past their term are
// destroyed (bytes deleted, the file row removed, the destruction logged
// and audited); old access-log and audit records are purged behind a signed
// checkpoint; the chain's head is signed as the day's witness.
func (s *Service) Run(ctx context.Context) (Report, error) {
	now := s.Now().UTC()
	var rep Report
	if err := s.Terms.Validate(); err != nil {
		return rep, err
	}
	if err := s.recordings(ctx, now, &rep); err != nil {
		return rep, err
	}
	var err error
	if rep.Purge, err = audit.Purge(ctx, s.DB, now, s.Terms.Cutoff(now), s.Terms.Keep, s.Sign, s.Batch); err != nil {
		return rep, err
	}
	if rep.Purge.Deleted > 0 {
		if err := s.logDestruction(ctx, now, RuleAccessLog, "audit records", fmt.Sprint(rep.Purge.Checkpoint.ID), rep.Purge.Deleted,
			fmt.Sprintf("records up to %d older than their term; checkpoint %d (%d kept)", rep.Purge.Checkpoint.Seq, rep.Purge.Checkpoint.ID, rep.Purge.Checkpoint.KeptCount)); err != nil {
			return rep, err
		}
	}
	var mail func(*sql.Tx, audit.Checkpoint) error
	if s.WitnessEmail != "" {
		mail = func(tx *sql.Tx, cp audit.Checkpoint) error { return s.witnessMail(ctx, tx, now, cp) }
	}
	if rep.Witness, err = audit.WitnessThen(ctx, s.DB, now, s.Sign, mail); err != nil {
		return rep, err
	}
	if mail == nil {
		// Not a failure: the witness is stored and published; the
		// administrator is told, here and in /readyz (internal/app).
		rep.WitnessUnmailed = true
		if s.Log != nil {
			s.Log.Warn("retention: the day's audit witness was not mailed: no --witness-email (nor --authority-email) is set", "witness_seq", rep.Witness.Seq)
		}
	}
	return rep, nil
}

func (s *Service) logDestruction(ctx context.Context, now time.Time, rule, what, id string, n int64, detail string) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, Q.InsertDestruction, store.T(now), rule, what, id, n, detail); err != nil {
			return err
		}
		_, err := audit.Append(ctx, tx, s.DB.Dialect, now, audit.System, audit.Entry{Action: "retention.destroy", ObjectType: "retention", ObjectID: id,
			After: map[string]any{"rule": rule, "what": what, "count": n, "detail": detail}})
		return err
	})
}

func (s *Service) recordings(ctx context.Context, now time.Time, rep *Report) error {
	rows, err := s.DB.R.QueryContext(ctx, Q.LiveRecordings, store.T(now.AddDate(-RecordingTerm, 0, 0)))
	if err != nil {
		return err
	}
	var due []Recording
	for rows.Next() {
		r, err := scanRecording(rows, false)
		if err != nil {
			rows.Close()
			return err
		}
		if ok, _ := RecordingDue(r, now); ok {
			due = append(due, r)
		} else {
			rep.RecordingsKept++
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, r := range due {
		if err := s.destroyRecording(ctx, now, r); err != nil {
			return err
		}
		rep.RecordingsDestroyed++
	}
	return nil
}

func (s *Service) destroyRecording(ctx context.Context, now time.Time, r Recording) error {
	_, why := RecordingDue(r, now)
	removeBytes := false
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, Q.MarkDestroyed, r.ID, store.T(now)); err != nil {
			return err
		}
		if r.FileID != 0 {
			for _, q := range []string{Q.UnlinkMessageFile, Q.UnlinkUploadFile, Q.DeleteFile} {
				if _, err := tx.ExecContext(ctx, q, r.FileID); err != nil {
					return err
				}
			}
		}
		var n int
		if err := tx.QueryRowContext(ctx, Q.ShaInUse, r.SHA256).Scan(&n); err != nil {
			return err
		}
		removeBytes = n == 0
		detail := fmt.Sprintf("appeal %s, %s (%d bytes, sha256 %s): %s", r.Appeal, r.Filename, r.Size, r.SHA256, why)
		if _, err := tx.ExecContext(ctx, Q.InsertDestruction, store.T(now), RuleRecordings, "call recording", fmt.Sprint(r.ID), 1, detail); err != nil {
			return err
		}
		_, err := audit.Append(ctx, tx, s.DB.Dialect, now, audit.System, audit.Entry{Action: "retention.destroy", ObjectType: "appeal", ObjectID: r.Appeal,
			After: map[string]any{"rule": RuleRecordings, "recording": r.ID, "sha256": r.SHA256, "detail": detail}})
		return err
	})
	if err != nil {
		return fmt.Errorf("destroy recording %d: %w", r.ID, err)
	}
	if removeBytes && s.ContentPath != nil {
		if err := os.Remove(s.ContentPath(r.SHA256)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("destroy recording %d: %w", r.ID, err)
		}
	}
	return nil
}

// Destruction is a line of the destruction log.
type Destruction struct {
	At       time.Time `json:"at"`
	Rule     string    `json:"rule"`
	What     string    `json:"what"`
	ObjectID string    `json:"object_id"`
	Count    int64     `json:"count"`
	Detail   string    `json:"detail"`
}

// Destructions lists the newest n destructions.
func (s *Service) Destructions(ctx context.Context, n int) ([]Destruction, error) {
	rows, err := s.DB.R.QueryContext(ctx, Q.Destructions, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Destruction
	for rows.Next() {
		var d Destruction
		var at store.Time
		if err := rows.Scan(&at, &d.Rule, &d.What, &d.ObjectID, &d.Count, &d.Detail); err != nil {
			return nil, err
		}
		d.At = at.Time
		out = append(out, d)
	}
	return out, rows.Err()
}

// Loop runs the job once per tick until ctx ends (ticks injected in tests;
// daily in the desk). onRun hears each run.
func (s *Service) Loop(ctx context.Context, ticks <-chan time.Time, onRun func(Report, error)) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticks:
			rep, err := s.Run(ctx)
			if onRun != nil {
				onRun(rep, err)
			}
		}
	}
}
