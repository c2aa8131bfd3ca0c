package notify

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"tenderdesk/internal/notify/templates"
)

// Compact data reads back to the same templates.Data as the full encoding.
func TestCompactJSONRoundTrip(t *testing.T) {
	at := time.Date(2026, 2, 2, 10, 0, 0, 0, time.UTC)
	for _, d := range []templates.Data{
		{Number: "2026-000001"},
		{Number: "TF-2026-0001", Level: "medium", Started: at, Changed: true, SectionMissing: true, Sections: []string{"Планирование"},
			Extensions: []templates.Extension{{Announcement: "1-1", Old: at, New: at.Add(time.Hour), Rule: "Q36.3"}},
			Zone:       "Asia/Almaty", Summary: "«кавычки» и \"escapes\"\n", Location: time.UTC},
	} {
		b, err := compactJSON(d)
		if err != nil {
			t.Fatal(err)
		}
		var got templates.Data
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		d.Location = nil // not stored: Zone is
		if !reflect.DeepEqual(got, d) {
			t.Errorf("round trip:\\n got %+v\nwant %+v\n%s", got, d, b)
		}
	}
}
