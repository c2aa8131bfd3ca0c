package files

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/store"
	"tenderdesk/internal/web"
)

// The upload protocol is tus 1.0.0 core with the creation extension
// (https://tus.io/protocols/resumable-upload), written here on net/http
// rather than with tusd: the desk needs its own authentication, the part
// cap of Q8, the scan before storing, and its own store. tus-js-client
// speaks to it with chunkSize ≤ 20 MB. docs/uploads.md describes it.
const tusVersion = "1.0.0"

// PatchPattern is the route of parts; its body limit is PartMax.
const PatchPattern = "PATCH /api/v1/uploads/{id}"

// Mount adds the routes (documented in web/openapi.d/070-convo.json).
func (s *Service) Mount(w *web.Server) {
	w.Route("OPTIONS /api/v1/uploads", "", s.options)
	w.Route("POST /api/v1/uploads", auth.PermAppealRead, s.create)
	w.Route("HEAD /api/v1/uploads/{id}", auth.PermAppealRead, s.head)
	w.Route(PatchPattern, auth.PermAppealRead, s.patch)
	w.Route("GET /api/v1/files/{id}", auth.PermAppealRead, s.download)
}

func tusHeaders(w http.ResponseWriter) {
	w.Header().Set("Tus-Resumable", tusVersion)
	w.Header().Set("Cache-Control", "no-store")
}

func (s *Service) options(w http.ResponseWriter, r *http.Request) error {
	tusHeaders(w)
	w.Header().Set("Tus-Version", tusVersion)
	w.Header().Set("Tus-Extension", "creation")
	w.Header().Set("Tus-Max-Size", strconv.FormatInt(s.MaxSize, 10))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// metadata reads Upload-Metadata: "key base64,key base64".
func metadata(h string) map[string]string {
	out := map[string]string{}
	for _, kv := range strings.Split(h, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(kv), " ")
		if k == "" {
			continue
		}
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v))
		if err == nil {
			out[k] = string(b)
		}
	}
	return out
}

func cleanName(name string) string {
	name = strings.Map(func(r rune) rune { // control characters first: "..\x00" must not become ".."
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	name = filepath.Base(strings.ReplaceAll(strings.TrimSpace(name), "\\", "/"))
	if name == "." || name == ".." || name == "/" || name == "" {
		name = "file"
	}
	if r := []rune(name); len(r) > 200 {
		name = string(r[:200])
	}
	return name
}

func (s *Service) create(w http.ResponseWriter, r *http.Request) error {
	tusHeaders(w)
	if err := s.ready(); err != nil {
		return err
	}
	v := apperr.Validation{}
	length, err := strconv.ParseInt(r.Header.Get("Upload-Length"), 10, 64)
	if err != nil || length < 0 {
		v.Add("Upload-Length", "required: the file's size in bytes (tus creation; Upload-Defer-Length is not supported)")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if length > s.MaxSize {
		return apperr.New(apperr.TooLarge, "a file is at most %d MB; this one is %.1f MB", s.MaxSize>>20, float64(length)/(1<<20))
	}
	md := metadata(r.Header.Get("Upload-Metadata"))
	name := cleanName(md["filename"])
	ct := md["filetype"]
	if ct == "" || strings.ContainsAny(ct, "\r\n") || len(ct) > 100 {
		ct = "application/octet-stream"
	}
	p := web.Principal(r)
	id := newID()
	now := store.T(s.Now().UTC())
	if err := s.DB.Tx(r.Context(), func(tx *sql.Tx) error {
		_, err := tx.ExecContext(r.Context(), Q.InsertUpload, id, p.ID, p.BIN, name, ct, length, now)
		return err
	}); err != nil {
		return apperr.Wrap(err, "create upload")
	}
	if err := os.MkdirAll(filepath.Join(s.Dir, "partial"), 0o750); err != nil {
		return apperr.Wrap(err, "files directory")
	}
	f, err := os.OpenFile(s.partial(id), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return apperr.Wrap(err, "create upload")
	}
	f.Close()
	w.Header().Set("Location", "/api/v1/uploads/"+id)
	w.Header().Set("Upload-Offset", "0")
	w.WriteHeader(http.StatusCreated)
	return nil
}

func (s *Service) partial(id string) string { return filepath.Join(s.Dir, "partial", id) }

type upload struct {
	id, filename, contentType, bin, status, reason string
	user, length, received, fileID                 int64
}

// upload loads an upload of the caller; another's is "not found".
func (s *Service) upload(r *http.Request) (upload, error) {
	var u upload
	id := r.PathValue("id")
	err := s.DB.R.QueryRowContext(r.Context(), Q.Upload, id).Scan(&u.id, &u.user, &u.bin, &u.filename, &u.contentType,
		&u.length, &u.received, &u.status, &u.reason, &u.fileID)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && u.user != web.Principal(r).ID) {
		return u, apperr.New(apperr.NotFound, "no upload %q of yours", id)
	}
	return u, apperr.Wrap(err, "upload")
}

func (s *Service) head(w http.ResponseWriter, r *http.Request) error {
	tusHeaders(w)
	u, err := s.upload(r)
	if err != nil {
		return err
	}
	w.Header().Set("Upload-Offset", strconv.FormatInt(u.received, 10))
	w.Header().Set("Upload-Length", strconv.FormatInt(u.length, 10))
	if u.fileID != 0 {
		w.Header().Set("Upload-File-Id", strconv.FormatInt(u.fileID, 10))
	}
	if u.status == "infected" {
		return apperr.New(apperr.Unprocessable, "the file was blocked: %s (Q26)", u.reason)
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// ParsePart reads the headers of a part (tus PATCH): its offset, after
// checking the content type and that the part is at most PartMax (Q8; a
// chunked body without Content-Length is capped while it streams).
func ParsePart(h http.Header, contentLength int64) (offset int64, err error) {
	if ct := h.Get("Content-Type"); ct != "application/offset+octet-stream" {
		return 0, apperr.New(apperr.Unsupported, "a part is sent as Content-Type: application/offset+octet-stream, not %q", ct)
	}
	if contentLength > PartMax {
		return 0, apperr.New(apperr.TooLarge, "a part is at most 20 MB (Q8); this one is %.1f MB: send the file in smaller parts", float64(contentLength)/(1<<20))
	}
	v := strings.TrimSpace(h.Get("Upload-Offset"))
	off, err := strconv.ParseInt(v, 10, 64)
	if err != nil || off < 0 || (len(v) > 1 && v[0] == '+') {
		return 0, &apperr.Error{Code: apperr.Invalid, Message: "validation failed", Fields: map[string]string{"Upload-Offset": "required: the offset this part starts at, in bytes"}}
	}
	return off, nil
}

// patch appends one part. The part is streamed to the partial file; what
// arrived before an interruption is kept (fsynced and recorded), so the
// client resumes from the offset HEAD gives.
func (s *Service) patch(w http.ResponseWriter, r *http.Request) error {
	tusHeaders(w)
	if err := s.ready(); err != nil {
		return err
	}
	off, err := ParsePart(r.Header, r.ContentLength)
	if err != nil {
		return err
	}
	u, err := s.upload(r)
	if err != nil {
		return err
	}
	if u.status != "open" {
		return apperr.New(apperr.Conflict, "upload %s is finished (%s)", u.id, u.status)
	}
	if off != u.received {
		w.Header().Set("Upload-Offset", strconv.FormatInt(u.received, 10))
		return apperr.New(apperr.Conflict, "Upload-Offset %d does not match the %d bytes received; resume from %d (HEAD)", off, u.received, u.received)
	}
	// A 20 MB part over a slow line outlasts the server's 60 s read timeout.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(15 * time.Minute))
	f, err := os.OpenFile(s.partial(u.id), os.O_WRONLY, 0)
	if err != nil {
		return apperr.Wrap(err, "open upload")
	}
	defer f.Close()
	if err := f.Truncate(off); err != nil { // drop bytes of a part that was never recorded
		return apperr.Wrap(err, "upload")
	}
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return apperr.Wrap(err, "upload")
	}
	n, rerr := io.Copy(f, io.LimitReader(r.Body, PartMax+1))
	if n > PartMax || off+n > u.length {
		_ = f.Truncate(off)
		if n > PartMax {
			return apperr.New(apperr.TooLarge, "a part is at most 20 MB (Q8): send the file in smaller parts")
		}
		return apperr.New(apperr.TooLarge, "the part goes past the declared Upload-Length %d", u.length)
	}
	if err := f.Sync(); err != nil {
		return apperr.Wrap(err, "upload")
	}
	got := off + n
	now := s.Now().UTC()
	// Recorded even when the client has gone: that is what resuming needs.
	rctx := context.WithoutCancel(r.Context())
	if err := s.DB.Tx(rctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(rctx, Q.UploadProgress, u.id, got, store.T(now))
		return err
	}); err != nil {
		return apperr.Wrap(err, "record upload")
	}
	if rerr != nil {
		// Interrupted: what arrived is kept; the client resumes from got.
		return apperr.New(apperr.Invalid, "the part was interrupted after %d bytes; resume from offset %d", n, got)
	}
	w.Header().Set("Upload-Offset", strconv.FormatInt(got, 10))
	if got < u.length {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	f.Close()
	id, err := s.finish(r, u)
	if err != nil {
		return err
	}
	w.Header().Set("Upload-File-Id", strconv.FormatInt(id, 10))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// finish scans the complete upload and stores it; an infected file is
// blocked, the uploader told why, and the event audited (Q26).
func (s *Service) finish(r *http.Request, u upload) (int64, error) {
	return s.finishAs(r.Context(), web.Principal(r), web.ClientAddr(r), u)
}

func (s *Service) finishAs(ctx context.Context, p auth.Principal, addr string, u upload) (int64, error) {
	actor := p.Actor(addr)
	sha, size, scan, v, err := s.scanAndStore(ctx, s.partial(u.id))
	if err != nil {
		return 0, err
	}
	now := s.Now().UTC()
	if v.Infected {
		reason := "infected: " + v.Signature
		err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, Q.UploadDone, u.id, "infected", reason, nil, store.T(now)); err != nil {
				return err
			}
			_, err := audit.Append(ctx, tx, s.DB.Dialect, now, actor, audit.Entry{Action: "file.blocked", ObjectType: "upload", ObjectID: u.id,
				After: map[string]any{"filename": u.filename, "size": size, "signature": v.Signature, "rule": "Q26"}})
			return err
		})
		if err != nil {
			return 0, apperr.Wrap(err, "record blocked file")
		}
		s.Log.Warn("infected upload blocked", "upload", u.id, "user", p.Login, "signature", v.Signature)
		return 0, apperr.New(apperr.Unprocessable, "the file %q is infected (%s) and was blocked; it is not attached (Q26)", u.filename, v.Signature)
	}
	var id int64
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, Q.InsertFile, sha, size, u.filename, u.contentType, u.user, u.bin, scan, store.T(now)).Scan(&id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, Q.UploadDone, u.id, "done", "", id, store.T(now)); err != nil {
			return err
		}
		_, err := audit.Append(ctx, tx, s.DB.Dialect, now, actor, audit.Entry{Action: "file.upload", ObjectType: "file", ObjectID: strconv.FormatInt(id, 10),
			After: map[string]any{"filename": u.filename, "size": size, "sha256": sha, "scan": scan}})
		return err
	})
	return id, apperr.Wrap(err, "record file")
}

func (s *Service) download(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return apperr.New(apperr.NotFound, "no file %q", r.PathValue("id"))
	}
	f, err := s.file(r.Context(), s.DB.R, id)
	if err != nil {
		return err
	}
	ok, err := s.mayRead(r.Context(), web.Principal(r), f)
	if err != nil {
		return apperr.Wrap(err, "file access")
	}
	if !ok {
		return apperr.New(apperr.NotFound, "no file %d", id) // the same answer as for a file that does not exist
	}
	fh, err := os.Open(s.path(f.SHA256))
	if err != nil {
		return apperr.Wrap(err, "open stored file")
	}
	defer fh.Close()
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(f.Filename))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Length", strconv.FormatInt(f.Size, 10))
	w.Header().Set("Digest", "sha-256="+f.SHA256)
	_, err = io.Copy(w, fh)
	return err
}
