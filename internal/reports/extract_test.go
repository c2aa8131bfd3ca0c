package reports_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/reports"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

func export(t *testing.T, f *fixture, fl reports.Filter, format string) ([]byte, int) {
	t.Helper()
	var b bytes.Buffer
	n, err := f.svc.Export(context.Background(), &b, fl, format)
	if err != nil {
		t.Fatalf("%s: %v", format, err)
	}
	return b.Bytes(), n
}

func readCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("\uFEFF")) {
		t.Fatalf("CSV does not start with the UTF-8 byte-order mark: % x", b[:min(3, len(b))])
	}
	recs, err := csv.NewReader(bytes.NewReader(b[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// Q29, Q44: the extract has the annex's columns in its order (№ п/п;
// organization; BIN, IIN; date and time; contact details; decision taken;
// kind of failure; recommendations), one row per appeal in the Journal's
// order, with what the incident recorded.
func TestExtractCSVHasTheAnnexColumns_Q44(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		b, n := export(t, f, f.filter(t, map[string]string{}), "csv")
		recs := readCSV(t, b)
		want := []string{"№ п/п", "Наименование обратившейся организации", "БИН, ИИН", "Дата и время обращения",
			"Контактные данные, по которым обратился пользователь веб-портала", "Принятое решение", "Вид технического сбоя",
			"Рекомендации по недопущению технического сбоя впредь"}
		if !slices.Equal(recs[0], want) {
			t.Fatalf("header %q\nwant %q", recs[0], want)
		}
		if n != 5 || len(recs) != 6 {
			t.Fatalf("%d rows (%d records), want 5", n, len(recs)-1)
		}
		var nums []string
		for _, r := range recs[1:] {
			nums = append(nums, r[0])
		}
		if !slices.Equal(nums, f.numbers) {
			t.Fatalf("numbers %v, want the Journal's order %v", nums, f.numbers)
		}
		r := recs[1]
		checks := map[int]string{1: orgKK, 2: binKK, 3: "02.03.2026 09:55 (UTC+5)", 4: "электронная почта: info@adil.kz",
			5: "закрыт: Сбой устранен, сроки приема заявок продлены", 6: "зависящий от Оператора; уровень критичности: средний; неправомерные действия специалистов Оператора",
			7: "Қайталанбауы үшін мониторингті күшейту; усилить мониторинг"}
		for i, w := range checks {
			if r[i] != w {
				t.Errorf("row 1 column %d = %q, want %q", i+1, r[i], w)
			}
		}
		if got := recs[2][5]; got != "опровергнут" {
			t.Errorf("refuted appeal's decision %q", got)
		}
		if got := recs[2][4]; got != "телефон: +7 701 555 12 34" {
			t.Errorf("phone contacts %q", got)
		}
	})
}

// The filters: period (local dates of Astana, the last day included),
// profile (family or version), organization, BIN; and a chunk of one row
// pages through the same rows as one chunk of all.
func TestExtractFilters(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		count := func(q map[string]string) []string {
			var got []string
			_, err := f.svc.Each(context.Background(), f.filter(t, q), func(l *reports.Line) error {
				got = append(got, l.Number)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		n := f.numbers
		cases := []struct {
			q    map[string]string
			want []string
		}{
			{map[string]string{"from": "2026-03-02", "to": "2026-03-02"}, n[:3]},
			{map[string]string{"from": "2026-03-03", "to": "2026-03-03"}, n[3:]},
			{map[string]string{"from": "2026-03-04"}, nil},
			{map[string]string{"profile": "kz-energy"}, n[2:3]},
			{map[string]string{"profile": "kz-quasi@2021"}, []string{n[0], n[1], n[3], n[4]}},
			{map[string]string{"organization": orgRU}, []string{n[1], n[3]}},
			{map[string]string{"bin": binKK}, []string{n[0], n[2], n[4]}},
			{map[string]string{"bin": binKK, "from": "2026-03-03"}, n[4:]},
		}
		for _, c := range cases {
			if got := count(c.q); !slices.Equal(got, c.want) {
				t.Errorf("%v: %v, want %v", c.q, got, c.want)
			}
		}
		f.svc.Chunk = 1
		if got := count(map[string]string{}); !slices.Equal(got, n) {
			t.Errorf("chunk of 1: %v, want %v", got, n)
		}
		f.svc.Chunk = 2
		if got := count(map[string]string{"bin": binKK}); !slices.Equal(got, []string{n[0], n[2], n[4]}) {
			t.Errorf("chunk of 2: %v", got)
		}
	})
}

// Bad input is a 400 naming the field.
func TestParseFilterNamesTheField(t *testing.T) {
	for field, q := range map[string]map[string]string{
		"from":    {"from": "02.03.2026"},
		"to":      {"from": "2026-03-02", "to": "2026-03-01"},
		"lang":    {"lang": "de"},
		"profile": {"profile": "kz-nowhere"},
		"bin":     {"bin": "12ab"},
	} {
		_, err := reports.ParseFilter(func(k string) string { return q[k] }, f0, almaty)
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != apperr.Invalid || ae.Fields[field] == "" {
			t.Errorf("%v: %v, want invalid %s", q, err, field)
		}
	}
	long := map[string]string{"from": "2024-01-01", "to": "2026-03-01"}
	if _, err := reports.ParseFilter(func(k string) string { return long[k] }, f0, almaty); err == nil {
		t.Error("a period of 790 days was accepted")
	}
	if _, err := reports.Negotiate("docx", ""); err == nil {
		t.Error("format docx accepted")
	}
	for accept, want := range map[string]string{"text/csv": "csv", "application/pdf;q=0.9": "pdf", "": "json",
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx", "text/html, text/csv": "csv"} {
		if got, _ := reports.Negotiate("", accept); got != want {
			t.Errorf("Accept %q → %s, want %s", accept, got, want)
		}
	}
}

var f0 = mustTime("2026-03-10T06:00:00Z")

// The XLSX read back with excelize: the title and the annex's columns, the
// Kazakh and Russian values, the date as a real date cell with its number
// format, the header row repeated on printed pages; then LibreOffice
// headless converts it, and its cells equal the CSV's.
func TestExtractXLSX(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		fl := f.filter(t, map[string]string{})
		b, _ := export(t, f, fl, "xlsx")
		x, err := excelize.OpenReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		sheet := x.GetSheetName(0)
		if sheet != "Журнал учета" {
			t.Fatalf("sheet %q", sheet)
		}
		rows, err := x.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(rows[0][0], "Выписка из Журнала учета") || rows[1][0] != "Период: 01.03.2026 – 31.03.2026" {
			t.Fatalf("title rows %q %q", rows[0], rows[1])
		}
		if !slices.Equal(rows[4], reports.Columns("ru")) {
			t.Fatalf("header row %q", rows[4])
		}
		if rows[5][0] != f.numbers[0] || rows[5][1] != orgKK || rows[5][2] != binKK || rows[5][3] != "02.03.2026 09:55" {
			t.Fatalf("first row %q", rows[5])
		}
		raw, err := x.GetCellValue(sheet, "D6", excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		// 2 March 2026 09:55 is serial 46083 + 9:55/24h.
		if raw != "46083.413194444445" && !strings.HasPrefix(raw, "46083.41319444") {
			t.Errorf("date cell raw value %q, want the serial of 02.03.2026 09:55", raw)
		}
		if typ, _ := x.GetCellType(sheet, "D6"); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
			t.Errorf("date cell is text (%v)", typ)
		}
		if pl, err := x.GetPageLayout(sheet); err != nil || pl.Orientation == nil || *pl.Orientation != "landscape" || pl.Size == nil || *pl.Size != 9 {
			t.Errorf("page layout %+v %v: want A4 landscape", pl, err)
		}
		dn := x.GetDefinedName()
		found := false
		for _, d := range dn {
			found = found || (d.Name == "_xlnm.Print_Titles" && strings.Contains(d.RefersTo, "$5:$5"))
		}
		if !found {
			t.Errorf("no print titles: %+v", dn)
		}
		if t.Name() == "TestExtractXLSX/sqlite" {
			compareWithLibreOffice(t, f, fl, b)
		}
	})
}

// compareWithLibreOffice converts the XLSX to CSV with a real office suite
// and compares the cells with the desk's own CSV (the date is compared by
// its digits: LibreOffice writes it in its own locale's form).
func compareWithLibreOffice(t *testing.T, f *fixture, fl reports.Filter, xlsx []byte) {
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI: soffice (LibreOffice) is not installed")
		}
		t.Log("soffice not installed: LibreOffice comparison skipped")
		return
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "journal.xlsx")
	if err := os.WriteFile(in, xlsx, 0o644); err != nil {
		t.Fatal(err)
	}
	// 44,34,76: comma, double quote, UTF-8.
	cmd := exec.Command(soffice, "-env:UserInstallation=file://"+filepath.Join(dir, "profile"), "--headless",
		"--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", dir, in)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	lo, err := os.ReadFile(filepath.Join(dir, "journal.csv"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(lo, []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatalf("LibreOffice's CSV: %v\n%s", err, lo)
	}
	own, _ := export(t, f, fl, "csv")
	want := readCSV(t, own)
	// LibreOffice's rows: 4 above the header, then the header and the data.
	if len(got) < 4+len(want) {
		t.Fatalf("LibreOffice read %d rows, want at least %d:\n%s", len(got), 4+len(want), lo)
	}
	for i, w := range want {
		g := got[4+i]
		for j := range w {
			gj := ""
			if j < len(g) {
				gj = g[j]
			}
			if j == 3 && i > 0 {
				// Ours: "02.03.2026 09:55 (UTC+5)"; the cell is a date, which LibreOffice writes in the sheet's format.
				if len(gj) < 16 || !strings.HasPrefix(w[j], gj) {
					t.Errorf("LibreOffice row %d date %q, want the date and time of %q", i, gj, w[j])
				}
				continue
			}
			if gj != w[j] {
				t.Errorf("LibreOffice row %d column %d = %q, want %q", i, j+1, gj, w[j])
			}
		}
	}
}

// The PDF, read by pdftotext: the Russian and Kazakh strings of the
// fixtures (the embedded font has the Kazakh letters), the annex's columns
// on every page, the page numbers, the signature line.
func TestExtractPDF(t *testing.T) {
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI: pdftotext (poppler-utils) is not installed")
		}
		t.Skip("pdftotext (poppler-utils) not installed")
	}
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for _, lang := range []string{"ru", "kk"} {
			b, _ := export(t, f, f.filter(t, map[string]string{"lang": lang}), "pdf")
			if !bytes.HasPrefix(b, []byte("%PDF-")) {
				t.Fatalf("not a PDF: %q", b[:min(20, len(b))])
			}
			text := pdfText(t, pdftotext, b)
			// Table cells wrap: the words are looked for one by one.
			for _, want := range append(strings.Fields(orgKK+" "+orgRU+" Қайталанбауы үшін мониторингті күшейту"), binKK, f.numbers[4],
				reports.Columns(lang)[2]) {
				if !strings.Contains(text, want) {
					t.Errorf("%s: pdftotext lacks %q:\n%s", lang, want, text)
				}
			}
			page := map[string]string{"ru": "Страница 1 из 1", "kk": "1-бет, барлығы 1"}[lang]
			sign := map[string]string{"ru": "Ответственное лицо отдела технического администрирования (подпись)", "kk": "Техникалық әкімшілендіру бөлімінің жауапты тұлғасы (қолы)"}[lang]
			for _, want := range []string{page, sign} {
				if !strings.Contains(text, want) {
					t.Errorf("%s: pdftotext lacks %q:\n%s", lang, want, text)
				}
			}
		}
	})
}

// A longer extract spans pages: each page repeats the column headers and
// says its number of the total; qpdf finds the file sound.
func TestExtractPDFPages(t *testing.T) {
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext (poppler-utils) not installed")
	}
	db := storetest.SQLite(t)
	f := newFixture(t, db)
	multiply(t, db, 12)
	b, n := export(t, f, f.filter(t, map[string]string{}), "pdf")
	if qpdf, err := exec.LookPath("qpdf"); err == nil {
		in := filepath.Join(t.TempDir(), "j.pdf")
		os.WriteFile(in, b, 0o644)
		if out, err := exec.Command(qpdf, "--check", in).CombinedOutput(); err != nil {
			t.Fatalf("qpdf --check: %v\n%s", err, out)
		}
	} else if os.Getenv("CI") != "" {
		t.Fatal("CI: qpdf is not installed")
	}
	text := pdfText(t, pdftotext, b)
	pages := strings.Split(text, "\f")
	if len(pages) > 0 && strings.TrimSpace(pages[len(pages)-1]) == "" {
		pages = pages[:len(pages)-1]
	}
	if len(pages) < 2 {
		t.Fatalf("%d rows on %d page(s)", n, len(pages))
	}
	for i, p := range pages {
		want := "Страница " + itoa(i+1) + " из " + itoa(len(pages))
		if !strings.Contains(p, want) || !strings.Contains(p, "Вид технического сбоя") {
			t.Errorf("page %d lacks %q or the column headers", i+1, want)
		}
	}
}

// multiply copies the fixture's appeals times times (numbered X<i>-…),
// so an extract spans pages.
func multiply(t *testing.T, db *store.DB, times int) {
	t.Helper()
	for i := 0; i < times; i++ {
		if _, err := db.W.Exec(`INSERT INTO appeals (number, year, seq, incident_id, channel, received_at, registered_at, organization, bin,
			description, profile, state) SELECT 'X` + itoa(i) + `-' || number, year, seq + 100 * ` + itoa(i+1) + `, incident_id, channel, received_at, registered_at,
			organization, bin, description, profile, state FROM appeals WHERE number LIKE '2026-%'`); err != nil {
			t.Fatal(err)
		}
	}
}

func pdfText(t *testing.T, pdftotext string, b []byte) string {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "j.pdf")
	if err := os.WriteFile(in, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(pdftotext, "-layout", in, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out)
}

// The JSON listing: the columns, the rows with their words, the count.
func TestExtractJSON(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		b, _ := export(t, f, f.filter(t, map[string]string{"lang": "kk"}), "json")
		var got struct {
			Columns []string `json:"columns"`
			Rows    []struct {
				Seq      int    `json:"seq"`
				Number   string `json:"number"`
				Kind     string `json:"kind"`
				Decision string `json:"decision_taken"`
			} `json:"rows"`
			Count int `json:"count"`
		}
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%v\n%s", err, b)
		}
		if got.Count != 5 || len(got.Rows) != 5 || got.Rows[4].Seq != 5 || got.Rows[0].Number != f.numbers[0] {
			t.Fatalf("%+v", got)
		}
		if got.Columns[1] != "Өтініш берген ұйымның атауы" || !strings.HasPrefix(got.Rows[0].Kind, "Операторға байланысты; маңыздылық деңгейі: орташа") ||
			!strings.HasPrefix(got.Rows[0].Decision, "жабылды") {
			t.Fatalf("kk words: %q %q %q", got.Columns[1], got.Rows[0].Kind, got.Rows[0].Decision)
		}
	})
}

// pdfw lays the extract out as fpdf did: pdftotext reads the same text,
// line by line, from both (the fpdf writer is kept as the test's peer,
// fpdf_peer_test.go), over several pages: the same wrapping, the same
// rows on each page, the same header, footer and signature lines.
func TestPDFSameTextAsFPDF(t *testing.T) {
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI: pdftotext (poppler-utils) is not installed")
		}
		t.Skip("pdftotext (poppler-utils) not installed")
	}
	db := storetest.SQLite(t)
	f := newFixture(t, db)
	multiply(t, db, 12)
	for _, lang := range []string{"ru", "kk", "en"} {
		fl := f.filter(t, map[string]string{"lang": lang})
		b, _ := export(t, f, fl, "pdf")
		var old bytes.Buffer
		if _, err := f.svc.ExportFPDF(context.Background(), &old, fl); err != nil {
			t.Fatal(err)
		}
		// pdftotext's column spacing moves by a space where a position
		// differs by a hundredth of a point: runs of spaces count as one.
		squeeze := func(s string) string {
			ls := strings.Split(strings.ReplaceAll(s, "\f", "\n<page>\n"), "\n")
			for i, l := range ls {
				ls[i] = strings.Join(strings.Fields(l), " ")
			}
			return strings.Join(ls, "\n")
		}
		got, want := squeeze(pdfText(t, pdftotext, b)), squeeze(pdfText(t, pdftotext, old.Bytes()))
		if strings.Count(got, "<page>") < 2 {
			t.Fatalf("%s: %d pages, want several", lang, strings.Count(got, "<page>"))
		}
		if got != want {
			gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
			for i := range max(len(gl), len(wl)) {
				g, w := "", ""
				if i < len(gl) {
					g = gl[i]
				}
				if i < len(wl) {
					w = wl[i]
				}
				if g != w {
					t.Fatalf("%s: line %d differs from fpdf's:\n got %q\nwant %q", lang, i+1, g, w)
				}
			}
		}
	}
}
