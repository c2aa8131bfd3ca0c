package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// calendar override add | list | remove against a SQLite database: stored,
// listed, validated with one line naming what is accepted, removed.
func TestCalendarOverrideCLI(t *testing.T) {
	db := filepath.Join(t.TempDir(), "data")
	cmd := func(args ...string) (int, string, string) {
		var out, errs bytes.Buffer
		code := run(append(args, "--db", db, "--log-level", "error"), &out, &errs)
		return code, out.String(), errs.String()
	}
	code, out, errs := cmd("calendar", "override", "add", "--scope", "kz", "--kind", "day_off", "--from", "2026-11-20",
		"--reason", "moved day off", "--source", "decree (test)")
	if code != 0 {
		t.Fatalf("add: exit %d: %s", code, errs)
	}
	var o struct {
		ID    int64
		Scope string
		To    string
	}
	if err := json.Unmarshal([]byte(out), &o); err != nil || o.ID == 0 || o.To != "2026-11-20" {
		t.Fatalf("add printed %q (%v)", out, err)
	}
	code, _, errs = cmd("calendar", "override", "add", "--scope", "kz-quasi@2021", "--kind", "hours", "--from", "2026-11-21",
		"--hours", "00:00-24:00", "--all-days", "--reason", "24/7", "--source", "agreement (test)")
	if code != 0 {
		t.Fatalf("add hours: %s", errs)
	}
	code, _, errs = cmd("calendar", "override", "add", "--scope", "mars", "--kind", "day_off", "--from", "2026-11-20")
	if code != 1 || !strings.Contains(errs, "scope:") || !strings.Contains(errs, "reason:") {
		t.Errorf("a bad override: exit %d, %q", code, errs)
	}
	code, out, _ = cmd("calendar", "override", "list")
	if code != 0 || !strings.Contains(out, "moved day off") || !strings.Contains(out, "00:00-24:00 (all days)") {
		t.Errorf("list: %d\n%s", code, out)
	}
	if code, _, errs = cmd("calendar", "override", "remove", "--id", "1", "--reason", "mistake"); code != 0 {
		t.Fatalf("remove: %s", errs)
	}
	if code, _, _ = cmd("calendar", "override", "remove", "--id", "1"); code != 1 {
		t.Errorf("removing twice: exit %d", code)
	}
	code, out, _ = cmd("calendar", "override", "list", "--json")
	var ovs []map[string]any
	if err := json.Unmarshal([]byte(out), &ovs); code != 0 || err != nil || len(ovs) != 1 {
		t.Errorf("list --json after remove: %s", out)
	}
}
