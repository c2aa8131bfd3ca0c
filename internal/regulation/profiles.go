package regulation

import (
	"time"

	"tenderdesk/internal/calendar"
	"tenderdesk/internal/vocab"
)

// Clock names, exactly as the issue and the API spell them.
const (
	ClockRegistration         = "registration"
	ClockIncidentIDNotice     = "incident_id_notice"
	ClockAnalysis             = "analysis"
	ClockRefutationNotice     = "refutation_notice"
	ClockLowNotice            = "low_notice"
	ClockMediumPublicNotice   = "medium_public_notice"
	ClockMediumSupplierNotice = "medium_supplier_notice"
	ClockHighPublicNotice     = "high_public_notice"
	ClockAuthorityReport      = "authority_report"
	ClockResolution           = "resolution"
	ClockAppealConsideration  = "appeal_consideration"
	ClockLegalForwarding      = "legal_forwarding"
	ClockMaintenanceNotice    = "maintenance_notice"
	ClockUserReport           = "user_report"
	ClockVoiceMessage         = "voice_message"
	ClockEmailProcessing      = "email_processing"
	ClockAuxiliaryFunction    = "auxiliary_function"
)

// Criticality levels (Q34), as the level-dependent terms spell them
// (vocab.Criticality is the type).
const (
	Low    = string(vocab.Low)
	Medium = string(vocab.Medium)
	High   = string(vocab.High)
)

// ClockNames are all clock names any profile may have.
func ClockNames() []string {
	return []string{ClockRegistration, ClockIncidentIDNotice, ClockAnalysis, ClockRefutationNotice, ClockLowNotice,
		ClockMediumPublicNotice, ClockMediumSupplierNotice, ClockHighPublicNotice, ClockAuthorityReport, ClockResolution,
		ClockAppealConsideration, ClockLegalForwarding, ClockMaintenanceNotice, ClockUserReport, ClockVoiceMessage,
		ClockEmailProcessing, ClockAuxiliaryFunction}
}

var (
	// goszakup 2022, quasi: 9:00–18:30 with lunch 13:00–14:30 (000, Q28).
	lunchHours = calendar.WeekdayHours(calendar.Span("09:00", "13:00"), calendar.Span("14:30", "18:30"))
	// goszakup 2020 (001 p.6): 9:00–19:00, no lunch break although p.7 keeps the lunch sentence.
	goszakup2020Hours = calendar.WeekdayHours(calendar.Span("09:00", "19:00"))
	// energy (E19): weekdays 9:00–18:30, no lunch named.
	energyHours = calendar.WeekdayHours(calendar.Span("09:00", "18:30"))
	// Russia (003): working days 8:00–20:00 local.
	ruHours = calendar.WeekdayHours(calendar.Span("08:00", "20:00"))
)

func w(clock, basis string, d time.Duration, from, reading string) Term {
	return Term{Clock: clock, Basis: basis, Base: Working, Amount: d, From: from, Reading: reading}
}

func cal(clock, basis string, d time.Duration, from, reading string) Term {
	return Term{Clock: clock, Basis: basis, Base: Calendar, Amount: d, From: from, Reading: reading}
}

func days(clock, basis string, b Base, n int, from, reading string) Term {
	return Term{Clock: clock, Basis: basis, Base: b, Days: n, From: from, Reading: reading}
}

const (
	rdRegistration = "30 minutes of working time from arrival; lunch and after-hours email start at the next working moment; phone is not answered outside hours"
	rdAnalysis     = "2 hours of working time from receipt (from the next working moment when received outside hours)"
	rdUserReport   = "1 hour of calendar time from detection: the user's own term, email works round the clock"
)

// builtin are the shipped profiles; every reading is in docs/regulations.md.
func builtin() []*Profile {
	opts := Options{AfterHoursEmail: Within30}
	return []*Profile{
		{
			Family: "kz-goszakup", Version: "2020", Country: "kz", Hours: goszakup2020Hours, Options: opts,
			Source: "001: MinFin order 139 of 12.02.2020 amending order 692", Portal: "state procurement portal (goszakup)",
			From: calendar.D(2020, time.February, 25), Until: calendar.D(2022, time.January, 6),
			Note: "from 10 calendar days after first publication; publication date assumed 14.02.2020",
			Terms: []Term{
				cal(ClockUserReport, "G6.1", time.Hour, "detection", rdUserReport),
				w(ClockRegistration, "G7", 30*time.Minute, "arrival", rdRegistration),
				w(ClockAnalysis, "G9", 2*time.Hour, "receipt", rdAnalysis),
			},
		},
		{
			Family: "kz-goszakup", Version: "2022", Country: "kz", Hours: lunchHours, Options: opts,
			Source: "000: order 1322 of 21.12.2021 (news summary)", Portal: "state procurement portal (goszakup)",
			From: calendar.D(2022, time.January, 7), Until: calendar.D(2024, time.December, 31),
			Note: "end inferred: order 627 replaces it from 01.01.2025",
			Terms: []Term{
				cal(ClockUserReport, "G6.1", time.Hour, "detection", rdUserReport),
				w(ClockRegistration, "G7", 30*time.Minute, "arrival", rdRegistration),
				w(ClockIncidentIDNotice, "Q30", time.Hour, "registration", "000 repeats Q30: 1 hour of working time from registration"),
				w(ClockAnalysis, "G9", 2*time.Hour, "receipt", "000 sets no term: the 2 working hours of G9 kept"),
			},
		},
		{
			Family: "kz-quasi", Version: "2021", Country: "kz", Hours: lunchHours, Options: opts,
			Source: "002: rules for quasi-state sector portals, signed 24.11.2021", Portal: "procurement portals of quasi-state entities",
			From: calendar.D(2021, time.November, 24), Note: "no entry-into-force clause: assumed from signing",
			Terms: []Term{
				cal(ClockUserReport, "Q28.1", time.Hour, "detection", rdUserReport),
				w(ClockRegistration, "Q29", 30*time.Minute, "arrival", rdRegistration),
				w(ClockIncidentIDNotice, "Q30", time.Hour, "registration", "1 hour of working time from registration"),
				w(ClockAnalysis, "Q31", 2*time.Hour, "receipt", rdAnalysis),
				w(ClockRefutationNotice, "Q32", 30*time.Minute, "refutation", "30 minutes of working time from refutation"),
				w(ClockLowNotice, "Q35.1", 30*time.Minute, "confirmation", "30 minutes of working time from confirmation"),
				w(ClockMediumPublicNotice, "Q36.1", time.Hour, "confirmation", "1 hour of working time from confirmation"),
				w(ClockMediumSupplierNotice, "Q36.2", time.Hour, "confirmation", "1 hour of working time from confirmation"),
				cal(ClockHighPublicNotice, "Q37.3", 30*time.Minute, "confirmation", "30 calendar minutes: a high failure is handled round the clock"),
				days(ClockAuthorityReport, "Q37.13", WorkingDays, 1, "fix", "1 working day from the fix: same time on the next working day"),
				{Clock: ClockResolution, Level: Low, Basis: "Q38", Base: WorkingDays, Days: 5, From: "registration of the first appeal",
					Reading: "5 working days from the registration time of the first appeal, same time of day"},
				{Clock: ClockResolution, Level: Medium, Basis: "Q38", Base: WorkingDays, Days: 2, From: "registration of the first appeal",
					Reading: "2 working days from the registration time of the first appeal, same time of day"},
				{Clock: ClockResolution, Level: High, Basis: "Q38", Base: Calendar, Amount: 12 * time.Hour, From: "registration of the first appeal",
					Reading: "12 calendar hours: the system is down round the clock"},
				days(ClockAppealConsideration, "Q20", WorkingDaysEnd, 3, "registration", "end of working hours of the 3rd working day after the day of the appeal (Q38: not counting that day)"),
				days(ClockLegalForwarding, "Q19", WorkingDaysEnd, 3, "registration", "end of working hours of the 3rd working day after the day of registration"),
				days(ClockMaintenanceNotice, "Q41", CalendarDaysBefore, 2, "start of the works", "published before 00:00 of the 2nd calendar day before the works' date: two whole calendar days of notice"),
			},
		},
		{
			Family: "kz-energy", Version: "2025", Country: "kz", Hours: energyHours, Options: opts,
			Source: "004: order 366 of 15.09.2025", Portal: "e-procurement platform of the energy/utilities modernization project",
			From: calendar.D(2025, time.September, 15), Note: "no entry-into-force clause: assumed from the order's date",
			Terms: []Term{
				days(ClockUserReport, "E25", WorkingDaysEnd, 3, "detection", "end of working hours of the 3rd working day after the day of detection"),
				days(ClockVoiceMessage, "E19", NextWorkingDayEnd, 0, "message", "end of the working day of the next working moment (left outside hours → next working day)"),
				days(ClockEmailProcessing, "E19", NextWorkingDayEnd, 0, "arrival", "within the working day; after 18:30 or on a day off → by the end of the next working day"),
			},
		},
		{
			Family: "ru-khmao-goszakaz", Country: "ru", Hours: ruHours, Options: opts,
			Source: "003: support instruction of GIS Goszakaz, KhMAO-Yugra", Portal: "regional state-order information system",
			From: calendar.D(2000, time.January, 1), Note: "current; one version",
			Terms: []Term{
				days(ClockAuxiliaryFunction, "R6", WorkingDaysEnd, 3, "registration", "end of working hours of the 3rd working day after the day of registration"),
			},
		},
	}
}
