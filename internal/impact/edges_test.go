package impact

import "testing"

// The edges of each rule, both sides (docs/regulations.md "Edges"): a
// failure is the closed interval [start, fix]; a deadline at either end
// coincides with it.
func TestRuleEdges(t *testing.T) {
	// zero-length failures: the fix is the start
	zeroMedium := with(medium(), func(i *Incident) { i.FixedAt = i.StartedAt })
	zeroHigh := with(high(), func(i *Incident) { i.FixedAt = i.StartedAt })
	// medium over three dates: Mon 13 April 10:00 – Wed 15 April 16:30 (54h30)
	multiDay := with(medium(), func(i *Incident) {
		i.StartedAt, i.ConfirmedAt, i.FixedAt = at("2026-04-13 10:00"), at("2026-04-13 11:00"), at("2026-04-15 16:30")
	})
	// medium of exactly 24 hours: Mon 13 April 10:00 – Tue 14 April 10:00
	day := with(multiDay, func(i *Incident) { i.FixedAt = at("2026-04-14 10:00") })
	decrypt := func(i *Incident) { i.DecryptionImpossible = true }
	lastDay := func(fix string) Incident {
		return with(medium(), func(i *Incident) { i.LastDayAcceptanceAffected = true; i.FixedAt = at(fix) })
	}

	tests := []struct {
		rule    string
		profile string
		in      Input
		procs   []Procedure
		want    []string
	}{
		// "at least 1 calendar day"
		{rule: "Q36.5 zero-length failure: at least 1 calendar day", profile: quasi, in: inputOf(zeroMedium),
			procs: []Procedure{proc("P", Tender, "m", dl(ContractSigning, "2026-03-20 10:00"))},
			want:  []string{"contract_signing 2026-03-20 10:00 -> 2026-03-21 10:00 extend Q36.5", "notify Q36.2"}},
		{rule: "Q36.6 zero-length failure: at least 1 calendar day", profile: quasi, in: inputOf(zeroMedium),
			procs: []Procedure{proc("P", Tender, "m", dl(ComplaintsEnd, "2026-03-20 10:00"))},
			want:  []string{"complaints_end 2026-03-20 10:00 -> 2026-03-21 10:00 extend Q36.6", "notify Q36.2"}},
		{rule: "Q37.5 zero-length failure: at least 1 calendar day", profile: quasi, in: inputOf(zeroHigh),
			procs: []Procedure{proc("P", Tender, "m", dl(ContractApproval, "2026-04-14 09:00"))},
			want:  []string{"contract_approval 2026-04-14 09:00 -> 2026-04-15 09:00 extend Q37.5", "notify Q37.12"}},
		{rule: "Q37.6 zero-length failure: at least 1 calendar day", profile: quasi, in: inputOf(zeroHigh),
			procs: []Procedure{proc("P", Tender, "m", dl(ComplaintsEnd, "2026-04-14 09:00"))},
			want:  []string{"complaints_end 2026-04-14 09:00 -> 2026-04-15 09:00 extend Q37.6", "notify Q37.12"}},
		{rule: "Q36.3 zero-length failure: nothing to add, no no-op action", profile: quasi, in: inputOf(zeroMedium),
			procs: []Procedure{proc("P", Tender, "m", dl(BidsEnd, "2026-03-30 10:00"))}},
		{rule: "Q36.5 exactly 24 hours is 1 day", profile: quasi, in: inputOf(day),
			procs: []Procedure{proc("P", Tender, "m", dl(ContractSigning, "2026-04-13 12:00"))},
			want:  []string{"contract_signing 2026-04-13 12:00 -> 2026-04-14 12:00 extend Q36.5", "notify Q36.2"}},
		{rule: "Q36.5 54h30 is 3 days", profile: quasi, in: inputOf(multiDay),
			procs: []Procedure{proc("P", Tender, "m", dl(ContractSigning, "2026-04-15 16:30"), dl(ContractApproval, "2026-04-15 16:31"))},
			want:  []string{"contract_signing 2026-04-15 16:30 -> 2026-04-18 16:30 extend Q36.5", "notify Q36.2"}},
		// Q36.7: after the fix, not after the start
		{rule: "Q36.7 multi-day failure: the working day after the fix", profile: quasi, in: inputOf(multiDay),
			procs: []Procedure{proc("P", Auction, "m", dl(BidsEnd, "2026-04-13 15:00"))},
			want:  []string{"bids_end 2026-04-13 15:00 -> 2026-04-16 15:00 extend Q36.7", "notify Q36.2"}},
		{rule: "Q36.7 acceptance ending exactly at the start coincides", profile: quasi, in: inputOf(multiDay),
			procs: []Procedure{proc("P", Auction, "m", dl(BidsEnd, "2026-04-13 10:00"), lot("2", dl(BidsEnd, "2026-04-13 09:59")))},
			want:  []string{"bids_end 2026-04-13 10:00 -> 2026-04-16 10:00 extend Q36.7", "notify Q36.2"}},
		{rule: "Q36.5 contract deadline exactly at the start coincides, 1 minute before does not", profile: quasi, in: inputOf(medium()),
			procs: []Procedure{proc("P", Tender, "m", dl(ContractSigning, "2026-03-20 10:00"), lot("2", dl(ContractSigning, "2026-03-20 09:59")))},
			want:  []string{"contract_signing 2026-03-20 10:00 -> 2026-03-21 10:00 extend Q36.5", "notify Q36.2"}},
		// Q37.8: longer than the acceptance period, overlapping it
		{rule: "Q37.8 acceptance exactly as long as the failure: not longer, Q37.4 applies", profile: quasi, in: inputOf(high()),
			procs: []Procedure{proc("P", Tender, "m", dl(BidsStart, "2026-04-14 08:00"), dl(BidsEnd, "2026-04-14 12:15"))},
			want:  []string{"bids_end 2026-04-14 12:15 -> 2026-04-14 16:30 extend Q37.4", "notify Q37.12"}},
		{rule: "Q37.8 acceptance one minute shorter than the failure", profile: quasi, in: inputOf(high()),
			procs: []Procedure{proc("P", Tender, "m", dl(BidsStart, "2026-04-14 08:01"), dl(BidsEnd, "2026-04-14 12:15"))},
			want:  []string{"bids_end 2026-04-14 12:15 -> 2026-04-14 16:30 extend Q37.8", "notify Q37.12"}},
		{rule: "Q37.8 failure beginning exactly at the end of acceptance overlaps it", profile: quasi, in: inputOf(high()),
			procs: []Procedure{proc("P", Tender, "m", dl(BidsStart, "2026-04-14 08:00"), dl(BidsEnd, "2026-04-14 09:00"))},
			want:  []string{"bids_end 2026-04-14 09:00 -> 2026-04-14 13:15 extend Q37.8", "notify Q37.12"}},
		{rule: "Q37.8 failure ending exactly at the start of acceptance overlaps it", profile: quasi, in: inputOf(high()),
			procs: []Procedure{proc("P", Tender, "m", dl(BidsStart, "2026-04-14 13:15"), dl(BidsEnd, "2026-04-14 14:00"))},
			want:  []string{"bids_end 2026-04-14 14:00 -> 2026-04-14 18:15 extend Q37.8", "notify Q37.12"}},
		{rule: "Q37.8 acceptance beginning 1 minute after the fix: no overlap", profile: quasi, in: inputOf(high()),
			procs: []Procedure{proc("P", Tender, "m", dl(BidsStart, "2026-04-14 13:16"), dl(BidsEnd, "2026-04-14 14:00"))}},
		{rule: "Q37.8 acceptance ended 1 minute before the failure: no overlap", profile: quasi, in: inputOf(high()),
			procs: []Procedure{proc("P", Tender, "m", dl(BidsStart, "2026-04-14 08:00"), dl(BidsEnd, "2026-04-14 08:59"))}},
		// Q37.9 / Q37.10: was acceptance open when the failure began?
		{rule: "Q37.9 acceptance ending 1 minute after the start was open", profile: quasi, in: inputOf(with(high(), decrypt)),
			procs: []Procedure{proc("P", Tender, "m", dl(BidsEnd, "2026-04-14 09:01"))},
			want:  []string{"bids_end 2026-04-14 09:01 -> 2026-04-14 13:16 extend Q37.9", "bids_end require_resubmission Q37.9", "notify Q37.12"}},
		{rule: "Q37.10 acceptance ending exactly at the start had ended; decryption at the start was still due", profile: quasi, in: inputOf(with(high(), decrypt)),
			procs: []Procedure{proc("P", Tender, "m", dl(BidsEnd, "2026-04-14 09:00"), dl(Decryption, "2026-04-14 09:00"))},
			want: []string{"bids_end 2026-04-14 09:00 -> 2026-04-21 13:15 extend Q37.10",
				"decryption 2026-04-14 09:00 -> 2026-04-14 13:15 extend Q37.2", "bids_end require_resubmission Q37.10", "notify Q37.12"}},
		{rule: "Q37.10 decryption done 1 minute before the failure: offers were not lost", profile: quasi, in: inputOf(with(high(), decrypt)),
			procs: []Procedure{proc("P", Tender, "m", dl(BidsEnd, "2026-04-14 09:00"), dl(Decryption, "2026-04-14 08:59"))},
			want:  []string{"bids_end 2026-04-14 09:00 -> 2026-04-14 13:15 extend Q37.4", "notify Q37.12"}},
		{rule: "Q37.10 opening protocol stands in for a missing decryption deadline", profile: quasi, in: inputOf(with(high(), decrypt)),
			procs: []Procedure{proc("P", Auction, "m", dl(BidsEnd, "2026-04-13 18:00"), dl(OpeningProtocol, "2026-04-14 09:00"))},
			want: []string{"bids_end 2026-04-13 18:00 -> 2026-04-21 13:15 extend Q37.10",
				"opening_protocol 2026-04-14 09:00 -> 2026-04-14 13:15 extend Q37.2", "bids_end require_resubmission Q37.10", "notify Q37.12"}},
		{rule: "Q37.10 neither decryption nor opening known: acceptance is not reopened", profile: quasi, in: inputOf(with(high(), decrypt)),
			procs: []Procedure{proc("P", Tender, "m", dl(BidsEnd, "2026-04-13 18:00"))}},
		// Q37.2 moves every ending deadline, but neither a start nor a tariff (Q48 does that)
		{rule: "Q37.2 does not extend a tariff end or an acceptance start", profile: quasi, in: inputOf(high()),
			procs: []Procedure{proc("P", Tender, "m", Deadline{Kind: TariffEnd, Supplier: "990140000123", At: at("2026-04-14 11:00")},
				dl(BidsStart, "2026-04-14 10:00"), dl(BidsEnd, "2026-04-24 18:00"))}},
		{rule: "Q48 a high failure extends the tariff by the longest extension, not by Q37.2", profile: quasi, in: inputOf(high()),
			procs: []Procedure{proc("P", Tender, "m", Deadline{Kind: TariffEnd, Supplier: "990140000123", At: at("2026-04-14 11:00")},
				dl(ContractApproval, "2026-04-14 12:00"))},
			want: []string{"tariff_end 2026-04-14 11:00 -> 2026-04-15 11:00 extend Q48",
				"contract_approval 2026-04-14 12:00 -> 2026-04-15 12:00 extend Q37.5", "notify Q37.12"}},
		{rule: "Q48 a tariff ending at 00:00 of the failure's first date is extended, one ending the day before is not", profile: quasi, in: inputOf(medium()),
			procs: []Procedure{proc("P", Tender, "m", dl(ContractSigning, "2026-03-20 12:00"),
				lot("1", dl(TariffEnd, "2026-03-20 00:00")), lot("2", dl(TariffEnd, "2026-03-19 23:59")))},
			want: []string{"contract_signing 2026-03-20 12:00 -> 2026-03-21 12:00 extend Q36.5",
				"lot1 tariff_end 2026-03-20 00:00 -> 2026-03-21 00:00 extend Q48", "notify Q36.2"}},
		{rule: "Q48 a tariff ending on the fix date is extended, one ending the next date is not", profile: quasi, in: inputOf(medium()),
			procs: []Procedure{proc("P", Tender, "m", dl(ContractSigning, "2026-03-20 12:00"),
				lot("1", dl(TariffEnd, "2026-03-20 23:59")), lot("2", dl(TariffEnd, "2026-03-21 00:00")))},
			want: []string{"contract_signing 2026-03-20 12:00 -> 2026-03-21 12:00 extend Q36.5",
				"lot1 tariff_end 2026-03-20 23:59 -> 2026-03-21 23:59 extend Q48", "notify Q36.2"}},
		// E29.3: on the last day of acceptance, before its end
		{rule: "E29.3 failure fixed on the day before the last day: not on the last day", profile: energy, in: inputOf(lastDay("2026-03-20 23:59")),
			procs: []Procedure{proc("P", Tender, "m", dl(BidsEnd, "2026-03-21 10:00"))}},
		{rule: "E29.3 failure lasting to 00:00 of the last day", profile: energy, in: inputOf(lastDay("2026-03-21 00:00")),
			procs: []Procedure{proc("P", Tender, "m", dl(BidsEnd, "2026-03-21 10:00"))},
			want:  []string{"bids_end 2026-03-21 10:00 -> 2026-03-26 10:00 extend E29.3", "notify E29.2"}},
		{rule: "E29.3 failure beginning exactly at the end of acceptance", profile: energy, in: inputOf(lastDay("2026-03-20 16:30")),
			procs: []Procedure{proc("P", Tender, "m", dl(BidsEnd, "2026-03-20 10:00"), lot("2", dl(BidsEnd, "2026-03-20 09:59")))},
			want:  []string{"bids_end 2026-03-20 10:00 -> 2026-03-26 10:00 extend E29.3", "notify E29.2"}},
		// E23: 004 ties no deadline to a level, so E29 acts on a low failure too
		{rule: "E23/E29.3 a low failure on the energy platform extends acceptance all the same", profile: energy,
			in:    inputOf(with(lastDay("2026-03-20 16:30"), func(i *Incident) { i.Criticality = Low })),
			procs: []Procedure{proc("P", Tender, "m", dl(BidsEnd, "2026-03-20 18:00"))},
			want:  []string{"bids_end 2026-03-20 18:00 -> 2026-03-26 18:00 extend E29.3", "notify E29.2"}},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			assertLines(t, plan(t, tt.profile, Options{}, tt.in, tt.procs...), tt.want...)
		})
	}
}
