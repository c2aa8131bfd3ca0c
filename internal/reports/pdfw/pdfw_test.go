package pdfw_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/reports/pdfw"
)

func font(t *testing.T, file, name string) *pdfw.Font {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "fonts", file))
	if err != nil {
		t.Fatal(err)
	}
	f, err := pdfw.ParseTTF(name, b)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// doc writes pages pages, each with Kazakh and Russian text in both fonts
// and a footer "page N of M".
func doc(t *testing.T, pages int) []byte {
	t.Helper()
	fonts := []*pdfw.Font{font(t, "DejaVuSansCondensed.ttf", "DejaVuSansCondensed"), font(t, "DejaVuSansCondensed-Bold.ttf", "DejaVuSansCondensed-Bold")}
	var b bytes.Buffer
	w := pdfw.New(&b, fonts, pdfw.Options{Width: 297, Height: 210, Created: time.Date(2026, 3, 2, 4, 0, 0, 0, time.UTC), Title: "Үзінді",
		Footer: func(p *pdfw.Page, n, total int) {
			p.SetFont(0, 8)
			p.Text(130, 204, fmt.Sprintf("page %d of %d", n, total))
		}})
	for i := range pages {
		p := w.NewPage()
		p.SetFont(1, 12)
		p.Text(10, 15, "Выписка из Журнала учета "+strconv.Itoa(i+1))
		p.SetFont(0, 8)
		p.SetFill(231, 236, 242)
		p.Rect(10, 20, 100, 10, true)
		p.Text(11, 26, "ә ғ қ ң ө ұ ү һ і — Әділ Құрылыс Ғылым; Щедрый Ёжик")
		p.Rect(10, 30, 100, 10, false)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var startxref = regexp.MustCompile(`startxref\n(\d+)\n%%EOF\n$`)

// The xref table is parsed from the bytes written: every entry's offset is
// where "N 0 obj" of that very number begins, and the trailer's /Size is
// the number of entries, object 0 included; the page tree holds every page
// (three intermediate nodes for 1,100 pages).
func TestXrefOffsetsAndSize(t *testing.T) {
	for _, pages := range []int{1, 3, 1100} {
		b := doc(t, pages)
		m := startxref.FindSubmatch(b)
		if m == nil {
			t.Fatalf("%d pages: no startxref at the end: %q", pages, b[max(0, len(b)-60):])
		}
		at, _ := strconv.Atoi(string(m[1]))
		if !bytes.HasPrefix(b[at:], []byte("xref\n0 ")) {
			t.Fatalf("startxref %d points at %q", at, b[at:min(len(b), at+20)])
		}
		lines := strings.Split(string(b[at:]), "\n")
		n, _ := strconv.Atoi(strings.Fields(lines[1])[1])
		if lines[2] != "0000000000 65535 f " {
			t.Fatalf("entry 0 %q", lines[2])
		}
		for obj := 1; obj < n; obj++ {
			e := lines[2+obj]
			if len(e)+1 != 20 || !strings.HasSuffix(e, " 00000 n ") {
				t.Fatalf("entry %d %q: not a 20-byte in-use entry", obj, e)
			}
			off, _ := strconv.Atoi(e[:10])
			if want := strconv.Itoa(obj) + " 0 obj\n"; !bytes.HasPrefix(b[off:], []byte(want)) {
				t.Fatalf("%d pages: object %d's offset %d points at %q", pages, obj, off, b[off:min(len(b), off+12)])
			}
		}
		if lines[2+n] != "trailer" {
			t.Fatalf("after %d entries: %q", n, lines[2+n])
		}
		size := regexp.MustCompile(`/Size (\d+)`).FindStringSubmatch(lines[3+n])
		if size == nil || size[1] != strconv.Itoa(n) {
			t.Fatalf("trailer %q, want /Size %d", lines[3+n], n)
		}
		if got := bytes.Count(b, []byte("/Type/Page/")); got != pages {
			t.Fatalf("%d page objects, want %d", got, pages)
		}
		if root := regexp.MustCompile(`/Type/Pages/Count (\d+)/Kids`).FindSubmatch(b); root == nil || string(root[1]) != strconv.Itoa(pages) {
			t.Fatalf("root /Count %q, want %d", root, pages)
		}
		if nodes := bytes.Count(b, []byte("/Type/Pages/Parent")); nodes != (pages+pdfw.FanOut-1)/pdfw.FanOut {
			t.Fatalf("%d pages under %d intermediate nodes", pages, nodes)
		}
	}
}

// qpdf finds no syntax or stream errors (it rebuilds the xref and reads
// every object, the page tree and the fonts); pdftotext reads back the
// Kazakh and Russian letters (the ToUnicode map) and "page N of M" on the
// first and last pages.
func TestQpdfAndPdftotext(t *testing.T) {
	b := doc(t, 600)
	dir := t.TempDir()
	in := filepath.Join(dir, "d.pdf")
	if err := os.WriteFile(in, b, 0o644); err != nil {
		t.Fatal(err)
	}
	tool := func(name string) string {
		p, err := exec.LookPath(name)
		if err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("CI: %s is not installed", name)
			}
			t.Skipf("%s not installed (apt-get install qpdf poppler-utils)", name)
		}
		return p
	}
	out, err := exec.Command(tool("qpdf"), "--check", in).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "No syntax or stream encoding errors") {
		t.Fatalf("qpdf --check: %v\n%s", err, out)
	}
	for _, pg := range []struct{ first, want string }{{"1", "page 1 of 600"}, {"600", "page 600 of 600"}, {"513", "page 513 of 600"}} {
		txt, err := exec.Command(tool("pdftotext"), "-f", pg.first, "-l", pg.first, in, "-").CombinedOutput()
		if err != nil {
			t.Fatalf("pdftotext: %v\n%s", err, txt)
		}
		for _, want := range []string{pg.want, "Выписка из Журнала учета " + pg.first, "ә ғ қ ң ө ұ ү һ і — Әділ Құрылыс Ғылым; Щедрый Ёжик"} {
			if !strings.Contains(string(txt), want) {
				t.Errorf("page %s: pdftotext lacks %q:\n%s", pg.first, want, txt)
			}
		}
	}
}

// The embedded fonts are subsets: a page of a few dozen letters does not
// carry DejaVu's 680 KB twice.
func TestFontsSubset(t *testing.T) {
	if b := doc(t, 1); len(b) > 60<<10 {
		t.Fatalf("a one-page document is %d bytes", len(b))
	}
}

// A font without the tables a PDF font needs is an error, not a panic.
func TestParseTTFRefusesJunk(t *testing.T) {
	for _, b := range [][]byte{nil, []byte("not a font at all"), make([]byte, 64)} {
		if _, err := pdfw.ParseTTF("x", b); err == nil {
			t.Errorf("%q accepted", b)
		}
	}
}

// Coordinates are written with at most two decimals, the same by both
// formatters.
func TestNumbers(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 1.5: "1.5", -2.25: "-2.25", 841.889763: "841.89", 0.004: "0", 10.1: "10.1", 3.999: "4", -0.001: "0"} {
		if got := pdfw.Num(v); got != want {
			t.Errorf("num(%v) = %q, want %q", v, got, want)
		}
		if got := string(pdfw.AppendNum(nil, v)); got != want {
			t.Errorf("appendNum(%v) = %q, want %q", v, got, want)
		}
	}
}
