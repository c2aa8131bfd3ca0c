package monitor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/store"
)

var almaty, _ = time.LoadLocation("Asia/Almaty")

// clock is a settable clock safe for concurrent use.
type clock struct{ ns atomic.Int64 }

func (c *clock) Now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) Set(t time.Time)     { c.ns.Store(t.UnixNano()) }
func (c *clock) Add(d time.Duration) { c.ns.Add(int64(d)) }

var admin = audit.Actor{Login: "admin", Role: "admin"}

type rig struct {
	t   testing.TB
	db  *store.DB
	j   *journal.Service
	s   *Service
	clk *clock
}

func newRig(t testing.TB, db *store.DB, start time.Time) *rig {
	c := &clock{}
	c.Set(start)
	resolve := func(name string, at time.Time) (string, error) {
		if name == "" || name == "kz-quasi" || name == "kz-quasi@2021" {
			return "kz-quasi@2021", nil
		}
		return "", fmt.Errorf("unknown profile %q", name)
	}
	j := journal.New(db, c.Now, almaty, resolve, nil)
	t.Cleanup(j.Close)
	s := New(db, j, c.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := s.LoadRules(context.Background()); err != nil {
		t.Fatal(err)
	}
	return &rig{t: t, db: db, j: j, s: s, clk: c}
}

// webhook posts a fixture through the receiver's own decoding.
func (r *rig) webhook(name string) int {
	r.t.Helper()
	f, err := os.Open(filepath.Join("testdata", "alertmanager", name))
	if err != nil {
		r.t.Fatal(err)
	}
	defer f.Close()
	w, err := DecodeWebhook(f)
	if err != nil {
		r.t.Fatalf("%s: %v", name, err)
	}
	evs, err := r.s.AlertmanagerEvents(context.Background(), w, r.clk.Now())
	if err != nil {
		r.t.Fatalf("%s: %v", name, err)
	}
	if err := r.s.Accept(context.Background(), evs); err != nil {
		r.t.Fatalf("%s: %v", name, err)
	}
	r.settle()
	return len(evs)
}

// settle waits for the events stored so far to be applied: Accept
// answers once they are stored, the apply loop follows.
func (r *rig) settle() {
	r.t.Helper()
	if err := r.s.Settle(context.Background()); err != nil {
		r.t.Fatal(err)
	}
}

// count reads the applied state.
func (r *rig) count(q string, args ...any) int {
	r.t.Helper()
	r.settle()
	var n int
	if err := r.db.R.QueryRow(q, args...).Scan(&n); err != nil {
		r.t.Fatalf("%s: %v", q, err)
	}
	return n
}

func (r *rig) signals() map[string]Signal {
	r.t.Helper()
	r.settle()
	gs, err := r.s.Signals(context.Background(), 0, 1000)
	if err != nil {
		r.t.Fatal(err)
	}
	out := map[string]Signal{}
	for _, g := range gs {
		key := g.Source + "/" + g.Module
		if _, ok := out[key]; !ok { // newest first: keep the newest
			out[key] = g
		}
	}
	return out
}

func (r *rig) appealsOf(incidentID int64) []journal.Appeal {
	r.t.Helper()
	r.settle()
	v, err := r.j.Incident(context.Background(), incidentID)
	if err != nil {
		r.t.Fatal(err)
	}
	return v.Appeals
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func asErr(err error, ae **apperr.Error) bool { return errors.As(err, ae) }

func fieldsOf(ae *apperr.Error) map[string]string {
	if ae == nil {
		return nil
	}
	return ae.Fields
}

func fieldErr(err error) map[string]string {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return ae.Fields
	}
	return nil
}
