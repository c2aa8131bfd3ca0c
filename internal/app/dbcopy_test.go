package app_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/app"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/config"
	"tenderdesk/internal/dbcopy"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

// movedDesk is a stopped SQLite desk built with the app's own services:
// appeals on incidents (one taken into analysis), a user, an uploaded file.
type movedDesk struct {
	data, files string
	fileID      int64
	fileBody    []byte
	numbers     map[string]bool // appeal numbers
}

func buildSQLiteDesk(t *testing.T, appeals int) movedDesk {
	t.Helper()
	m := movedDesk{data: filepath.Join(t.TempDir(), "data"), numbers: map[string]bool{}}
	m.files = filepath.Join(m.data, "files")
	d, stop := bootStoppable(t, m.data, func(c *config.Config) { c.Clamd, c.FilesDir = "off", m.files })
	defer stop()
	ctx := context.Background()
	var firstIncident int64
	for i := range appeals {
		at := time.Now()
		reg, err := d.App.Journal.Register(ctx, journal.Caller{Actor: audit.System}, journal.NewAppeal{Channel: "email", ReceivedAt: &at,
			Organization: "ТОО «Пример»", ContactEmail: fmt.Sprintf("u%d@example.kz", i), Description: "Не подписывается договор №" + strconv.Itoa(i)}, "")
		if err != nil {
			t.Fatal(err)
		}
		m.numbers[reg.Number] = true
		if firstIncident == 0 {
			firstIncident = reg.IncidentID
		}
	}
	if _, err := d.App.Journal.Transition(ctx, audit.System, firstIncident, journal.TransitionInput{Action: journal.ActAnalyse}); err != nil {
		t.Fatal(err)
	}
	tok := d.user("operator1", auth.RoleOperator, "", "")
	_ = tok
	m.fileBody = randomBytes(70_000, 15)
	id, r := d.upload(d.Admin, "скан.png", m.fileBody, 1<<20)
	if id == 0 {
		t.Fatalf("upload: %v", r)
	}
	m.fileID = id
	return m
}

// sqliteCounts counts every table of the stopped SQLite desk.
func sqliteCounts(t *testing.T, data string) map[string]int64 {
	t.Helper()
	db, err := store.Open(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return counts(t, db, "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite%' AND name <> 'schema_migrations'")
}

func pgCounts(t *testing.T, dsn string) map[string]int64 {
	t.Helper()
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return counts(t, db, `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()
		AND table_type = 'BASE TABLE' AND table_name NOT LIKE 'dbcopy%' AND table_name <> 'schema_migrations'`)
}

func counts(t *testing.T, db *store.DB, list string) map[string]int64 {
	t.Helper()
	rows, err := db.R.Query(list)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	rows.Close()
	out := map[string]int64{}
	for _, n := range names {
		var c int64
		if err := db.R.QueryRow(`SELECT COUNT(*) FROM "` + n + `"`).Scan(&c); err != nil {
			t.Fatal(err)
		}
		out[n] = c
	}
	return out
}

// sameRows fails unless every SQLite table has as many rows in PostgreSQL.
func sameRows(t *testing.T, src, dst map[string]int64) {
	t.Helper()
	for n, c := range src {
		if dst[n] != c {
			t.Errorf("table %s: %d rows in SQLite, %d in PostgreSQL", n, c, dst[n])
		}
	}
}

// Issue 15, moving over: a SQLite desk copied with db copy runs on
// PostgreSQL with the same rows, an intact audit chain, its files, and
// numbering that continues (a new appeal takes the next number; new rows
// take new ids). A second run says the copy is done and does nothing.
func TestDBCopyMovesADesk(t *testing.T) {
	pg := storetest.PostgresURL(t)
	m := buildSQLiteDesk(t, 12)
	want := sqliteCounts(t, m.data)
	filesTo := filepath.Join(t.TempDir(), "pg-files")
	at := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	ctx := context.Background()
	res, err := dbcopy.Copy(ctx, dbcopy.Options{From: m.data, To: pg, FilesTo: filesTo, Batch: 5, Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	if res.AlreadyDone || res.Resumed || !res.FinishedAt.Equal(at) || res.Files == 0 || res.AuditRecords == 0 {
		t.Fatalf("result %+v", res)
	}
	sameRows(t, want, pgCounts(t, pg))
	if want["appeals"] != 12 || want["audit_log"] == 0 || want["files"] != 1 {
		t.Fatalf("the source desk is not what the test built: %v", want)
	}

	again, err := dbcopy.Copy(ctx, dbcopy.Options{From: m.data, To: pg, FilesTo: filesTo})
	if err != nil || !again.AlreadyDone || !again.FinishedAt.Equal(at) {
		t.Fatalf("second run: %+v %v", again, err)
	}

	target, err := store.Open(ctx, pg)
	if err != nil {
		t.Fatal(err)
	}
	n, err := audit.Verify(ctx, target)
	target.Close()
	if err != nil || n != res.AuditRecords {
		t.Fatalf("audit verify on PostgreSQL: %d %v (copy said %d)", n, err, res.AuditRecords)
	}
	d := boot(t, pg, func(c *config.Config) { c.Clamd, c.FilesDir = "off", filesTo })
	var maxSeq int64
	year := 0
	for n := range m.numbers {
		y, s, _ := strings.Cut(n, "-")
		seq, _ := strconv.ParseInt(s, 10, 64)
		year, _ = strconv.Atoi(y)
		maxSeq = max(maxSeq, seq)
	}
	now := time.Now()
	reg, err := d.App.Journal.Register(ctx, journal.Caller{Actor: audit.System}, journal.NewAppeal{Channel: "phone", ReceivedAt: &now,
		Organization: "ТОО «Пример»", ContactPhone: "+77010000000", Description: "После переезда"}, "")
	if err != nil {
		t.Fatalf("a new appeal on the moved desk: %v", err)
	}
	if m.numbers[reg.Number] {
		t.Fatalf("the new appeal took a number the desk already gave: %s", reg.Number)
	}
	if now.Year() == year {
		if wantNum := fmt.Sprintf("%d-%0*d", year, len(strings.SplitN(reg.Number, "-", 2)[1]), maxSeq+1); reg.Number != wantNum {
			t.Errorf("new appeal %s, want the next number %s", reg.Number, wantNum)
		}
	}
	d.user("operator2", auth.RoleOperator, "", "") // users' identity continues past the copied ids
	body := randomBytes(3_000, 16)
	if id, r := d.upload(d.Admin, "второй.png", body, 1<<20); id <= m.fileID {
		t.Errorf("new file id %d after copied %d: %v", id, m.fileID, r)
	}
	got := d.req("GET", "/api/v1/files/"+strconv.FormatInt(m.fileID, 10), d.Admin, nil)
	if got.Status != http.StatusOK || !bytes.Equal(got.Raw, m.fileBody) {
		t.Fatalf("the copied file: %d, %d bytes (want %d)", got.Status, len(got.Raw), len(m.fileBody))
	}
	if n, err := audit.Verify(ctx, d.App.DB); err != nil || n <= res.AuditRecords {
		t.Fatalf("audit verify after new work: %d %v", n, err)
	}
}

// An interrupted copy (stopped after some batches, as a crash or ^C would)
// leaves a target the desk refuses to start on; the next run continues
// where it stopped and ends with the same rows and an intact chain.
func TestDBCopyResumes(t *testing.T) {
	pg := storetest.PostgresURL(t)
	m := buildSQLiteDesk(t, 9)
	want := sqliteCounts(t, m.data)
	filesTo := filepath.Join(t.TempDir(), "pg-files")
	ctx := context.Background()
	stopAt := errors.New("injected failure")
	var seen int64
	var stoppedIn string
	_, err := dbcopy.Copy(ctx, dbcopy.Options{From: m.data, To: pg, FilesTo: filesTo, Batch: 4, Progress: func(table string, copied, total int64) error {
		seen += 4
		if seen >= 40 {
			stoppedIn = table
			return stopAt
		}
		return nil
	}})
	if !errors.Is(err, stopAt) {
		t.Fatalf("interrupted copy: %v", err)
	}
	cfg := config.MustParse(map[string]string{"db": pg, "log-level": "error"})
	cfg.FilesDir = filesTo
	if a, err := app.Open(ctx, cfg, slog.New(slog.NewJSONHandler(io.Discard, nil))); err == nil || !strings.Contains(err.Error(), "unfinished db copy") {
		if a != nil {
			a.Close()
		}
		t.Fatalf("the desk started on a half copy: %v", err)
	}
	// the rows so far are in, each once, up to the progress record
	db, err := sql.Open("pgx", pg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var recorded, have int64
	if err := db.QueryRow("SELECT rows FROM dbcopy_progress WHERE table_name = $1", stoppedIn).Scan(&recorded); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT COUNT(*) FROM "` + stoppedIn + `"`).Scan(&have); err != nil || have != recorded || have == 0 {
		t.Fatalf("%s: %d rows, progress says %d (%v)", stoppedIn, have, recorded, err)
	}

	res, err := dbcopy.Copy(ctx, dbcopy.Options{From: m.data, To: pg, FilesTo: filesTo, Batch: 4})
	if err != nil || !res.Resumed {
		t.Fatalf("resumed copy: %+v %v", res, err)
	}
	sameRows(t, want, pgCounts(t, pg))
	d := boot(t, pg, func(c *config.Config) { c.Clamd, c.FilesDir = "off", filesTo })
	if _, err := audit.Verify(ctx, d.App.DB); err != nil {
		t.Fatalf("audit verify after the resumed copy: %v", err)
	}
	got := d.req("GET", "/api/v1/files/"+strconv.FormatInt(m.fileID, 10), d.Admin, nil)
	if got.Status != http.StatusOK || !bytes.Equal(got.Raw, m.fileBody) {
		t.Fatalf("the copied file: %d", got.Status)
	}
}

// A target holding a desk of its own, or another source's unfinished copy,
// is refused with the problem named, and left as it was.
func TestDBCopyRefusesNonEmptyTarget(t *testing.T) {
	ctx := context.Background()
	m := buildSQLiteDesk(t, 2)

	used := storetest.PostgresURL(t)
	_, stop := bootStoppable(t, used) // a desk that ran on it: its administrator exists
	stop()
	_, err := dbcopy.Copy(ctx, dbcopy.Options{From: m.data, To: used, FilesTo: t.TempDir()})
	var ne *dbcopy.NotEmptyError
	if !errors.As(err, &ne) || !strings.Contains(err.Error(), "not empty") || ne.Table == "" {
		t.Fatalf("copy into a used database: %v", err)
	}
	if after := pgCounts(t, used); after["appeals"] != 0 || after["users"] == 0 {
		t.Fatalf("the refused target changed: %v", after)
	}

	// another desk's copy, unfinished, is not ours to continue
	other := buildSQLiteDesk(t, 3)
	half := storetest.PostgresURL(t)
	stopAt := errors.New("stop")
	if _, err := dbcopy.Copy(ctx, dbcopy.Options{From: other.data, To: half, FilesTo: t.TempDir(), Batch: 2,
		Progress: func(string, int64, int64) error { return stopAt }}); !errors.Is(err, stopAt) {
		t.Fatal(err)
	}
	if _, err := dbcopy.Copy(ctx, dbcopy.Options{From: m.data, To: half, FilesTo: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "another state") {
		t.Fatalf("continuing another source's copy: %v", err)
	}
}
