package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"reflect"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"tenderdesk/internal/apperr"
)

// RetryAfter is what a caller is told to wait when the database is
// unavailable (issue 15): long enough for a restarted PostgreSQL or a
// freed disk, short enough that nobody gives up.
const RetryAfter = 5 * time.Second

// ConnectTimeout is the connect_timeout a PostgreSQL URL gets when it has
// none: without it a request waits on a dead server for the kernel's TCP
// timeout (minutes) instead of answering 503.
const ConnectTimeout = 5 * time.Second

// IsFault reports whether err means the database is unavailable or full,
// rather than a bug or a refused statement: the connection is refused,
// reset or closed, the server is shutting down or out of resources, the
// disk is full, or no connection could be had in time. Such a request
// may succeed unchanged a few seconds later, so it is a 503, not a 500.
func IsFault(err error) bool {
	if err == nil {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch c := pe.Code; {
		case strings.HasPrefix(c, "08"): // connection exception
			return true
		case strings.HasPrefix(c, "53"): // insufficient resources: 53100 disk full, 53200 out of memory, 53300 too many connections
			return true
		case c == "57P01", c == "57P02", c == "57P03": // admin/crash shutdown, cannot connect now
			return true
		}
		// Any other SQLSTATE is the server answering: a statement's
		// problem, not the database's absence.
		return false
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff { // the primary code; extended codes keep it in the low byte
		case sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN:
			return true
		case sqlite3.SQLITE_BUSY:
			// Only returned once busy_timeout (10 s, see openSQLite) has
			// passed: another process holds the database.
			return true
		}
		return false
	}
	var ce *pgconn.ConnectError
	switch {
	case errors.As(err, &ce): // dialing failed: refused, no route, connect_timeout
		return true
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone), errors.Is(err, pgconn.ErrConnClosed):
		return true
	case errors.Is(err, io.ErrUnexpectedEOF):
		// pgx returns it bare (no pgconn type left around it) from a row
		// read when the server's socket closes mid-answer; a client's
		// truncated body is refused with a 4xx long before it gets here.
		return true
	case errors.Is(err, context.DeadlineExceeded):
		// No connection (or no answer) in time: database/sql returns the
		// bare deadline when the pool had no connection to give. The
		// request's own cancellation (the client went away) is
		// context.Canceled and stays what it is.
		return true
	}
	// A socket error counts only under the driver's own error types: the
	// same net.OpError from clamd or a webhook is no database fault.
	if fromPgconn(err) {
		var ne net.Error
		return errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
			errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE)
	}
	return false
}

// fromPgconn says whether an error of package pgconn is in err's chain
// (its read/write failures are unexported types around the socket's error).
func fromPgconn(err error) bool {
	for _, e := range chain(err, nil) {
		t := reflect.TypeOf(e)
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.PkgPath() == "github.com/jackc/pgx/v5/pgconn" {
			return true
		}
	}
	return false
}

// chain lists err and everything it wraps (errors.Join's branches too).
func chain(err error, out []error) []error {
	for err != nil && len(out) < 64 {
		out = append(out, err)
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				out = chain(e, out)
			}
			return out
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		default:
			return out
		}
	}
	return out
}

// Fault returns err as an apperr Unavailable (503 with Retry-After) when
// IsFault says the database is unavailable or full, keeping err for the
// logs; any other err (and nil) is returned unchanged. The web layer calls
// it where errors become answers, so domain code that wraps a database
// error as Internal needs no change.
func Fault(err error) error {
	if !IsFault(err) {
		return err
	}
	var ae *apperr.Error
	if errors.As(err, &ae) && ae.Code != apperr.Internal {
		return err // already classified (an Unavailable, or a domain answer)
	}
	return &apperr.Error{Code: apperr.Unavailable, Message: "the database is unavailable; retry in a few seconds",
		Err: err, RetryAfter: RetryAfter}
}

// FaultReason names, in a few public words, why err is a fault (for
// /readyz, which anyone may ask: no host, user or SQL text in it).
func FaultReason(err error) string {
	var pe *pgconn.PgError
	var se *sqlite.Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &pe) && pe.Code == "53100", errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_FULL,
		errors.Is(err, syscall.ENOSPC):
		return "database full"
	case errors.As(err, &pe) && strings.HasPrefix(pe.Code, "53"):
		return "database out of resources"
	case errors.As(err, &pe) && strings.HasPrefix(pe.Code, "57P"):
		return "database shutting down or starting"
	case errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY:
		return "database busy"
	case errors.As(err, &se):
		return "database file unusable"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "database unreachable: connection refused"
	case errors.Is(err, context.DeadlineExceeded), pgconn.Timeout(err):
		return "database unreachable: timed out"
	}
	return "database unreachable"
}
