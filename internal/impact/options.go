package impact

// Options select between plausible readings of the regulations. The zero
// value is the project's default reading (REQUIREMENTS "Reading" sections,
// docs/regulations.md); each field documents the alternative.
type Options struct {
	// SpentFrom: "the time spent fixing" (Q36.3, Q37.2, Q37.4, Q37.8, Q37.9)
	// runs from the start of the failure (default) or from its confirmation.
	SpentFrom SpentFrom
	// Days: "the corresponding number of days, at least 1 calendar day"
	// (Q36.5, Q36.6, Q37.5, Q37.6) is the failure's length rounded up to whole
	// days (default) or the number of local dates the failure touched.
	Days DaysReading
	// NextDay: the time of day on "the next working day" (Q36.4, Q36.7,
	// Q37.7, E29.3): the original deadline's time (default) or the end of
	// that day (23:59:59 local).
	NextDay NextDayReading
	// Q36_3InsideOnly limits Q36.3 to acceptance deadlines inside the
	// failure; by default any acceptance still open when the failure began
	// is extended ("procurements in which the failure occurred").
	Q36_3InsideOnly bool
	// Q37_8MoveStart follows the letter of Q37.8 ("срок начала приема") and
	// moves bids_start; by default the end of acceptance moves.
	Q37_8MoveStart bool
	// Q49FromOldDeadline adds Q49's calendar day to the old acceptance
	// deadline; by default acceptance reopens for one calendar day from the
	// later of the appeal and the confirmation (the old deadline has passed).
	Q49FromOldDeadline bool
	// Q41WholeWindow moves a deadline on a maintenance date by the whole
	// window; by default only by the part of the works on that date.
	Q41WholeWindow bool
	// AllowShorten lets a re-plan move an applied extension earlier when the
	// actual fix came sooner than planned. By default an applied extension is
	// never shortened (suppliers were told it); a provisional hold (G-000) is
	// always replaced.
	AllowShorten bool
	// GoszakupLevelRules applies the level rules of Q35–Q37 to the goszakup
	// profiles. The goszakup texts provided (000, 001) do not contain them;
	// by default the goszakup profiles get only the provisional hold (G-000).
	GoszakupLevelRules bool
	// NoQuasiHold turns off the provisional hold (G-000) on kz-quasi, where
	// the project applies it as a shared reading of Q36/Q37.
	NoQuasiHold bool
}

// SpentFrom chooses where "the time spent fixing" begins.
type SpentFrom int

const (
	SpentFromStart SpentFrom = iota
	SpentFromConfirmation
)

// DaysReading chooses how "the corresponding number of days" is counted.
type DaysReading int

const (
	DaysCeil DaysReading = iota
	DaysDatesTouched
)

// NextDayReading chooses the time of day on "the next working day".
type NextDayReading int

const (
	NextDaySameTime NextDayReading = iota
	NextDayEndOfDay
)
