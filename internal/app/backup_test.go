package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/backup"
	"tenderdesk/internal/config"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/store"
)

// A backup of a running SQLite desk (issue 15) is taken while appeals keep
// being registered: it restores to a desk whose audit chain verifies and
// that holds every appeal acknowledged before the backup began, and every
// stored file.
func TestBackupWhileRegistering(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	files := filepath.Join(data, "files")
	d := boot(t, data, func(c *config.Config) { c.FilesDir = files })
	ctx := context.Background()
	register := func(i int) (string, error) {
		at := time.Now()
		reg, err := d.App.Journal.Register(ctx, journal.Caller{Actor: audit.System}, journal.NewAppeal{Channel: "email", ReceivedAt: &at,
			Organization: "ТОО «Пример»", ContactEmail: fmt.Sprintf("u%d@example.kz", i), Description: "Не подписывается договор"}, "")
		return reg.Number, err
	}
	var before []string
	for i := range 50 {
		n, err := register(i)
		if err != nil {
			t.Fatal(err)
		}
		before = append(before, n)
	}
	body := []byte("копия письма")
	sum := sha256.Sum256(body)
	sha := hex.EncodeToString(sum[:])
	if err := os.MkdirAll(filepath.Join(files, sha[:2]), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(files, sha[:2], sha), body, 0o640); err != nil {
		t.Fatal(err)
	}

	// Registration goes on during the backup, from four writers.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	during := 0
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := register(1000*(w+1) + i); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				during++
				mu.Unlock()
			}
		})
	}
	to := filepath.Join(t.TempDir(), "backup")
	m, err := backup.Take(ctx, data, "", to, time.Now)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if m.Appeals < int64(len(before)) || m.Files < 1 || m.AuditRecords == 0 {
		t.Errorf("manifest %+v: want ≥ %d appeals, the stored file, audit records", m, len(before))
	}
	t.Logf("backup: %d appeals, %d audit records, %d files; %d appeals registered while it ran", m.Appeals, m.AuditRecords, m.Files, during)

	restored := filepath.Join(t.TempDir(), "restored")
	if _, err := backup.Restore(ctx, to, restored, false); err != nil {
		t.Fatal(err)
	}
	if _, err := backup.Restore(ctx, to, restored, false); err == nil {
		t.Error("restore over a desk without --force succeeded")
	}
	db, err := store.Open(ctx, restored)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := audit.Verify(ctx, db); err != nil {
		t.Errorf("audit verify on the restored desk: %v", err)
	}
	for _, n := range before {
		var one int
		if err := db.R.QueryRowContext(ctx, "SELECT 1 FROM appeals WHERE number = $1", n).Scan(&one); err != nil {
			t.Errorf("appeal %s acknowledged before the backup is missing: %v", n, err)
		}
	}
	if got, err := os.ReadFile(filepath.Join(restored, "files", sha[:2], sha)); err != nil || string(got) != string(body) {
		t.Errorf("stored file not restored: %v", err)
	}
	if _, err := os.Stat(filepath.Join(restored, "files", ".outbox-secret.key")); err != nil {
		t.Errorf("the outbox key was not restored with the files: %v", err)
	}
}

// A backup refuses a directory that is not empty, and a file whose bytes
// no longer match its name fails the backup instead of being copied.
func TestBackupRefusesBadInput(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	files := filepath.Join(data, "files")
	boot(t, data, func(c *config.Config) { c.FilesDir = files })
	ctx := context.Background()
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "x"), nil, 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := backup.Take(ctx, data, "", full, time.Now); err == nil {
		t.Error("backup into a non-empty directory succeeded")
	}
	sha := fmt.Sprintf("%064x", 1)
	if err := os.MkdirAll(filepath.Join(files, sha[:2]), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(files, sha[:2], sha), []byte("not what the name says"), 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := backup.Take(ctx, data, "", filepath.Join(t.TempDir(), "b"), time.Now); err == nil {
		t.Error("a corrupted stored file was backed up without complaint")
	}
}
