package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"tenderdesk/internal/apperr"
)

// Issue 15: the errors that mean "the database is unavailable or full" are
// told from the rest, so the desk answers them 503 with Retry-After, and
// everything else keeps its code. The PostgreSQL dial and the SQLite full
// disk below are real errors of the real drivers, not hand-made ones.
func TestFaultClassifiesDatabaseUnavailability(t *testing.T) {
	// A port nobody listens on: the real pgx connect error.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	pg, err := sql.Open("pgx", withConnectTimeout("postgres://u:p@"+addr+"/db?sslmode=disable"))
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	refused := pg.PingContext(context.Background())
	if refused == nil {
		t.Fatal("a ping to a closed port succeeded")
	}

	full := sqliteFull(t)

	cases := []struct {
		name   string
		err    error
		fault  bool
		reason string
	}{
		{"pg connection refused", refused, true, "database unreachable: connection refused"},
		{"pg connection refused wrapped as internal", apperr.Wrap(fmt.Errorf("insert appeal: %w", refused), "insert appeal"), true, "database unreachable: connection refused"},
		{"pg 53100 disk full", &pgconn.PgError{Code: "53100"}, true, "database full"},
		{"pg 53300 too many connections", &pgconn.PgError{Code: "53300"}, true, "database out of resources"},
		{"pg 08006 connection failure", &pgconn.PgError{Code: "08006"}, true, "database unreachable"},
		{"pg 57P01 admin shutdown", &pgconn.PgError{Code: "57P01"}, true, "database shutting down or starting"},
		{"pg 57P03 cannot connect now", &pgconn.PgError{Code: "57P03"}, true, "database shutting down or starting"},
		{"pg 57014 query canceled is no fault", &pgconn.PgError{Code: "57014"}, false, ""},
		{"pg 23505 unique violation is no fault", &pgconn.PgError{Code: "23505"}, false, ""},
		{"sqlite full", full, true, "database full"},
		{"deadline acquiring a connection", fmt.Errorf("begin: %w", context.DeadlineExceeded), true, "database unreachable: timed out"},
		{"the client went away is no fault", context.Canceled, false, ""},
		{"a socket error of another service is no fault", &net.OpError{Op: "dial", Net: "unix", Err: errors.New("no such file")}, false, ""},
		{"no rows is no fault", sql.ErrNoRows, false, ""},
		{"nil", nil, false, ""},
	}
	for _, c := range cases {
		if got := IsFault(c.err); got != c.fault {
			t.Errorf("%s: IsFault = %v, want %v (%v)", c.name, got, c.fault, c.err)
			continue
		}
		f := Fault(c.err)
		if !c.fault {
			if f != c.err {
				t.Errorf("%s: Fault changed a non-fault: %v", c.name, f)
			}
			continue
		}
		var ae *apperr.Error
		if !errors.As(f, &ae) || ae.Code != apperr.Unavailable || ae.RetryAfter != RetryAfter || !errors.Is(f, c.err) {
			t.Errorf("%s: Fault = %#v, want Unavailable with RetryAfter %v wrapping the cause", c.name, f, RetryAfter)
		}
		if r := FaultReason(c.err); r != c.reason {
			t.Errorf("%s: FaultReason = %q, want %q", c.name, r, c.reason)
		}
	}
	// A domain answer that happens to wrap a fault keeps its own code.
	if f := Fault(&apperr.Error{Code: apperr.Conflict, Err: refused}); apperr.CodeOf(f) != apperr.Conflict {
		t.Errorf("a conflict became %s", apperr.CodeOf(f))
	}
}

// sqliteFull fills a real SQLite database capped by max_page_count and
// returns the driver's SQLITE_FULL.
func sqliteFull(t *testing.T) error {
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "full.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.W.ExecContext(ctx, "CREATE TABLE big (b BLOB)"); err != nil {
		t.Fatal(err)
	}
	var pages int
	if err := db.W.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := db.W.ExecContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", pages+2)); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		if _, err := db.W.ExecContext(ctx, "INSERT INTO big VALUES (zeroblob(4096))"); err != nil {
			if !strings.Contains(err.Error(), "full") {
				t.Fatalf("want SQLITE_FULL, got %v", err)
			}
			return err
		}
	}
	t.Fatal("the capped database never filled")
	return nil
}

// A PostgreSQL URL without connect_timeout gets ConnectTimeout, so a
// request meeting a dead server answers within seconds; a stated one is
// kept.
func TestPostgresURLGetsAConnectTimeout(t *testing.T) {
	got := withConnectTimeout("postgres://u:p@db:5432/td?sslmode=disable")
	if !strings.Contains(got, "connect_timeout=5") || !strings.Contains(got, "sslmode=disable") {
		t.Errorf("no default connect_timeout: %s", got)
	}
	if got := withConnectTimeout("postgres://db/td?connect_timeout=30"); got != "postgres://db/td?connect_timeout=30" {
		t.Errorf("a stated connect_timeout was changed: %s", got)
	}
	if ConnectTimeout != 5*time.Second {
		t.Errorf("ConnectTimeout = %v", ConnectTimeout)
	}
}
