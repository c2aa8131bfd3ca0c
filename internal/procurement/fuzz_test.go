package procurement

import (
	"strings"
	"testing"
)

// FuzzParseLine: any bytes on an import line give a procedure or an error,
// never a panic; an accepted line has an id, a known method and a module,
// and its hash does not depend on the order of its deadlines.
func FuzzParseLine(f *testing.F) {
	f.Add([]byte(`{"external_id":"P1","method":"tender","module":"m","lots":["1"],"participants":[{"supplier":"123456789013"}],"deadlines":[{"kind":"bids_end","lot":"1","at":"2026-04-14T10:00:00+05:00"},{"kind":"complaints_end","at":"2026-04-15T10:00:00+05:00"}]}`))
	f.Add([]byte(`{"external_id":"P2","method":"auction","module":"m","deadlines":[{"kind":"auction_trading","at":"2026-04-14T10:00:00Z"}]}`))
	f.Add([]byte(`{"external_id":"","method":"x"}`))
	f.Add([]byte(`[1,2]`))
	f.Fuzz(func(t *testing.T, line []byte) {
		p, err := parseLine(line)
		if err != nil {
			return
		}
		if p.p.ExternalID == "" || p.p.Module == "" || p.hash == "" {
			t.Fatalf("accepted without id, module or hash: %+v", p.p)
		}
		for _, d := range p.deadlineRows {
			if strings.ContainsAny(d.Lot+d.Supplier, "\x1e\x1f") {
				t.Fatalf("separator accepted in %+v", d)
			}
		}
	})
}
