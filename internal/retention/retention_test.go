package retention_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/files"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/retention"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

// E20–E21 as a table: the pure rule.
func TestRecordingDue_E20_E21(t *testing.T) {
	rec := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	year := rec.AddDate(1, 0, 0)
	for _, c := range []struct {
		name              string
		dispute, resolved time.Time
		now               time.Time
		due               bool
	}{
		{"E20–E21 a day before the year", time.Time{}, time.Time{}, year.Add(-24 * time.Hour), false},
		{"E20–E21 at the year", time.Time{}, time.Time{}, year, true},
		{"E20–E21 open dispute keeps it past the year", rec.AddDate(0, 6, 0), time.Time{}, year.AddDate(2, 0, 0), false},
		{"E20–E21 dispute resolved before the year: the year still ends it", rec.AddDate(0, 2, 0), rec.AddDate(0, 3, 0), year, true},
		{"E20–E21 dispute resolved after the year: kept until resolved", rec.AddDate(0, 11, 0), year.AddDate(0, 2, 0), year.AddDate(0, 1, 0), false},
		{"E20–E21 dispute resolved after the year: due at the resolution", rec.AddDate(0, 11, 0), year.AddDate(0, 2, 0), year.AddDate(0, 2, 0), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, why := retention.RecordingDue(retention.Recording{RecordedAt: rec, DisputeAt: c.dispute, ResolvedAt: c.resolved}, c.now)
			if got != c.due {
				t.Fatalf("due = %v (%s), want %v", got, why, c.due)
			}
		})
	}
}

func TestTermsValidate_E34(t *testing.T) {
	if err := (retention.Terms{AccessLogYears: 3, AuditYears: 2}).Validate(); err == nil {
		t.Fatal("an audit term under 3 years (E34) was accepted")
	}
	if err := retention.DefaultTerms.Validate(); err != nil {
		t.Fatal(err)
	}
}

// E20–E21 with the injected clock on both backends: a recording of a
// closed appeal is gone after a year (its bytes deleted, the file row
// removed) and the destruction recorded; one with an open dispute stays
// until the dispute is resolved; the audit chain still verifies.
func TestRecordingsDestroyedOnTime_E20_E21(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var clk atomic.Int64
		t0 := time.Date(2025, 3, 3, 5, 0, 0, 0, time.UTC)
		clk.Store(t0.UnixNano())
		now := func() time.Time { return time.Unix(0, clk.Load()).UTC() }
		set := func(t time.Time) { clk.Store(t.UnixNano()) }
		almaty, _ := time.LoadLocation("Asia/Almaty")
		j := journal.New(db, now, almaty, func(string, time.Time) (string, error) { return "kz-quasi@2021", nil }, nil)
		t.Cleanup(j.Close)
		by := audit.Actor{Login: "op", Role: "operator"}
		reg := func(channel string) string {
			at := now().Add(-time.Minute)
			n := journal.NewAppeal{Channel: channel, ReceivedAt: &at, ContactPhone: "+7 701 000 0000", Description: "сбой при подаче заявки"}
			if channel == "email" {
				n.ContactEmail = "a@example.kz"
			}
			r, err := j.Register(ctx, journal.Caller{Actor: by}, n, "")
			if err != nil {
				t.Fatal(err)
			}
			return r.Number
		}
		dir := t.TempDir()
		fs := files.New(db, dir, nil, true, 1<<20, now, slog.New(slog.DiscardHandler))
		file := func(content string) (int64, string) {
			sum := sha256.Sum256([]byte(content))
			sha := hex.EncodeToString(sum[:])
			p := fs.ContentPath(sha)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			var id int64
			if err := db.W.QueryRowContext(ctx, "INSERT INTO files (sha256, size, filename, content_type, bin, scan, created_at) VALUES ($1, $2, $3, 'audio/ogg', '', 'clean', $4) RETURNING id",
				sha, len(content), "call.ogg", store.T(now())).Scan(&id); err != nil {
				t.Fatal(err)
			}
			return id, p
		}
		rs := &retention.Service{DB: db, Now: now, Terms: retention.DefaultTerms, ContentPath: fs.ContentPath, Batch: 100}
		closed, disputed, mail := reg("phone"), reg("phone"), reg("email")
		f1, p1 := file("RIFF closed appeal call")
		f2, p2 := file("RIFF disputed appeal call")
		f3, _ := file("RIFF e-mail")
		if _, err := rs.AttachRecording(ctx, by, closed, f1, t0); err != nil {
			t.Fatal(err)
		}
		if _, err := rs.AttachRecording(ctx, by, disputed, f2, t0); err != nil {
			t.Fatal(err)
		}
		if _, err := rs.AttachRecording(ctx, by, mail, f3, t0); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("a recording on an e-mail appeal: %v", err)
		}
		set(t0.AddDate(0, 5, 0))
		if err := rs.Dispute(ctx, by, disputed, true, ""); err != nil {
			t.Fatal(err)
		}

		set(t0.AddDate(1, 0, 0).Add(-time.Hour))
		rep, err := rs.Run(ctx)
		if err != nil || rep.RecordingsDestroyed != 0 {
			t.Fatalf("before the year: %+v %v", rep, err)
		}
		set(t0.AddDate(1, 0, 0))
		if rep, err = rs.Run(ctx); err != nil || rep.RecordingsDestroyed != 1 || rep.RecordingsKept != 1 {
			t.Fatalf("at the year: %+v %v", rep, err)
		}
		if _, err := os.Stat(p1); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("the closed appeal's recording bytes are still on disk: %v", err)
		}
		if _, err := os.Stat(p2); err != nil {
			t.Fatalf("the disputed recording was deleted: %v", err)
		}
		var n int
		if err := db.R.QueryRowContext(ctx, "SELECT count(*) FROM files WHERE id = $1", f1).Scan(&n); err != nil || n != 0 {
			t.Fatalf("file row of the destroyed recording: %d %v", n, err)
		}
		ds, err := rs.Destructions(ctx, 10)
		if err != nil || len(ds) != 1 || ds[0].Rule != retention.RuleRecordings || !ds[0].At.Equal(t0.AddDate(1, 0, 0)) {
			t.Fatalf("destruction log %+v %v", ds, err)
		}
		t.Log(ds[0].Detail)

		set(t0.AddDate(2, 0, 0))
		if rep, _ = rs.Run(ctx); rep.RecordingsDestroyed != 0 {
			t.Fatal("the recording under an open dispute was destroyed")
		}
		if err := rs.Dispute(ctx, by, disputed, false, ""); err != nil {
			t.Fatal(err)
		}
		if rep, _ = rs.Run(ctx); rep.RecordingsDestroyed != 1 {
			t.Fatalf("after the dispute was resolved: %+v", rep)
		}
		if _, err := os.Stat(p2); !errors.Is(err, os.ErrNotExist) {
			t.Fatal("resolved dispute's recording still on disk")
		}
		recs, err := rs.Recordings(ctx, disputed)
		if err != nil || len(recs) != 1 || recs[0].Destroyed.IsZero() {
			t.Fatalf("%+v %v", recs, err)
		}
		if _, err := audit.Verify(ctx, db); err != nil {
			t.Fatal(err)
		}
		hist, _ := audit.ForObject(ctx, db, "appeal", closed)
		found := false
		for _, r := range hist {
			found = found || r.Action == "retention.destroy"
		}
		if !found {
			t.Fatalf("no retention.destroy in the appeal's audit: %+v", hist)
		}
	})
}

// E32–E33 terms and what the Journal keeps: the purge's rule.
func TestKeep_E32_E33_E34(t *testing.T) {
	now := time.Date(2030, 6, 1, 0, 0, 0, 0, time.UTC)
	terms := retention.Terms{AccessLogYears: 1, AuditYears: 3}
	for _, c := range []struct {
		action, object string
		age            time.Duration
		keep           bool
	}{
		{"session.login", "user", 400 * 24 * time.Hour, false},         // E33: access log past its (configured) 1 year
		{"session.login", "user", 300 * 24 * time.Hour, true},          // within it
		{"appeal.register", "appeal", 10 * 365 * 24 * time.Hour, true}, // the Journal keeps its history
		{"incident.confirm", "incident", 10 * 365 * 24 * time.Hour, true},
		{"user.role", "user", 10 * 365 * 24 * time.Hour, true}, // E34 role changes
		{"kb.edit", "kb", 2 * 365 * 24 * time.Hour, true},      // other audit: 3 years
		{"kb.edit", "kb", 4 * 365 * 24 * time.Hour, false},
		// E32–E33: a read of an appeal's personal data is the access log's,
		// not the appeal's history: it goes with the access-log term.
		{audit.ActionRead, "appeal", 400 * 24 * time.Hour, false},
		{audit.ActionRead, "appeal", 300 * 24 * time.Hour, true},
		{audit.ActionRead, "user", 400 * 24 * time.Hour, false},
	} {
		r := audit.Record{Action: c.action, ObjectType: c.object, At: now.Add(-c.age)}
		if got := terms.Keep(r, now); got != c.keep {
			t.Errorf("%s on %s aged %v: keep = %v, want %v", c.action, c.object, c.age, got, c.keep)
		}
	}
}
