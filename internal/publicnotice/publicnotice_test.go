package publicnotice

import (
	"errors"
	"testing"
	"time"

	"tenderdesk/internal/statuspage"
)

// Q41 has one reading in the desk: the regulation clock maintenance_notice
// ("before 00:00 of the 2nd calendar day before the works' date"), which
// the maintenance API passes to statuspage.ValidateMaintenance. It is never
// looser than 48 hours, and stricter when the works start early in the day.
func TestNoticeDeadlineQ41(t *testing.T) {
	almaty, _ := time.LoadLocation("Asia/Almaty")
	at := func(s string) time.Time {
		t, err := time.ParseInLocation("2006-01-02 15:04", s, almaty)
		if err != nil {
			panic(err)
		}
		return t
	}
	by := NoticeDeadline("kz-quasi")
	for _, tc := range []struct {
		name       string
		now, start time.Time
		want       error
	}{
		{"Q41 Mon 01:00 → Wed 02:00: 49h, but only Tuesday lies between", at("2026-02-02 01:00"), at("2026-02-04 02:00"), statuspage.ErrTooLate},
		{"Q41 Mon 23:59 → Thu 00:30: Tue and Wed lie between", at("2026-02-02 23:59"), at("2026-02-05 00:30"), nil},
		{"Q41 Tue 00:00 → Thu 09:00: exactly at the deadline", at("2026-02-03 00:00"), at("2026-02-05 09:00"), nil},
		{"Q41 Tue 00:01 → Thu 09:00", at("2026-02-03 00:01"), at("2026-02-05 09:00"), statuspage.ErrTooLate},
		{"Q41 across the offset change (UTC+6 → UTC+5 on 2024-03-01)", at("2024-02-28 23:00"), at("2024-03-02 01:00"), nil},
	} {
		d, err := by(tc.start)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if d.Sub(tc.now) < 0 && tc.want == nil {
			t.Errorf("%s: deadline %v before now", tc.name, d)
		}
		if tc.start.Sub(d) < 48*time.Hour {
			t.Errorf("%s: deadline %v less than 48h before the works", tc.name, d)
		}
		err = statuspage.ValidateMaintenance(tc.start, d, tc.now, false, "")
		if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
			t.Errorf("%s: got %v, want %v (deadline %v)", tc.name, err, tc.want, d)
		}
	}
	// A profile without the clock (goszakup) falls back to kz-quasi's term.
	d, err := NoticeDeadline("kz-goszakup")(at("2024-03-23 02:00"))
	if err != nil || !d.Equal(at("2024-03-21 00:00")) {
		t.Errorf("goszakup falls back to Q41: %v %v", d, err)
	}
}

// Q40 (with Q18): planned works follow the plan and its notice term;
// unplanned works are announced only by agreement with the authorized body,
// then at any time, even once started.
func TestUnplannedWorksNeedTheAgreementQ40(t *testing.T) {
	almaty, _ := time.LoadLocation("Asia/Almaty")
	now := time.Date(2026, 2, 3, 10, 0, 0, 0, almaty)
	started := now.Add(-time.Hour)
	by, err := NoticeDeadline("kz-quasi")(started)
	if err != nil {
		t.Fatal(err)
	}
	if err := statuspage.ValidateMaintenance(started, by, now, true, ""); !errors.Is(err, statuspage.ErrNoAgreement) {
		t.Errorf("Q40 unplanned works without an agreement: %v, want %v", err, statuspage.ErrNoAgreement)
	}
	if err := statuspage.ValidateMaintenance(started, by, now, true, "  "); !errors.Is(err, statuspage.ErrNoAgreement) {
		t.Errorf("Q40 a blank agreement: %v, want %v", err, statuspage.ErrNoAgreement)
	}
	if err := statuspage.ValidateMaintenance(started, by, now, true, "letter of the authorized body No. 12"); err != nil {
		t.Errorf("Q40 unplanned works with an agreement: %v", err)
	}
	if err := statuspage.ValidateMaintenance(started, by, now, false, "letter No. 12"); !errors.Is(err, statuspage.ErrTooLate) {
		t.Errorf("Q40 planned works already started: %v, want %v", err, statuspage.ErrTooLate)
	}
}
