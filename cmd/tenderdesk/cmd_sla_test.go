package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// slaRun runs the CLI in-process and returns exit code, stdout, stderr.
func slaRun(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestSLADeadlineCLI(t *testing.T) {
	cases := []struct {
		args                            []string
		profile, deadline, start, basis string
	}{
		// Q29: eve of Nauryz 2024
		{[]string{"--profile", "kz-quasi", "--clock", "registration", "--at", "2024-03-20T18:10:00+05:00"},
			"kz-quasi@2021", "2024-03-26T09:10:00+05:00", "2024-03-20T18:10:00+05:00", "Q29"},
		// G7: a bare name resolves to the version in force (2020 rules, no lunch)
		{[]string{"--profile", "kz-goszakup", "--clock", "registration", "--at", "2021-03-19T18:40:00+06:00"},
			"kz-goszakup@2020", "2021-03-25T09:10:00+06:00", "2021-03-19T18:40:00+06:00", "G7"},
		// Q29: an instant given in UTC is printed in the profile's offset of its own date
		{[]string{"--profile", "kz-quasi@2021", "--clock", "registration", "--at", "2024-02-29T17:30:00Z"},
			"kz-quasi@2021", "2024-03-01T09:30:00+05:00", "2024-02-29T23:30:00+06:00", "Q29"},
		// Q38 high: 12 calendar hours over the offset change
		{[]string{"--profile", "kz-quasi", "--clock", "resolution", "--level", "high", "--at", "2024-02-29T20:00:00+06:00"},
			"kz-quasi@2021", "2024-03-01T07:00:00+05:00", "2024-02-29T20:00:00+06:00", "Q38"},
		// Q29 other reading by option
		{[]string{"--profile", "kz-quasi", "--clock", "registration", "--at", "2024-03-19T19:00:00+05:00", "--after-hours-email", "any_time_next_working_day"},
			"kz-quasi@2021", "2024-03-20T18:30:00+05:00", "2024-03-19T19:00:00+05:00", "Q29"},
		// R6 in Yekaterinburg time
		{[]string{"--profile", "ru-khmao-goszakaz", "--clock", "auxiliary_function", "--at", "2025-12-30T10:00:00+05:00"},
			"ru-khmao-goszakaz", "2026-01-14T20:00:00+05:00", "2025-12-30T10:00:00+05:00", "R6"},
	}
	for _, tc := range cases {
		code, out, errs := slaRun(append([]string{"sla", "deadline"}, tc.args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d, %s", tc.args, code, errs)
		}
		if strings.Count(out, "\n") != 1 {
			t.Errorf("%v: want one JSON line, got %q", tc.args, out)
		}
		var got map[string]string
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%v: %v in %s", tc.args, err, out)
		}
		if got["profile"] != tc.profile || got["deadline"] != tc.deadline || got["start"] != tc.start || got["basis"] != tc.basis {
			t.Errorf("%v:\n got %s\nwant profile %s deadline %s start %s basis %s", tc.args, out, tc.profile, tc.deadline, tc.start, tc.basis)
		}
	}
}

func TestSLADeadlineCLIErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--profile", "kz-nope", "--clock", "registration", "--at", "2024-03-20T10:00:00+05:00"},
			"unknown profile \"kz-nope\"; accepted: kz-energy, kz-energy@2025, kz-goszakup, kz-goszakup@2020, kz-goszakup@2022, kz-quasi, kz-quasi@2021, ru-khmao-goszakaz"},
		{[]string{"--profile", "kz-quasi", "--clock", "regstration", "--at", "2024-03-20T10:00:00+05:00"},
			"unknown clock \"regstration\"; accepted: registration, incident_id_notice, analysis"},
		{[]string{"--profile", "kz-energy", "--clock", "registration", "--at", "2025-10-20T10:00:00+05:00"},
			"clock \"registration\" does not apply to kz-energy@2025; accepted: email_processing, user_report, voice_message"},
		{[]string{"--profile", "kz-quasi", "--clock", "registration", "--at", "2024-03-20T10:00:00"},
			"not a time with an offset; accepted: RFC 3339 with an offset"},
		{[]string{"--profile", "kz-quasi", "--clock", "registration", "--at", "2024-03-20T19:00:00+05:00", "--channel", "phone"},
			"outside working hours and is not answered (Q29)"},
		{[]string{"--profile", "kz-quasi", "--clock", "resolution", "--at", "2024-03-20T10:00:00+05:00"},
			"needs a level; accepted: low, medium, high"},
		{[]string{"--profile", "kz-goszakup@2030", "--clock", "registration", "--at", "2025-03-20T10:00:00+05:00"},
			"unknown profile \"kz-goszakup@2030\""},
		{[]string{"--profile", "kz-quasi"}, "--profile, --clock and --at are required"},
		{[]string{"--bogus"}, "flag provided but not defined: -bogus"},
	}
	for _, tc := range cases {
		code, out, errs := slaRun(append([]string{"sla", "deadline"}, tc.args...)...)
		if code == 0 || out != "" {
			t.Errorf("%v: exit %d, stdout %q", tc.args, code, out)
		}
		if strings.Count(errs, "\n") != 1 || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: stderr %q, want one line with %q", tc.args, errs, tc.want)
		}
	}
	code, out, _ := slaRun("sla", "deadline", "--help")
	if code != 0 || !strings.Contains(out, "Usage: tenderdesk sla deadline --profile P --clock C --at T") || !strings.Contains(out, "-channel") {
		t.Errorf("--help: %d %q", code, out)
	}
}
