package files

import (
	"context"
	"database/sql"
	"io"
	"os"
	"path/filepath"
	"strings"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/store"
)

// Put stores one file sent whole (the cabinet's form without JavaScript):
// at most one part (PartMax, Q8), recorded as an upload and scanned exactly
// as a tus upload's last part is (Q26). It returns the file's id; an
// infected file is blocked with the same message.
func (s *Service) Put(ctx context.Context, by auth.Principal, addr, name, contentType string, r io.Reader) (int64, error) {
	if err := s.ready(); err != nil {
		return 0, err
	}
	name = cleanName(name)
	if contentType == "" || strings.ContainsAny(contentType, "\r\n") || len(contentType) > 100 {
		contentType = "application/octet-stream"
	}
	if err := os.MkdirAll(filepath.Join(s.Dir, "partial"), 0o750); err != nil {
		return 0, apperr.Wrap(err, "files directory")
	}
	id := newID()
	f, err := os.OpenFile(s.partial(id), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return 0, apperr.Wrap(err, "create upload")
	}
	n, err := io.Copy(f, io.LimitReader(r, PartMax+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > PartMax {
		err = apperr.New(apperr.TooLarge, "a file sent with the form is at most 20 MB (Q8); larger files are sent in parts (with JavaScript on)")
	}
	if err != nil {
		_ = os.Remove(s.partial(id))
		return 0, apperr.Wrap(err, "upload")
	}
	now := store.T(s.Now().UTC())
	if err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, Q.InsertUpload, id, by.ID, by.BIN, name, contentType, n, now); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, Q.UploadProgress, id, n, now)
		return err
	}); err != nil {
		_ = os.Remove(s.partial(id))
		return 0, apperr.Wrap(err, "record upload")
	}
	return s.finishAs(ctx, by, addr, upload{id: id, filename: name, contentType: contentType, bin: by.BIN, status: "open",
		user: by.ID, length: n, received: n})
}
