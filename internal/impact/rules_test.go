package impact

import (
	"testing"
)

const (
	quasi  = "kz-quasi@2021"
	energy = "kz-energy@2025"
)

// medium: Fri 2026-03-20 10:00–16:30 (6h30), confirmed 11:00. The next
// working day after Friday is Thu 26 March (weekend, then Nauryz 23–25 March).
func medium() Incident {
	return Incident{ID: "M", Criticality: Medium, Modules: []string{"m"},
		StartedAt: at("2026-03-20 10:00"), ConfirmedAt: at("2026-03-20 11:00"), FixedAt: at("2026-03-20 16:30")}
}

// high: Tue 2026-04-14 09:00–13:15 (4h15), confirmed 09:30.
func high() Incident {
	return Incident{ID: "H", Criticality: High, Modules: []string{"m"},
		StartedAt: at("2026-04-14 09:00"), ConfirmedAt: at("2026-04-14 09:30"), FixedAt: at("2026-04-14 13:15")}
}

func with(inc Incident, f func(*Incident)) Incident { f(&inc); return inc }

func lot(l string, d Deadline) Deadline { d.Lot = l; return d }

func TestRules(t *testing.T) {
	decrypt := func(i *Incident) { i.DecryptionImpossible = true }
	// Thu 30 April 09:00–13:15: 5 working days after the fix skip 1 May,
	// 7 May and 11 May (days off in 2026).
	mayEve := func(i *Incident) {
		i.DecryptionImpossible = true
		i.StartedAt, i.ConfirmedAt, i.FixedAt = at("2026-04-30 09:00"), at("2026-04-30 09:30"), at("2026-04-30 13:15")
	}
	pending := Incident{ID: "G", Modules: []string{"m"}, StartedAt: at("2026-04-14 09:00"),
		ReportedAt: at("2026-04-14 09:10"), HoldUntil: at("2026-04-14 11:10")}
	window := Input{Maintenance: []Maintenance{{ID: "W", Start: at("2026-04-18 20:00"), End: at("2026-04-19 02:00")}}}
	appeal := func(a Appeal) func(*Incident) {
		return func(i *Incident) { i.Appeals = append(i.Appeals, a) }
	}

	tests := []struct {
		rule    string
		profile string
		opt     Options
		in      Input
		procs   []Procedure
		want    []string
	}{
		{rule: "Q35 low: no extension", profile: quasi, in: inputOf(with(medium(), func(i *Incident) { i.Criticality = Low })),
			procs: []Procedure{proc("P", Tender, "m", dl(BidsEnd, "2026-03-20 15:00"), dl(ContractSigning, "2026-03-20 12:00"))}},
		{rule: "Q36.3 tender acceptance after the fix: + time spent fixing", profile: quasi, in: inputOf(medium()),
			procs: []Procedure{proc("P", Tender, "m", dl(BidsEnd, "2026-03-30 10:00"))},
			want:  []string{"bids_end 2026-03-30 10:00 -> 2026-03-30 16:30 extend Q36.3", "notify Q36.2"}},
		{rule: "Q36.3 price request (not GZ) price offers", profile: quasi, in: inputOf(medium()),
			procs: []Procedure{proc("P", PriceRequestNotGZ, "m", dl(PriceOffersEnd, "2026-03-27 09:00"))},
			want:  []string{"price_offers_end 2026-03-27 09:00 -> 2026-03-27 15:30 extend Q36.3", "notify Q36.2"}},
		{rule: "Q36.3 not auctions", profile: quasi, in: inputOf(medium()),
			procs: []Procedure{proc("P", Auction, "m", dl(BidsEnd, "2026-03-30 10:00"))}},
		{rule: "Q36.3 acceptance that ended before the failure is untouched", profile: quasi, in: inputOf(medium()),
			procs: []Procedure{proc("P", Tender, "m", dl(BidsEnd, "2026-03-20 09:59"))}},
		{rule: "Q36.7 failure outlasts the deadline: next working day after the fix, same time (Nauryz skipped)", profile: quasi, in: inputOf(medium()),
			procs: []Procedure{proc("P", Tender, "m", dl(BidsEnd, "2026-03-20 15:00"))},
			want:  []string{"bids_end 2026-03-20 15:00 -> 2026-03-26 15:00 extend Q36.7", "notify Q36.2"}},
		{rule: "Q36.7 applies to auctions too", profile: quasi, in: inputOf(medium()),
			procs: []Procedure{proc("P", Auction, "m", dl(BidsEnd, "2026-03-20 15:00"))},
			want:  []string{"bids_end 2026-03-20 15:00 -> 2026-03-26 15:00 extend Q36.7", "notify Q36.2"}},
		{rule: "Q36.7 end-of-day reading", profile: quasi, opt: Options{NextDay: NextDayEndOfDay}, in: inputOf(medium()),
			procs: []Procedure{proc("P", Tender, "m", dl(BidsEnd, "2026-03-20 15:00"))},
			want:  []string{"bids_end 2026-03-20 15:00 -> 2026-03-26 23:59 extend Q36.7", "notify Q36.2"}},
		{rule: "Q36.4 auction second round to next working day; automatic results protocol annulled with the bids", profile: quasi, in: inputOf(medium()),
			procs: []Procedure{proc("P", Auction, "m", dl(AuctionRound, "2026-03-20 14:00"), dl(ResultsProtocol, "2026-03-20 15:00"))},
			want: []string{"auction_round 2026-03-20 14:00 -> 2026-03-26 14:00 extend Q36.4",
				"results_protocol annul_protocol Q36.4", "bids_end require_resubmission Q36.4", "notify Q36.2"}},
		{rule: "Q36.5 contract deadlines inside [start, fix]: ceil(6h30) = 1 calendar day; after the fix untouched", profile: quasi, in: inputOf(medium()),
			procs: []Procedure{proc("P", Tender, "m", dl(ContractSigning, "2026-03-20 12:00"), dl(ContractApproval, "2026-03-20 16:30"), lot("2", dl(ContractSigning, "2026-03-20 16:31")))},
			want: []string{"contract_signing 2026-03-20 12:00 -> 2026-03-21 12:00 extend Q36.5",
				"contract_approval 2026-03-20 16:30 -> 2026-03-21 16:30 extend Q36.5", "notify Q36.2"}},
		{rule: "Q36.5 a 25-hour failure = 2 days", profile: quasi, in: inputOf(with(medium(), func(i *Incident) { i.FixedAt = at("2026-03-21 11:00") })),
			procs: []Procedure{proc("P", Tender, "m", dl(ContractSigning, "2026-03-20 12:00"))},
			want:  []string{"contract_signing 2026-03-20 12:00 -> 2026-03-22 12:00 extend Q36.5", "notify Q36.2"}},
		{rule: "Q36.5 dates-touched reading: 6h30 on one date = 1 day", profile: quasi, opt: Options{Days: DaysDatesTouched}, in: inputOf(medium()),
			procs: []Procedure{proc("P", Tender, "m", dl(ContractSigning, "2026-03-20 12:00"))},
			want:  []string{"contract_signing 2026-03-20 12:00 -> 2026-03-21 12:00 extend Q36.5", "notify Q36.2"}},
		{rule: "Q36.6 complaints deadline", profile: quasi, in: inputOf(medium()),
			procs: []Procedure{proc("P", Tender, "m", dl(ComplaintsEnd, "2026-03-20 16:00"))},
			want:  []string{"complaints_end 2026-03-20 16:00 -> 2026-03-21 16:00 extend Q36.6", "notify Q36.2"}},
		{rule: "Q37.2 every ending procedure in the module + time spent fixing", profile: quasi, in: inputOf(high()),
			procs: []Procedure{proc("P", Tender, "m", dl(OpeningProtocol, "2026-04-14 10:00"), dl(Decryption, "2026-04-14 12:00"), dl(AdmissionProtocol, "2026-04-14 14:00"))},
			want: []string{"opening_protocol 2026-04-14 10:00 -> 2026-04-14 14:15 extend Q37.2",
				"decryption 2026-04-14 12:00 -> 2026-04-14 16:15 extend Q37.2", "notify Q37.12"}},
		{rule: "Q37.4 acceptance of housing and price request coinciding", profile: quasi, in: inputOf(high()),
			procs: []Procedure{proc("P", Housing, "m", dl(BidsEnd, "2026-04-14 11:00")), proc("R", PriceRequest, "m", dl(PriceOffersEnd, "2026-04-14 11:00")),
				proc("S", SingleSource, "m", dl(PriceOffersEnd, "2026-04-14 11:00"))},
			want: []string{"bids_end 2026-04-14 11:00 -> 2026-04-14 15:15 extend Q37.4", "notify Q37.12",
				"price_offers_end 2026-04-14 11:00 -> 2026-04-14 15:15 extend Q37.4", "notify Q37.12",
				"price_offers_end 2026-04-14 11:00 -> 2026-04-14 15:15 extend Q37.2", "notify Q37.12"}},
		{rule: "Q37.5 contract: at least 1 calendar day", profile: quasi, in: inputOf(high()),
			procs: []Procedure{proc("P", Tender, "m", dl(ContractApproval, "2026-04-14 12:00"))},
			want:  []string{"contract_approval 2026-04-14 12:00 -> 2026-04-15 12:00 extend Q37.5", "notify Q37.12"}},
		{rule: "Q37.6 complaints: at least 1 calendar day", profile: quasi, in: inputOf(high()),
			procs: []Procedure{proc("P", Tender, "m", dl(ComplaintsEnd, "2026-04-14 13:00"))},
			want:  []string{"complaints_end 2026-04-14 13:00 -> 2026-04-15 13:00 extend Q37.6", "notify Q37.12"}},
		{rule: "Q37.7 auction trading to next working day; automatic protocol and bids annulled", profile: quasi, in: inputOf(high()),
			procs: []Procedure{proc("P", Auction, "m", dl(AuctionTrading, "2026-04-14 10:30"), dl(ResultsProtocol, "2026-04-14 12:30"))},
			want: []string{"auction_trading 2026-04-14 10:30 -> 2026-04-15 10:30 extend Q37.7",
				"results_protocol annul_protocol Q37.7", "bids_end require_resubmission Q37.7", "notify Q37.12"}},
		{rule: "Q37.8 failure longer than the acceptance period: the end moves by the time to fix", profile: quasi, in: inputOf(high()),
			procs: []Procedure{proc("P", Tender, "m", dl(BidsStart, "2026-04-14 09:30"), dl(BidsEnd, "2026-04-14 12:00"))},
			want:  []string{"bids_end 2026-04-14 12:00 -> 2026-04-14 16:15 extend Q37.8", "notify Q37.12"}},
		{rule: "Q37.8 literal reading: the start moves", profile: quasi, opt: Options{Q37_8MoveStart: true}, in: inputOf(high()),
			procs: []Procedure{proc("P", Tender, "m", dl(BidsStart, "2026-04-14 09:30"), dl(BidsEnd, "2026-04-14 12:00"))},
			want: []string{"bids_start 2026-04-14 09:30 -> 2026-04-14 13:45 extend Q37.8",
				"bids_end 2026-04-14 12:00 -> 2026-04-14 16:15 extend Q37.4", "notify Q37.12"}},
		{rule: "Q37.9 decryption impossible, acceptance open at the start: + fix time, re-submit", profile: quasi, in: inputOf(with(high(), decrypt)),
			procs: []Procedure{proc("P", Tender, "m", dl(BidsEnd, "2026-04-17 10:00"))},
			want:  []string{"bids_end 2026-04-17 10:00 -> 2026-04-17 14:15 extend Q37.9", "bids_end require_resubmission Q37.9", "notify Q37.12"}},
		{rule: "Q37.9 not for price request (GZ)", profile: quasi, in: inputOf(with(high(), decrypt)),
			procs: []Procedure{proc("P", PriceRequest, "m", dl(PriceOffersEnd, "2026-04-17 10:00"))}},
		{rule: "Q37.10 acceptance had ended: 5 working days from the fix (1, 7, 11 May off), re-submit", profile: quasi, in: inputOf(with(high(), mayEve)),
			procs: []Procedure{proc("P", Tender, "m", dl(BidsEnd, "2026-04-29 18:00"), dl(Decryption, "2026-04-30 10:00"))},
			want: []string{"bids_end 2026-04-29 18:00 -> 2026-05-12 13:15 extend Q37.10",
				"decryption 2026-04-30 10:00 -> 2026-04-30 14:15 extend Q37.2", "bids_end require_resubmission Q37.10", "notify Q37.12"}},
		{rule: "Q37.10/Q17 force majeure: the days agreed with the authorized body (3)", profile: quasi,
			in:    inputOf(with(high(), func(i *Incident) { mayEve(i); i.ForceMajeure = &ForceMajeure{AgreedDays: 3} })),
			procs: []Procedure{proc("P", PriceRequestNotGZ, "m", dl(PriceOffersEnd, "2026-04-29 18:00"), dl(Decryption, "2026-04-30 13:30"))},
			want:  []string{"price_offers_end 2026-04-29 18:00 -> 2026-05-03 13:15 extend Q37.10", "price_offers_end require_resubmission Q37.10", "notify Q37.12"}},
		{rule: "Q41 maintenance: moved by the works on that date; inside the window the lost time comes back after it", profile: quasi, in: window,
			procs: []Procedure{proc("P", Tender, "m", lot("1", dl(BidsEnd, "2026-04-18 12:00")), dl(ContractSigning, "2026-04-18 22:00"),
				dl(ResultsProtocol, "2026-04-19 10:00"), dl(ComplaintsEnd, "2026-04-18 12:00"), lot("2", dl(BidsEnd, "2026-04-17 12:00")),
				lot("3", dl(BidsEnd, "2026-04-18 17:00")))},
			want: []string{"lot1 bids_end 2026-04-18 12:00 -> 2026-04-18 16:00 extend Q41",
				"contract_signing 2026-04-18 22:00 -> 2026-04-19 04:00 extend Q41",
				"results_protocol 2026-04-19 10:00 -> 2026-04-19 12:00 extend Q41",
				"lot3 bids_end 2026-04-18 17:00 -> 2026-04-19 03:00 extend Q41"}},
		{rule: "Q41 whole-window reading", profile: quasi, opt: Options{Q41WholeWindow: true}, in: window,
			procs: []Procedure{proc("P", Tender, "m", dl(BidsEnd, "2026-04-18 12:00"))},
			want:  []string{"bids_end 2026-04-18 12:00 -> 2026-04-18 18:00 extend Q41"}},
		{rule: "G-000 hold while confirming: acceptance only, from the report to the expected decision", profile: quasi, in: inputOf(pending),
			procs: []Procedure{proc("P", Tender, "m", dl(BidsEnd, "2026-04-14 10:00"), lot("2", dl(BidsEnd, "2026-04-14 12:00")), dl(ComplaintsEnd, "2026-04-14 10:00"), lot("3", dl(BidsEnd, "2026-04-14 09:05")))},
			want:  []string{"bids_end 2026-04-14 10:00 -> 2026-04-14 11:10 hold G-000"}},
		{rule: "G-000 refuted: the deadline becomes the refutation time", profile: quasi,
			in:    inputOf(with(pending, func(i *Incident) { i.RefutedAt = at("2026-04-14 10:40") })),
			procs: []Procedure{proc("P", Tender, "m", dl(BidsEnd, "2026-04-14 10:00"))},
			want:  []string{"bids_end 2026-04-14 10:00 -> 2026-04-14 10:40 extend G-000"}},
		{rule: "G-000 confirmed low: no hold (failure does not prevent participation)", profile: quasi,
			in: inputOf(with(pending, func(i *Incident) {
				i.ConfirmedAt = at("2026-04-14 10:40")
				i.Criticality = Low
				i.FixedAt = at("2026-04-14 09:20")
			})),
			procs: []Procedure{proc("P", Tender, "m", dl(BidsEnd, "2026-04-14 10:00"))}},
		{rule: "G-000 confirmed medium, deadline after the fix but before confirmation: to the confirmation", profile: quasi,
			in: inputOf(with(pending, func(i *Incident) {
				i.ConfirmedAt = at("2026-04-14 10:40")
				i.Criticality = Medium
				i.FixedAt = at("2026-04-14 09:20")
			})),
			procs: []Procedure{proc("P", Auction, "m", dl(BidsEnd, "2026-04-14 10:00"))},
			want:  []string{"bids_end 2026-04-14 10:00 -> 2026-04-14 10:40 extend G-000", "notify Q36.2"}},
		{rule: "Q48 tariff ending on a date of the failure: + the longest extension", profile: quasi, in: inputOf(medium()),
			procs: []Procedure{proc("P", Tender, "m", dl(ContractSigning, "2026-03-20 12:00"),
				Deadline{Kind: TariffEnd, Supplier: "990140000123", At: at("2026-03-20 23:59")}, lot("2", dl(TariffEnd, "2026-03-30 23:59")))},
			want: []string{"contract_signing 2026-03-20 12:00 -> 2026-03-21 12:00 extend Q36.5",
				"tariff_end 2026-03-20 23:59 -> 2026-03-21 23:59 extend Q48", "notify Q36.2"}},
		{rule: "Q49 protocol formed during the failure annulled on appeal; acceptance reopens for 1 calendar day from the decision", profile: quasi,
			in:    inputOf(with(medium(), appeal(Appeal{Kind: AppealCouldNotParticipate, Procedure: "P", At: at("2026-03-20 17:00")}))),
			procs: []Procedure{proc("P", Tender, "m", dl(BidsEnd, "2026-03-19 18:00"), dl(OpeningProtocol, "2026-03-20 14:00"))},
			want:  []string{"bids_end 2026-03-19 18:00 -> 2026-03-21 17:00 extend Q49", "opening_protocol annul_protocol Q49", "notify Q36.2"}},
		{rule: "Q49 from-old-deadline reading", profile: quasi, opt: Options{Q49FromOldDeadline: true},
			in:    inputOf(with(medium(), appeal(Appeal{Kind: AppealCouldNotParticipate, Procedure: "P", At: at("2026-03-20 17:00")}))),
			procs: []Procedure{proc("P", Tender, "m", dl(BidsEnd, "2026-03-19 18:00"), dl(OpeningProtocol, "2026-03-20 14:00"))},
			want:  []string{"bids_end 2026-03-19 18:00 -> 2026-03-20 18:00 extend Q49", "opening_protocol annul_protocol Q49", "notify Q36.2"}},
		{rule: "Q49 not for a low failure", profile: quasi,
			in: inputOf(with(medium(), func(i *Incident) {
				i.Criticality = Low
				appeal(Appeal{Kind: AppealCouldNotParticipate, Procedure: "P"})(i)
			})),
			procs: []Procedure{proc("P", Tender, "m", dl(BidsEnd, "2026-03-19 18:00"), dl(OpeningProtocol, "2026-03-20 14:00"))}},
		{rule: "Q50 early exclusion from the unreliable register: 1 calendar day to sign, second winner's draft withdrawn", profile: quasi,
			in: inputOf(with(medium(), appeal(Appeal{Kind: AppealUnreliableRegister, Procedure: "P", Supplier: "990140000123",
				ExcludedAt: at("2026-04-06 15:00"), DraftSentToSecondWinner: true}))),
			procs: []Procedure{proc("P", Tender, "other", dl(ContractSigning, "2026-03-26 18:00"))},
			want: []string{"contract_signing 2026-03-26 18:00 -> 2026-04-07 15:00 extend Q50", "contract_signing withdraw_draft Q50",
				"contract_signing notify Q50", "notify Q36.2"}},
		{rule: "Q51 discussion of the documentation + 1 calendar day", profile: quasi,
			in:    inputOf(with(medium(), appeal(Appeal{Kind: AppealDiscussionQuestions, Procedure: "P"}))),
			procs: []Procedure{proc("P", Tender, "other", dl(DiscussionEnd, "2026-03-21 18:00"), lot("2", dl(DiscussionEnd, "2026-03-19 18:00")))},
			want:  []string{"discussion_end 2026-03-21 18:00 -> 2026-03-22 18:00 extend Q51", "notify Q36.2"}},
		{rule: "E29.3 failure on the last day of acceptance: to the working day after the fix day", profile: energy,
			in:    inputOf(with(medium(), func(i *Incident) { i.LastDayAcceptanceAffected = true })),
			procs: []Procedure{proc("P", Tender, "m", dl(BidsEnd, "2026-03-20 18:00"), lot("2", dl(BidsEnd, "2026-03-30 18:00")))},
			want:  []string{"bids_end 2026-03-20 18:00 -> 2026-03-26 18:00 extend E29.3", "notify E29.2"}},
		{rule: "E29.3 needs the flag: submission was affected", profile: energy, in: inputOf(medium()),
			procs: []Procedure{proc("P", Tender, "m", dl(BidsEnd, "2026-03-20 18:00"))}},
		{rule: "E29.4 protocols formed during the failure annulled", profile: energy, in: inputOf(medium()),
			procs: []Procedure{proc("P", Tender, "m", dl(ResultsProtocol, "2026-03-20 12:00"), dl(OpeningProtocol, "2026-03-20 09:00"))},
			want:  []string{"results_protocol annul_protocol E29.4", "notify E29.2"}},
		{rule: "E29.5 results affected: held again", profile: energy,
			in:    inputOf(with(medium(), func(i *Incident) { i.ResultsAffected = []string{"P"} })),
			procs: []Procedure{proc("P", Tender, "other", dl(ResultsProtocol, "2026-03-10 12:00"))},
			want:  []string{"rerun_procedure E29.5", "notify E29.2"}},
		{rule: "E29.6 unreliable-list decision cancelled after the act", profile: energy,
			in: inputOf(with(medium(), appeal(Appeal{Kind: AppealUnreliableList, Procedure: "P", Supplier: "990140000123",
				ActApprovedAt: at("2026-03-25 10:00")}))),
			procs: []Procedure{proc("P", Tender, "other", dl(ContractSigning, "2026-03-10 12:00"))},
			want:  []string{"notify E29.6", "notify E29.2"}},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			assertLines(t, plan(t, tt.profile, tt.opt, tt.in, tt.procs...), tt.want...)
		})
	}
}
