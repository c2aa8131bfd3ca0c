package statuspage

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

var almaty, _ = time.LoadLocation("Asia/Almaty")

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, almaty)
	if err != nil {
		panic(err)
	}
	return t
}

// fakeSource counts calls so the tests can see what the cache does.
type fakeSource struct {
	mu        sync.Mutex
	snap      Snapshot
	err       error
	versions  int
	snapshots int
}

func (f *fakeSource) StatusVersion(context.Context) (uint64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.versions++
	return f.snap.Version, f.err
}

func (f *fakeSource) StatusSnapshot(context.Context) (Snapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.snapshots++
	return f.snap, f.err
}

func (f *fakeSource) set(fn func(*fakeSource)) { f.mu.Lock(); fn(f); f.mu.Unlock() }

func (f *fakeSource) counts() (int, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.versions, f.snapshots
}

func sampleSnapshot() Snapshot {
	return Snapshot{
		Version: 7,
		Updated: at("2026-02-02 15:25"),
		Failures: []Failure{
			{
				Number: "TF-2026-0042", Level: "high", State: "fixing",
				Title:   Text{"ru": "Недоступна подача заявок", "kk": "Өтінімдер беру қолжетімсіз"},
				Modules: Text{"ru": "Подача заявок"},
				Started: at("2026-02-02 09:40"), Confirmed: at("2026-02-02 10:05"), PlannedFix: at("2026-02-02 16:00"),
				Updated:  at("2026-02-02 15:25"),
				Affected: []Procurement{{Announcement: "1234567-1", Lots: []string{"2", "5"}}, {Announcement: "7654321-1"}},
				Extensions: []Extension{
					{Announcement: "1234567-1", Lot: "2", DeadlineKind: "bid_acceptance", Old: at("2026-02-02 12:00"), New: at("2026-02-02 18:20"), Rule: "Q37.2"},
				},
				ForceMajeure: &ForceMajeure{Started: at("2026-02-02 09:40"), ExpectedEnd: at("2026-02-04 09:40"),
					Evidence: "Справка ДЧС № 12-05/781"},
				Withdrawn: []Withdrawal{
					{Announcement: "7654321-1", DeadlineKind: "contract_signing", Told: at("2026-02-03 18:00"), Restored: at("2026-02-02 18:00"),
						At: at("2026-02-02 15:20"), Reason: "сбой не зависел от оператора"},
				},
			},
			{
				Number: "TF-2026-0040", Level: "medium", State: "fixed",
				Title:   Text{"en": "Contract signing failed"},
				Started: at("2026-01-30 11:00"), Confirmed: at("2026-01-30 11:30"), PlannedFix: at("2026-01-30 15:00"), ActualFix: at("2026-01-30 14:10"),
				Affected: []Procurement{{Announcement: "5550001-2", Lots: []string{"1"}}},
				Extensions: []Extension{
					{Announcement: "5550001-2", DeadlineKind: "contract_signing", Old: at("2026-01-30 18:00"), New: at("2026-01-31 18:00"), Rule: "Q36.5"},
				},
			},
			{Number: "TF-2026-0043", State: "analysing", Started: at("2026-02-02 15:00")},
		},
		Maintenance: []Maintenance{
			{ID: "m-17", Title: Text{"ru": "Обновление версии портала"}, Start: at("2026-02-07 22:00"), End: at("2026-02-08 02:00"), Announced: at("2026-02-02 09:00")},
			{ID: "m-18", Start: at("2026-02-02 20:00"), End: at("2026-02-02 21:00"), Unplanned: true},
		},
	}
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newHandler(t testing.TB, src Source) (*Handler, *fakeClock) {
	t.Helper()
	clk := &fakeClock{t: at("2026-02-02 15:30")}
	h, err := New(src, Options{Now: clk.Now, Location: almaty, BaseURL: "https://zakup.example.kz/",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return h, clk
}

func get(h http.Handler, target string, hdr ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// Q36.1/Q37.3/Q37.12: the page names the failure, level, planned and actual
// fix, the announcement and lot numbers and the extensions granted.
func TestPageShowsAnnouncementsLotsAndExtensions(t *testing.T) {
	h, _ := newHandler(t, &fakeSource{snap: sampleSnapshot()})
	w := get(h, "/status")
	if w.Code != 200 || w.Header().Get("Content-Type") != "text/html; charset=utf-8" || w.Header().Get("Content-Language") != "ru" {
		t.Fatalf("%d %v", w.Code, w.Header())
	}
	body := w.Body.String()
	for _, want := range []string{
		`<meta name="viewport" content="width=device-width, initial-scale=1">`,
		"TF-2026-0042", "Уровень критичности: высокий", "устраняется", "Недоступна подача заявок",
		"Объявление <strong>1234567-1</strong>: лот <strong>2</strong>, <strong>5</strong>",
		"Объявление <strong>7654321-1</strong>: все лоты",
		"02.02.2026 16:00 (UTC&#43;5)",                   // planned fix in Astana time
		"окончание приема заявок", "пп. 2) п. 37 Правил", // the rule's point, not its catalogue ID (GLOSSARY D2)
		"Недавние сбои", "TF-2026-0040", "30.01.2026 14:10 (UTC&#43;5)", "пп. 5) п. 36 Правил", // fixed, with its actual time
		"Обновление версии портала", "внеплановые, по согласованию с уполномоченным органом",
		`href="/status/feed.atom?lang=ru"`,
		`hreflang="kk" lang="kk">Қазақша</a>`, // the switcher names languages (GLOSSARY D7)
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(body, "<script") {
		t.Error("the page needs no JavaScript")
	}
	if strings.Contains(body, "Q37.2") {
		t.Error("a catalogue rule ID is shown to users")
	}
}

// Issue 14: an extension an administrator reverted stays on the notice as
// withdrawn — the posted date struck out, the restored one, when and why —
// on the page and in both feeds, in every language.
func TestPageShowsWithdrawnExtensions(t *testing.T) {
	h, _ := newHandler(t, &fakeSource{snap: sampleSnapshot()})
	for lang, want := range map[string][]string{
		"ru": {"Отмененные продления сроков", "Было продлено до", "<s>03.02.2026 18:00 (UTC&#43;5)</s>", "02.02.2026 18:00 (UTC&#43;5)",
			"согласование и подписание договора", "сбой не зависел от оператора"},
		"kk": {"Күші жойылған мерзім ұзартулары", "Қалпына келтірілген мерзім", "<s>03.02.2026 18:00 (UTC&#43;5)</s>"},
		"en": {"Withdrawn extensions", "Restored deadline", "<s>2026-02-03 18:00 (UTC&#43;5)</s>", "2026-02-02 18:00 (UTC&#43;5)"},
	} {
		body := get(h, "/status?lang="+lang).Body.String()
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s page lacks %q", lang, w)
			}
		}
	}
	atom := get(h, "/status/feed.atom?lang=ru").Body.String()
	if !strings.Contains(atom, "Отмененные продления сроков:&#xA;") ||
		!strings.Contains(atom, "- Объявление 7654321-1: согласование и подписание договора 03.02.2026 18:00 (UTC+5) → 02.02.2026 18:00 (UTC+5) (Отменено: 02.02.2026 15:20 (UTC+5); Причина: сбой не зависел от оператора)") {
		t.Errorf("atom content lacks the withdrawal:\n%s", atom)
	}
	var feed struct {
		Items []struct {
			Ext struct {
				Withdrawn []map[string]any `json:"withdrawn"`
			} `json:"_tenderdesk"`
		} `json:"items"`
	}
	if err := json.Unmarshal(get(h, "/status/feed.json?lang=en").Body.Bytes(), &feed); err != nil {
		t.Fatal(err)
	}
	w := feed.Items[0].Ext.Withdrawn
	if len(w) != 1 || w[0]["told"] != "2026-02-03T13:00:00Z" || w[0]["restored"] != "2026-02-02T13:00:00Z" || w[0]["lot"] != nil ||
		w[0]["deadline_kind"] != "contract_signing" || w[0]["reason"] != "сбой не зависел от оператора" {
		t.Errorf("json withdrawn: %v", w)
	}
}

// Q17 (issue 14): users are told of force majeure — start, expected end,
// end once known, and the evidence — on the page and in both feeds.
func TestPageShowsForceMajeureQ17(t *testing.T) {
	src := &fakeSource{snap: sampleSnapshot()}
	h, _ := newHandler(t, src)
	for lang, want := range map[string][]string{
		"ru": {"Обстоятельства непреодолимой силы", "Ожидаемое окончание</dt><dd>04.02.2026 09:40 (UTC&#43;5)", "Справка ДЧС № 12-05/781"},
		"kk": {"Еңсерілмейтін күш мән-жайлары", "Күтілетін аяқталуы"},
		"en": {"Force majeure", "Expected end</dt><dd>2026-02-04 09:40 (UTC&#43;5)"},
	} {
		body := get(h, "/status?lang="+lang).Body.String()
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s page lacks %q", lang, w)
			}
		}
		if strings.Contains(body, "fmended") || (lang == "ru" && strings.Contains(body, "<dt>Окончание</dt>")) {
			t.Errorf("%s: an end shown before there is one", lang)
		}
	}
	if atom := get(h, "/status/feed.atom?lang=en").Body.String(); !strings.Contains(atom, "Force majeure:&#xA;- Started: 2026-02-02 09:40 (UTC+5)&#xA;- Expected end: 2026-02-04 09:40 (UTC+5)&#xA;- Evidence: Справка ДЧС № 12-05/781") {
		t.Errorf("atom lacks the force majeure:\n%s", atom)
	}
	var feed struct {
		Items []struct {
			Ext struct {
				FM map[string]any `json:"force_majeure"`
			} `json:"_tenderdesk"`
		} `json:"items"`
	}
	if err := json.Unmarshal(get(h, "/status/feed.json?lang=en").Body.Bytes(), &feed); err != nil {
		t.Fatal(err)
	}
	if fm := feed.Items[0].Ext.FM; fm["started"] != "2026-02-02T04:40:00Z" || fm["expected_end"] != "2026-02-04T04:40:00Z" || fm["ended"] != nil ||
		fm["evidence"] != "Справка ДЧС № 12-05/781" || feed.Items[1].Ext.FM != nil {
		t.Errorf("json force_majeure: %v / %v", fm, feed.Items[1].Ext.FM)
	}
}

func TestPageLanguages(t *testing.T) {
	h, _ := newHandler(t, &fakeSource{snap: sampleSnapshot()})
	for _, tc := range []struct{ target, accept, lang, word string }{
		{"/status?lang=kk", "", "kk", "Маңыздылық деңгейі: жоғары"},
		{"/status?lang=en", "kk", "en", "Criticality level: high"},
		{"/status", "en-GB,en;q=0.9,ru;q=0.5", "en", "Contract signing failed"},
		{"/status", "ru;q=0.4, kk-KZ;q=0.8", "kk", "Өтінімдер беру қолжетімсіз"},
		{"/status", "de,fr;q=0.5", "ru", "Технические сбои и работы"},
		{"/status?lang=xx", "", "ru", "Технические сбои и работы"},
		{"/status/?lang=kk", "", "kk", "Техникалық іркілістер мен жұмыстар"},
	} {
		w := get(h, tc.target, "Accept-Language", tc.accept)
		if w.Code != 200 || w.Header().Get("Content-Language") != tc.lang || !strings.Contains(w.Body.String(), tc.word) ||
			!strings.Contains(w.Body.String(), `<html lang="`+tc.lang+`">`) {
			t.Errorf("%s (%q): %d %s, want %s with %q", tc.target, tc.accept, w.Code, w.Header().Get("Content-Language"), tc.lang, tc.word)
		}
	}
}

func TestPageWithoutFailures(t *testing.T) {
	h, _ := newHandler(t, &fakeSource{snap: Snapshot{Version: 1}})
	body := get(h, "/status?lang=kk").Body.String()
	if !strings.Contains(body, "Іркілістер жоқ") || !strings.Contains(body, "Жұмыстар жарияланбаған") {
		t.Errorf("empty page:\n%s", body)
	}
}

// Atom 1.0 as a reader parses it.
type atomDoc struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string   `xml:"id"`
	Title   string   `xml:"title"`
	Updated string   `xml:"updated"`
	Author  struct {
		Name string `xml:"name"`
	} `xml:"author"`
	Links []struct {
		Href string `xml:"href,attr"`
		Rel  string `xml:"rel,attr"`
	} `xml:"link"`
	Entries []struct {
		ID      string `xml:"id"`
		Title   string `xml:"title"`
		Updated string `xml:"updated"`
		Link    struct {
			Href string `xml:"href,attr"`
		} `xml:"link"`
		Content struct {
			Type string `xml:"type,attr"`
			Body string `xml:",chardata"`
		} `xml:"content"`
		Categories []struct {
			Term string `xml:"term,attr"`
		} `xml:"category"`
	} `xml:"entry"`
}

func TestAtomFeedParses(t *testing.T) {
	h, _ := newHandler(t, &fakeSource{snap: sampleSnapshot()})
	for _, lang := range []string{"ru", "kk", "en"} {
		w := get(h, "/status/feed.atom?lang="+lang)
		if w.Code != 200 || w.Header().Get("Content-Type") != "application/atom+xml; charset=utf-8" {
			t.Fatalf("%d %v", w.Code, w.Header())
		}
		var f atomDoc
		if err := xml.Unmarshal(w.Body.Bytes(), &f); err != nil {
			t.Fatalf("%s: atom does not parse: %v", lang, err)
		}
		// RFC 4287 4.1.1: id, title, updated; author (entries have none); a self link.
		if f.ID == "" || f.Title == "" || f.Author.Name == "" {
			t.Errorf("feed head: %+v", f)
		}
		if _, err := time.Parse(time.RFC3339, f.Updated); err != nil {
			t.Errorf("updated %q: %v", f.Updated, err)
		}
		self := false
		for _, l := range f.Links {
			self = self || (l.Rel == "self" && l.Href == "https://zakup.example.kz/status/feed.atom?lang="+lang)
		}
		if !self {
			t.Errorf("no self link: %+v", f.Links)
		}
		if len(f.Entries) != 5 {
			t.Fatalf("%s: %d entries, want 3 failures + 2 maintenance", lang, len(f.Entries))
		}
		ids := map[string]bool{}
		for _, e := range f.Entries {
			if e.ID == "" || e.Title == "" || ids[e.ID] {
				t.Errorf("entry id/title: %+v", e)
			}
			ids[e.ID] = true
			if _, err := time.Parse(time.RFC3339, e.Updated); err != nil {
				t.Errorf("entry updated %q", e.Updated)
			}
		}
		e := f.Entries[0]
		if e.ID != "urn:tenderdesk:failure:TF-2026-0042" || !strings.Contains(e.Content.Body, "1234567-1") ||
			!strings.Contains(e.Content.Body, map[string]string{"ru": "пп. 2) п. 37 Правил", "kk": "Қағидалардың 37-тармағының 2) тармақшасы", "en": "Rules, para 37(2)"}[lang]) || e.Link.Href != "https://zakup.example.kz/status?lang="+lang+"#TF-2026-0042" {
			t.Errorf("%s first entry: %+v", lang, e)
		}
	}
}

func TestJSONFeedMatchesSchema(t *testing.T) {
	var schema map[string]any
	if err := json.Unmarshal(FeedSchema, &schema); err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	h, _ := newHandler(t, &fakeSource{snap: sampleSnapshot()})
	for _, lang := range []string{"ru", "kk", "en"} {
		w := get(h, "/status/feed.json?lang="+lang)
		if w.Code != 200 || w.Header().Get("Content-Type") != "application/feed+json; charset=utf-8" {
			t.Fatalf("%d %v", w.Code, w.Header())
		}
		var doc any
		if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		if errs := validate(schema, schema, doc, "$"); len(errs) > 0 {
			t.Errorf("%s: feed does not match feed.schema.json:\n%s", lang, strings.Join(errs, "\n"))
		}
		var f jsonFeed
		_ = json.Unmarshal(w.Body.Bytes(), &f)
		if len(f.Items) != 5 || f.Language != lang {
			t.Fatalf("items %d lang %s", len(f.Items), f.Language)
		}
		x := f.Items[0].Ext
		if x.Number != "TF-2026-0042" || *x.Level != "high" || len(x.Affected) != 2 || x.Affected[0].Lots[1] != "5" ||
			len(x.Extensions) != 1 || *x.Extensions[0].Rule != "Q37.2" || x.ActualFix != nil || *x.PlannedFix != "2026-02-02T11:00:00Z" {
			t.Errorf("first item: %+v", x)
		}
		// Current failures come first, then the fixed ones.
		if f.Items[1].Ext.Level != nil || f.Items[1].Ext.State != "analysing" || f.Items[2].Ext.State != "fixed" {
			t.Errorf("analysing item: %+v", f.Items[1].Ext)
		}
	}
	// The schema is served beside the feed.
	if w := get(h, "/status/feed.schema.json"); w.Code != 200 || !bytes.Equal(w.Body.Bytes(), FeedSchema) {
		t.Errorf("schema endpoint: %d", w.Code)
	}
}

// The validator must fail on a bad document, or the test above proves nothing.
func TestSchemaValidatorCatchesErrors(t *testing.T) {
	var schema map[string]any
	_ = json.Unmarshal(FeedSchema, &schema)
	bad := map[string]any{
		"version": "https://jsonfeed.org/version/1", "title": 1, "home_page_url": "x", "feed_url": "x", "language": "de",
		"_tenderdesk": map[string]any{"schema_version": 1.0, "updated": "yesterday"},
		"items":       []any{map[string]any{"id": "x", "_tenderdesk": map[string]any{"kind": "failure", "number": "1", "state": "broken"}}},
	}
	errs := validate(schema, schema, bad, "$")
	joined := strings.Join(errs, "\n")
	for _, want := range []string{"$.version", "$.title", "$.language", "$._tenderdesk.updated", "$.items[0]"} {
		if !strings.Contains(joined, want) {
			t.Errorf("validator missed %s:\n%s", want, joined)
		}
	}
}

func Test304OnMatchingETagAndDate(t *testing.T) {
	src := &fakeSource{snap: sampleSnapshot()}
	h, clk := newHandler(t, src)
	w := get(h, "/status")
	etag, lm := w.Header().Get("ETag"), w.Header().Get("Last-Modified")
	if etag == "" || lm != "Mon, 02 Feb 2026 10:25:00 GMT" {
		t.Fatalf("etag %q last-modified %q", etag, lm)
	}
	if w := get(h, "/status", "If-None-Match", etag); w.Code != http.StatusNotModified || w.Body.Len() != 0 {
		t.Errorf("If-None-Match: %d", w.Code)
	}
	if w := get(h, "/status", "If-None-Match", `"other", W/`+etag); w.Code != http.StatusNotModified {
		t.Errorf("weak/list If-None-Match: %d", w.Code)
	}
	if w := get(h, "/status", "If-Modified-Since", lm); w.Code != http.StatusNotModified {
		t.Errorf("If-Modified-Since: %d", w.Code)
	}
	if w := get(h, "/status?lang=kk", "If-None-Match", etag); w.Code != 200 {
		t.Errorf("another language's tag matched: %d", w.Code)
	}
	// A new version gets a new tag: the old one no longer matches.
	src.set(func(f *fakeSource) { f.snap.Version = 8; f.snap.Updated = at("2026-02-02 15:40") })
	clk.Add(2 * time.Second)
	w = get(h, "/status", "If-None-Match", etag)
	if w.Code != 200 || w.Header().Get("ETag") == etag {
		t.Errorf("after a change: %d %s", w.Code, w.Header().Get("ETag"))
	}
}

func TestGzip(t *testing.T) {
	h, _ := newHandler(t, &fakeSource{snap: sampleSnapshot()})
	plain := get(h, "/status/feed.json")
	zipped := get(h, "/status/feed.json", "Accept-Encoding", "br, gzip")
	if zipped.Header().Get("Content-Encoding") != "gzip" || zipped.Header().Get("ETag") == plain.Header().Get("ETag") {
		t.Fatalf("headers %v", zipped.Header())
	}
	zr, err := gzip.NewReader(zipped.Body)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(zr)
	if !bytes.Equal(b, plain.Body.Bytes()) || zipped.Body.Len() >= plain.Body.Len() {
		t.Errorf("gzip body differs or is not smaller (%d vs %d)", zipped.Body.Len(), plain.Body.Len())
	}
	if w := get(h, "/status", "Accept-Encoding", "gzip;q=0"); w.Header().Get("Content-Encoding") != "" {
		t.Error("gzip;q=0 ignored")
	}
	if w := get(h, "/status", "Accept-Encoding", "gzip", "If-None-Match", plain.Header().Get("ETag")); w.Code == 304 {
		t.Error("json etag matched the html page")
	}
}

// The snapshot is fetched and rendered only when the version changes; in
// between, the version is asked at most once per Recheck.
func TestRendersOnlyWhenVersionChanges(t *testing.T) {
	src := &fakeSource{snap: sampleSnapshot()}
	h, clk := newHandler(t, src)
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); get(h, "/status") }()
	}
	wg.Wait()
	if v, s := src.counts(); v != 1 || s != 1 {
		t.Fatalf("50 requests: %d version checks, %d snapshots; want 1, 1", v, s)
	}
	clk.Add(1500 * time.Millisecond)
	get(h, "/status")
	get(h, "/status/feed.atom")
	if v, s := src.counts(); v != 2 || s != 1 {
		t.Fatalf("same version after Recheck: %d checks, %d snapshots; want 2, 1", v, s)
	}
	src.set(func(f *fakeSource) {
		f.snap.Version = 9
		f.snap.Failures[0].State = "fixed"
		f.snap.Failures[0].ActualFix = at("2026-02-02 15:35")
	})
	if body := get(h, "/status").Body.String(); strings.Contains(body, "15:35") {
		t.Fatal("changed before Recheck passed (no Invalidate)")
	}
	h.Invalidate()
	if body := get(h, "/status").Body.String(); !strings.Contains(body, "02.02.2026 15:35 (UTC&#43;5)") {
		t.Error("Invalidate did not show the fix at once (Q36.9/Q37.12)")
	}
	if _, s := src.counts(); s != 2 {
		t.Errorf("snapshots = %d, want 2", s)
	}
}

func TestSourceFailure(t *testing.T) {
	src := &fakeSource{err: errors.New("db down")}
	h, clk := newHandler(t, src)
	if w := get(h, "/status"); w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Fatalf("nothing cached: %d", w.Code)
	}
	src.set(func(f *fakeSource) { f.err = nil; f.snap = sampleSnapshot() })
	clk.Add(time.Second)
	if w := get(h, "/status"); w.Code != 200 {
		t.Fatalf("recovered: %d", w.Code)
	}
	src.set(func(f *fakeSource) { f.err = errors.New("db down again"); f.snap.Version = 99 })
	clk.Add(time.Second)
	if w := get(h, "/status"); w.Code != 200 || !strings.Contains(w.Body.String(), "TF-2026-0042") {
		t.Errorf("source down with a cached version: %d (want the previous page)", w.Code)
	}
}

func TestRoutingAndMethods(t *testing.T) {
	h, _ := newHandler(t, &fakeSource{snap: sampleSnapshot()})
	if w := get(h, "/status/nope"); w.Code != 404 {
		t.Errorf("unknown path: %d", w.Code)
	}
	r := httptest.NewRequest(http.MethodPost, "/status", nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 405 || w.Header().Get("Allow") == "" {
		t.Errorf("POST: %d", w.Code)
	}
	r = httptest.NewRequest(http.MethodHead, "/status", nil)
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 200 || w.Body.Len() != 0 || w.Header().Get("Content-Length") == "" {
		t.Errorf("HEAD: %d %d", w.Code, w.Body.Len())
	}
	if _, err := New(nil, Options{Now: time.Now}); err == nil {
		t.Error("nil source accepted")
	}
	if _, err := New(&fakeSource{}, Options{}); err == nil {
		t.Error("no clock accepted")
	}
}

// Q41/Q18: planned works are announced at least 2 calendar days ahead;
// later only as unplanned works agreed with the authorized body. The
// deadline comes from the regulation clock maintenance_notice (00:00 of the
// second calendar day before the works' date); noticeBy mirrors it here, and
// internal/publicnotice tests the wiring with the real clock.
func TestValidateMaintenanceQ41(t *testing.T) {
	noticeBy := func(start time.Time) time.Time {
		y, m, d := start.In(almaty).Date()
		return time.Date(y, m, d-2, 0, 0, 0, 0, almaty)
	}
	now := at("2026-02-02 10:00") // Monday
	for _, tc := range []struct {
		name      string
		start     time.Time
		unplanned bool
		agreement string
		want      error
	}{
		{"Q41 planned, Thu 09:00 (two whole days Tue, Wed between)", at("2026-02-05 09:00"), false, "", nil},
		{"Q41 planned, Wed 23:59 (61h ahead, but only Tue lies between)", at("2026-02-04 23:59"), false, "", ErrTooLate},
		{"Q41 planned, Wed 09:00 (47h)", at("2026-02-04 09:00"), false, "", ErrTooLate},
		{"Q41 planned, 72h ahead (Thu 10:00)", now.Add(72 * time.Hour), false, "", nil},
		{"Q41 planned, tomorrow", now.Add(24 * time.Hour), false, "", ErrTooLate},
		{"Q41 planned, already started", now.Add(-time.Hour), false, "", ErrTooLate},
		{"Q41 planned with an agreement is still planned", now.Add(time.Hour), false, "letter 12-3/456", ErrTooLate},
		{"Q18 unplanned, agreed", now.Add(time.Hour), true, "letter 12-3/456 of 02.02.2026", nil},
		{"Q18 unplanned, running now, agreed", now.Add(-time.Hour), true, "phone agreement, minutes 7", nil},
		{"Q18 unplanned without agreement", now.Add(time.Hour), true, "", ErrNoAgreement},
		{"Q18 unplanned, blank agreement", now.Add(time.Hour), true, "   ", ErrNoAgreement},
		{"Q18 unplanned, far ahead, still needs agreement", now.Add(240 * time.Hour), true, "", ErrNoAgreement},
		{"no start", time.Time{}, false, "", ErrBadWindow},
	} {
		var by time.Time
		if !tc.start.IsZero() {
			by = noticeBy(tc.start)
		}
		err := ValidateMaintenance(tc.start, by, now, tc.unplanned, tc.agreement)
		if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
	// Exactly at the deadline is in time; a minute later is not.
	start := at("2026-02-05 09:00")
	if err := ValidateMaintenance(start, noticeBy(start), noticeBy(start), false, ""); err != nil {
		t.Errorf("at the deadline: %v", err)
	}
	if err := ValidateMaintenance(start, noticeBy(start), noticeBy(start).Add(time.Minute), false, ""); !errors.Is(err, ErrTooLate) {
		t.Errorf("a minute after the deadline: %v", err)
	}
}

// validate checks doc against the subset of JSON Schema 2020-12 that
// feed.schema.json uses: type, const, enum, required, properties,
// additionalProperties:false, items, $ref to #/$defs, oneOf, format date-time.
func validate(root, s map[string]any, doc any, path string) []string {
	if ref, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/$defs/")
		return validate(root, root["$defs"].(map[string]any)[name].(map[string]any), doc, path)
	}
	var errs []string
	fail := func(f string, a ...any) { errs = append(errs, path+": "+fmt.Sprintf(f, a...)) }
	if c, ok := s["const"]; ok && fmt.Sprint(c) != fmt.Sprint(doc) {
		fail("want const %v, got %v", c, doc)
	}
	if e, ok := s["enum"].([]any); ok {
		found := false
		for _, v := range e {
			found = found || fmt.Sprint(v) == fmt.Sprint(doc)
		}
		if !found {
			fail("%v not in %v", doc, e)
		}
	}
	if ty, ok := s["type"]; ok {
		types := []any{ty}
		if l, ok := ty.([]any); ok {
			types = l
		}
		okType := false
		for _, t := range types {
			okType = okType || jsonType(doc) == t || (t == "integer" && jsonType(doc) == "number" && doc.(float64) == float64(int64(doc.(float64))))
		}
		if !okType {
			fail("type %s, want %v", jsonType(doc), ty)
			return errs
		}
	}
	if s["format"] == "date-time" {
		if str, ok := doc.(string); ok {
			if _, err := time.Parse(time.RFC3339, str); err != nil {
				fail("not a date-time: %q", str)
			}
		}
	}
	if one, ok := s["oneOf"].([]any); ok {
		n := 0
		for _, sub := range one {
			if len(validate(root, sub.(map[string]any), doc, path)) == 0 {
				n++
			}
		}
		if n != 1 {
			fail("matches %d of oneOf, want 1", n)
		}
	}
	if obj, ok := doc.(map[string]any); ok {
		props, _ := s["properties"].(map[string]any)
		for _, r := range asList(s["required"]) {
			if _, ok := obj[r.(string)]; !ok {
				fail("missing %s", r)
			}
		}
		for k, v := range obj {
			sub, ok := props[k].(map[string]any)
			if !ok {
				if s["additionalProperties"] == false {
					fail("unexpected property %s", k)
				}
				continue
			}
			errs = append(errs, validate(root, sub, v, path+"."+k)...)
		}
	}
	if arr, ok := doc.([]any); ok {
		if it, ok := s["items"].(map[string]any); ok {
			for i, v := range arr {
				errs = append(errs, validate(root, it, v, fmt.Sprintf("%s[%d]", path, i))...)
			}
		}
	}
	return errs
}

func asList(v any) []any { l, _ := v.([]any); return l }

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "unknown"
}

// discard is a minimal ResponseWriter so the benchmark measures the handler,
// not httptest's recorder.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

func benchServe(b *testing.B, h http.Handler, target string, hdr map[string]string) {
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		r := httptest.NewRequest(http.MethodGet, target, nil)
		for k, v := range hdr {
			r.Header.Set(k, v)
		}
		w := &discard{h: http.Header{}}
		for pb.Next() {
			clear(w.h)
			h.ServeHTTP(w, r)
		}
	})
}

// BenchmarkStatusPage serves the page through the handler, in parallel, as
// browsers do during an outage (gzip, Accept-Language).
func BenchmarkStatusPage(b *testing.B) {
	h, _ := newHandler(b, &fakeSource{snap: sampleSnapshot()})
	b.Run("html-gzip", func(b *testing.B) {
		benchServe(b, h, "/status", map[string]string{"Accept-Encoding": "gzip, deflate, br", "Accept-Language": "kk-KZ,kk;q=0.9,ru;q=0.8"})
	})
	b.Run("html-304", func(b *testing.B) {
		etag := get(h, "/status", "Accept-Encoding", "gzip").Header().Get("ETag")
		benchServe(b, h, "/status", map[string]string{"Accept-Encoding": "gzip", "If-None-Match": etag})
	})
	b.Run("feed-json", func(b *testing.B) { benchServe(b, h, "/status/feed.json?lang=en", nil) })
	// The peer: rendering the page per request, as a naive handler would.
	b.Run("peer-render-per-request", func(b *testing.B) {
		snap := sampleSnapshot()
		naive := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			page, err := renderHTML(h.view(snap, pickLang(r)))
			if err != nil {
				panic(err)
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			zw := gzip.NewWriter(w)
			_, _ = zw.Write(page)
			_ = zw.Close()
		})
		benchServe(b, naive, "/status", map[string]string{"Accept-Encoding": "gzip", "Accept-Language": "kk"})
	})
}
