package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestCalendarCLI(t *testing.T) {
	code, out, errs := slaRun("calendar", "--profile", "kz-quasi", "--from", "2024-03-20", "--to", "2024-03-26")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 8 || lines[0] != "# kz-quasi@2021, zone Asia/Almaty" {
		t.Fatalf("want a header and 7 days, got:\n%s", out)
	}
	want := []string{
		"2024-03-20 Wed working 09:00-13:00 14:30-18:30 working day",
		"2024-03-21 Thu off                             holiday: Nauryz meyramy",
		"2024-03-24 Sun off                             weekend",
		"2024-03-25 Mon off                             moved day off: Nauryz meyramy (on Sat 2024-03-23)",
	}
	for i, w := range want {
		idx := []int{1, 2, 5, 6}[i]
		if !strings.HasPrefix(lines[idx], w) {
			t.Errorf("line %d: %q, want prefix %q", idx, lines[idx], w)
		}
	}
	code, out, _ = slaRun("calendar", "--profile", "ru-khmao-goszakaz", "--from", "2024-11-02", "--to", "2024-11-04", "--json")
	if code != 0 {
		t.Fatal(code)
	}
	var days []calendarDay
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var d calendarDay
		if err := json.Unmarshal([]byte(l), &d); err != nil {
			t.Fatal(err)
		}
		days = append(days, d)
	}
	if len(days) != 3 || !days[0].Working || days[0].Reason != "moved working day: worked for Tue 2024-04-30" ||
		days[0].Intervals[0] != "08:00-20:00" || days[2].Working || days[2].Reason != "holiday: National Unity Day" {
		t.Errorf("ru calendar JSON: %+v", days)
	}
	for _, bad := range [][]string{
		{"--profile", "kz-x", "--from", "2024-03-20", "--to", "2024-03-26"},
		{"--profile", "kz-quasi", "--from", "2024-03-32", "--to", "2024-03-26"},
		{"--profile", "kz-quasi", "--from", "2024-03-26", "--to", "2024-03-20"},
		{"--profile", "kz-quasi"},
	} {
		code, out, errs := slaRun(append([]string{"calendar"}, bad...)...)
		if code == 0 || out != "" || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v: exit %d stdout %q stderr %q", bad, code, out, errs)
		}
	}
	if code, out, _ := slaRun("calendar", "--help"); code != 0 || !strings.Contains(out, "Usage: tenderdesk calendar --profile P") {
		t.Errorf("--help: %d %q", code, out)
	}
}
