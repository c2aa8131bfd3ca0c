// Package files keeps uploaded files (issue 11): resumable uploads in parts
// of at most 20 MB (Q8) over the tus 1.0 protocol, every file scanned by
// ClamAV's clamd before it can be attached (Q26), and stored on disk once
// per content under its SHA-256. Parts and scans are streamed, never held
// whole in memory.
package files

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/store"
)

//go:embed queries.sql
var queriesSQL string

// Queries are the package's named statements, checked at boot.
var Queries = store.MustParse(queriesSQL)

// PartMax is the largest part of an upload (Q8: "files over 20 MB are
// uploaded in parts of at most 20 MB").
const PartMax = 20 << 20

// DefaultMaxSize is the default limit of one file.
const DefaultMaxSize = 100 << 20

// Service stores and serves files.
type Service struct {
	DB  *store.DB
	Dir string // content-addressed store; partial uploads in Dir/partial
	// Scanner scans every file before it is stored; nil with ScanOff false
	// refuses uploads (not silently unscanned).
	Scanner Scanner
	ScanOff bool
	MaxSize int64
	Now     func() time.Time
	Log     *slog.Logger
}

// New returns the service; dir is created on the first upload.
func New(db *store.DB, dir string, sc Scanner, off bool, maxSize int64, now func() time.Time, log *slog.Logger) *Service {
	if maxSize <= 0 {
		maxSize = DefaultMaxSize
	}
	return &Service{DB: db, Dir: dir, Scanner: sc, ScanOff: off, MaxSize: maxSize, Now: now, Log: log}
}

// File is a stored file's row.
type File struct {
	ID          int64  `json:"id"`
	SHA256      string `json:"sha256"`
	Size        int64  `json:"size"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	UploaderID  int64  `json:"-"`
	BIN         string `json:"-"`
	Scan        string `json:"scan"`
}

// path is where the content of sha lives: Dir/ab/abcdef….
func (s *Service) path(sha string) string { return filepath.Join(s.Dir, sha[:2], sha) }

// ErrInfected is returned (wrapped in an *apperr.Error) for a blocked file.
var ErrInfected = errors.New("infected")

// ready says why uploads are refused, or nil.
func (s *Service) ready() error {
	if s.Scanner == nil && !s.ScanOff {
		return apperr.New(apperr.Unprocessable, "uploads are refused: no virus scanner is configured (the administrator sets --clamd; Q26)")
	}
	return nil
}

// scanAndStore scans the file at partial, then moves it into the store
// under its SHA-256. It returns the hash, the size and the verdict; an
// infected file is deleted, never stored.
func (s *Service) scanAndStore(ctx context.Context, partial string) (sha string, size int64, scan string, v Verdict, err error) {
	f, err := os.Open(partial)
	if err != nil {
		return "", 0, "", v, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", 0, "", v, err
	}
	size = st.Size()
	h := sha256.New()
	cr := io.TeeReader(f, h)
	scan = "unscanned"
	if s.Scanner != nil {
		if v, err = s.Scanner.Scan(ctx, cr); err != nil {
			return "", 0, "", v, apperr.Wrap(err, "virus scan")
		}
		scan = "clean"
		// clamd may stop reading once it has a verdict; hash the rest.
		if _, err := io.Copy(io.Discard, cr); err != nil {
			return "", 0, "", v, err
		}
	} else if _, err := io.Copy(io.Discard, cr); err != nil {
		return "", 0, "", v, err
	}
	if v.Infected {
		f.Close()
		_ = os.Remove(partial)
		return "", size, "", v, nil
	}
	sha = hex.EncodeToString(h.Sum(nil))
	dst := s.path(sha)
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return "", 0, "", v, err
	}
	if _, err := os.Stat(dst); err == nil {
		_ = os.Remove(partial) // the same content is stored already
	} else if err := os.Rename(partial, dst); err != nil {
		return "", 0, "", v, err
	}
	return sha, size, scan, v, nil
}

func newID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func (s *Service) file(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, id int64) (File, error) {
	var f File
	err := q.QueryRowContext(ctx, Q.File, id).Scan(&f.ID, &f.SHA256, &f.Size, &f.Filename, &f.ContentType, &f.UploaderID, &f.BIN, &f.Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return f, apperr.New(apperr.NotFound, "no file %d", id)
	}
	return f, apperr.Wrap(err, "file")
}

// Attachable implements convo.Files: only the uploader attaches a file,
// and only one that passed the scan (or was stored with scanning off).
func (s *Service) Attachable(ctx context.Context, tx *sql.Tx, by auth.Principal, id int64) error {
	f, err := s.file(ctx, tx, id)
	if err != nil || f.UploaderID != by.ID {
		return &apperr.Error{Code: apperr.Invalid, Message: "validation failed",
			Fields: map[string]string{"attachments": fmt.Sprintf("no file %d uploaded by you", id)}}
	}
	return nil
}

// mayRead: staff read every file; portal users those of their organization
// or attached to a (non-internal) message of their organization's appeal.
func (s *Service) mayRead(ctx context.Context, p auth.Principal, f File) (bool, error) {
	if !p.Role.PortalUser() {
		return auth.Allowed(p.Role, auth.PermIncidentRead), nil
	}
	var n int
	err := s.DB.R.QueryRowContext(ctx, Q.FileOfBin, f.ID, p.BIN, false).Scan(&n)
	return n > 0 && p.BIN != "", err
}

// Verdicts of an inbound attachment (mail_attachments.scan).
const (
	ScanClean     = "clean"
	ScanUnscanned = "unscanned"
)

// ScanVerdict scans r for inbound mail (Q26): "clean", "infected: SIG", or
// "unscanned" (scanning off, no scanner, or clamd failing: the appeal is
// registered anyway and the attachment is scanned again before it is
// served). It reads r to the end.
func (s *Service) ScanVerdict(ctx context.Context, r io.Reader) string {
	defer io.Copy(io.Discard, r)
	if s == nil || s.Scanner == nil {
		return ScanUnscanned
	}
	v, err := s.Scanner.Scan(ctx, r)
	switch {
	case err != nil:
		if s.Log != nil {
			s.Log.Error("inbound attachment not scanned", "error", err.Error())
		}
		return ScanUnscanned
	case v.Infected:
		return "infected: " + v.Signature
	}
	return ScanClean
}

// Servable says whether an inbound attachment with verdict may be served,
// scanning content again when it was not scanned clean; the error is the
// message for the caller (422).
func (s *Service) Servable(ctx context.Context, verdict string, content io.Reader) error {
	if verdict != ScanClean {
		if s != nil && s.ScanOff {
			return nil
		}
		verdict = s.ScanVerdict(ctx, content)
	}
	switch {
	case verdict == ScanClean:
		return nil
	case verdict == ScanUnscanned:
		return apperr.New(apperr.Unprocessable, "the attachment has not been checked for viruses yet (no virus scanner answers); it is not served (Q26)")
	}
	return apperr.New(apperr.Unprocessable, "the attachment is %s and blocked (Q26)", verdict)
}

// Open reads a stored file for an outbox attachment (notify.FileOpener):
// a file that did not pass the virus scan is not sent, as it is not
// served (Q26).
func (s *Service) Open(ctx context.Context, id int64) (io.ReadCloser, string, string, error) {
	f, err := s.file(ctx, s.DB.R, id)
	if err != nil {
		return nil, "", "", err
	}
	if f.Scan != ScanClean && !s.ScanOff {
		return nil, "", "", fmt.Errorf("file %d is %s, not sent (Q26)", id, f.Scan)
	}
	r, err := os.Open(s.path(f.SHA256))
	if err != nil {
		return nil, "", "", err
	}
	return r, f.Filename, f.ContentType, nil
}
