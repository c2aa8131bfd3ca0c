package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/store"
)

// TestCheckpointsRunOffTheWriter: the writer's commits no longer copy the
// WAL into the database (its auto-checkpoint is only a safety net far above
// SQLite's 1,000 pages); the desk's own checkpointer does, from another
// connection, so a commit holds the writer for its own pages only (issue
// 12: a purge commit held it 321 ms at 10M audit records).
func TestCheckpointsRunOffTheWriter(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var pages int
	if err := db.W.QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if pages < 10000 {
		t.Fatalf("the writer checkpoints itself every %d pages", pages)
	}
	if _, err := db.W.ExecContext(ctx, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"); err != nil {
		t.Fatal(err)
	}
	// About 3,000 pages of WAL: past SQLite's default threshold, below ours.
	pad := strings.Repeat("x", 3000)
	for i := range 3000 {
		if _, err := db.W.ExecContext(ctx, "INSERT INTO t (v) VALUES ($1)", pad); err != nil {
			t.Fatalf("insert %d: %v", i, err)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for db.CheckpointedFrames() < 3000 {
		if time.Now().After(deadline) {
			t.Fatalf("after 30 s the checkpointer copied %d frames of ≥ 3,000 written", db.CheckpointedFrames())
		}
		time.Sleep(20 * time.Millisecond)
	}
	var n int
	if err := db.R.QueryRowContext(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil || n != 3000 {
		t.Fatalf("rows read back: %d, %v", n, err)
	}
}
