// Package backup takes a consistent online copy of a running SQLite desk —
// the database and its file store — and brings one back (issue 15).
//
// The database is copied with VACUUM INTO: it reads inside one read
// transaction of the WAL, so the copy is the database as of one commit and
// the desk's writer never waits for it. The file store is content-addressed
// (files/<2 hex>/<sha256>) and a file is written before the row naming it
// commits, so files copied after the snapshot include every file the copy
// references; each is checked against its name while copying.
package backup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/files"
	"tenderdesk/internal/store"
)

// DBFile is the database's name in a backup and in a data directory.
const DBFile = "tenderdesk.db"

// Manifest is written last into a backup: a backup without one is incomplete.
type Manifest struct {
	TakenAt      time.Time `json:"taken_at"`
	Source       string    `json:"source"`
	DBBytes      int64     `json:"db_bytes"`
	Files        int       `json:"files"`
	FileBytes    int64     `json:"file_bytes"`
	AuditRecords int64     `json:"audit_records"`
	Appeals      int64     `json:"appeals"`
}

// Take copies the SQLite desk at dataDir (its files in filesDir, "" for
// dataDir/files) into the empty or new directory to, then checks the copy:
// SQLite's integrity check and the audit chain (audit verify).
func Take(ctx context.Context, dataDir, filesDir, to string, now func() time.Time) (Manifest, error) {
	if filesDir == "" {
		filesDir = filepath.Join(dataDir, "files")
	}
	src := filepath.Join(dataDir, DBFile)
	if _, err := os.Stat(src); err != nil {
		return Manifest{}, fmt.Errorf("no SQLite desk at %s: %w", dataDir, err)
	}
	if err := emptyDir(to); err != nil {
		return Manifest{}, err
	}
	db, err := store.Open(ctx, dataDir)
	if err != nil {
		return Manifest{}, err
	}
	dst := filepath.Join(to, DBFile)
	// VACUUM INTO takes a file name literal, not a parameter.
	_, err = db.W.ExecContext(ctx, "VACUUM INTO '"+strings.ReplaceAll(dst, "'", "''")+"'")
	db.Close()
	if err != nil {
		return Manifest{}, fmt.Errorf("copy the database: %w", err)
	}
	m := Manifest{TakenAt: now().UTC(), Source: dataDir}
	if st, err := os.Stat(dst); err == nil {
		m.DBBytes = st.Size()
	}
	if m.Files, m.FileBytes, err = files.CopyStore(filesDir, filepath.Join(to, "files")); err != nil {
		return m, err
	}
	if m.AuditRecords, m.Appeals, err = Check(ctx, to); err != nil {
		return m, fmt.Errorf("the copy does not check: %w", err)
	}
	j, _ := json.MarshalIndent(m, "", "  ")
	return m, os.WriteFile(filepath.Join(to, "manifest.json"), append(j, '\n'), 0o640)
}

// Restore copies the backup in from into the data directory to (its files
// into to/files). A directory holding a desk is overwritten only with force.
func Restore(ctx context.Context, from, to string, force bool) (Manifest, error) {
	var m Manifest
	raw, err := os.ReadFile(filepath.Join(from, "manifest.json"))
	if err != nil {
		return m, fmt.Errorf("%s is not a complete backup (no manifest.json): %w", from, err)
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return m, fmt.Errorf("manifest.json: %w", err)
	}
	if _, err := os.Stat(filepath.Join(to, DBFile)); err == nil && !force {
		return m, fmt.Errorf("%s already holds a desk; stop it and pass --force to overwrite", to)
	}
	if err := os.MkdirAll(to, 0o750); err != nil {
		return m, err
	}
	for _, f := range []string{DBFile, DBFile + "-wal", DBFile + "-shm"} {
		if err := os.Remove(filepath.Join(to, f)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return m, err
		}
	}
	if err := files.CopyFile(filepath.Join(from, DBFile), filepath.Join(to, DBFile)); err != nil {
		return m, err
	}
	if _, _, err := files.CopyStore(filepath.Join(from, "files"), filepath.Join(to, "files")); err != nil {
		return m, err
	}
	if _, _, err := Check(ctx, to); err != nil {
		return m, fmt.Errorf("the restored desk does not check: %w", err)
	}
	return m, nil
}

// Check opens the desk at dir and runs SQLite's integrity check and the
// audit chain's verification; it returns the audit records and appeals.
func Check(ctx context.Context, dir string) (records, appeals int64, err error) {
	db, err := store.Open(ctx, dir)
	if err != nil {
		return 0, 0, err
	}
	defer db.Close()
	var ok string
	if err := db.R.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
		return 0, 0, fmt.Errorf("integrity check: %q %v", ok, err)
	}
	if records, err = audit.Verify(ctx, db); err != nil {
		return 0, 0, err
	}
	err = db.R.QueryRowContext(ctx, "SELECT COUNT(*) FROM appeals").Scan(&appeals)
	return records, appeals, err
}

func emptyDir(dir string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	if len(ents) > 0 {
		return fmt.Errorf("%s is not empty: a backup goes into a new directory", dir)
	}
	return nil
}
