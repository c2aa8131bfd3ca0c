package reports

import (
	"context"
	_ "embed"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/calendar"
	"tenderdesk/internal/notify/templates"
	"tenderdesk/internal/reports/pdfw"
)

// DejaVu Sans Condensed (Bitstream Vera licence, fonts/LICENSE-DejaVu.txt)
// has the Kazakh letters (ә ғ қ ң ө ұ ү һ і) the PDF must show; pdfw
// embeds only the glyphs used.
var (
	//go:embed fonts/DejaVuSansCondensed.ttf
	fontRegular []byte
	//go:embed fonts/DejaVuSansCondensed-Bold.ttf
	fontBold []byte
)

// pdfWidths are the columns' widths in mm (A4 landscape, 10 mm margins:
// 277 mm), the annex's order.
var pdfWidths = []float64{22, 40, 24, 25, 40, 44, 40, 42}

const (
	pdfPageW    = 297.0
	pdfPageH    = 210.0
	pdfMargin   = 10.0
	pdfLine     = 3.6 // mm per line of 8 pt text
	pdfPad      = 1.0
	pdfCell     = 1.0 // the text's inset in a cell (fpdf's cell margin, kept so the layout is the same)
	pdfMaxLines = 24  // a longer cell is cut with "…" so a row fits a page
	fontReg     = 0
	fontBoldIdx = 1
)

// pdfFonts are the embedded fonts parsed once.
var pdfFonts = sync.OnceValues(func() ([]*pdfw.Font, error) {
	r, err := pdfw.ParseTTF("DejaVuSansCondensed", fontRegular)
	if err != nil {
		return nil, err
	}
	b, err := pdfw.ParseTTF("DejaVuSansCondensed-Bold", fontBold)
	if err != nil {
		return nil, err
	}
	return []*pdfw.Font{r, b}, nil
})

// pdfDoc lays the extract out on pdfw's pages as fpdf did: the same
// widths, line heights, wrapping and positions.
type pdfDoc struct {
	w     *pdfw.Writer
	p     *pdfw.Page
	y     float64 // the current position from the page's top, mm
	font  int
	size  float64
	title string
	lines []string
	cols  []string
}

// exportPDF lays the extract out as the annex's table: title and filter on
// the first page, the column headers repeated on every page, page numbers
// "N of M" in the footer, the responsible person's signature line at the
// end. Each page goes out when the next begins (pdfw), so memory does not
// grow with the rows.
func (s *Service) exportPDF(ctx context.Context, w io.Writer, f Filter) (int, error) {
	return s.ExportPDF(ctx, w, f, nil)
}

// ExportPDF is the PDF extract with files embedded (pdfw.Options.Files):
// the yearly extract signed with an EDS carries the signed document and
// its CMS (issue 12, internal/analysis).
func (s *Service) ExportPDF(ctx context.Context, w io.Writer, f Filter, files []pdfw.File) (int, error) {
	fonts, err := pdfFonts()
	if err != nil {
		return 0, apperr.Wrap(err, "pdf fonts")
	}
	d := &pdfDoc{cols: Columns(f.Lang)}
	d.title, d.lines = f.Heading()
	d.w = pdfw.New(w, fonts, pdfw.Options{Width: pdfPageW, Height: pdfPageH, Created: s.Now(), Title: d.title, Files: files,
		Footer: func(p *pdfw.Page, n, total int) {
			d.p, d.font, d.size = p, fontReg, 8
			p.SetFont(fontReg, 8)
			d.cell(pdfMargin, pdfPageH-pdfMargin+2, pdfPageW-2*pdfMargin, 4, fmt.Sprintf(word(f.Lang, "page"), n, strconv.Itoa(total)), true)
		}})
	d.addPage()
	n, err := s.Each(ctx, f, func(l *Line) error {
		d.row(l.Cells(f.Lang), false)
		return nil
	})
	if err != nil {
		return n, err
	}
	full := pdfPageW - 2*pdfMargin
	d.setFont(fontReg, 9)
	if d.y+22 > pdfPageH-pdfMargin {
		d.addPage()
		d.setFont(fontReg, 9)
	}
	d.y += 3
	d.line(full, 5, word(f.Lang, "rows")+": "+strconv.Itoa(n))
	d.y += 3
	d.line(full, 5, word(f.Lang, "responsible")+" "+word(f.Lang, "signature")+" ____________ "+word(f.Lang, "fio"))
	d.line(full, 5, word(f.Lang, "generated")+": "+templates.FormatTime(f.Lang, s.Zone, s.Now()))
	d.setFont(fontReg, 7)
	for _, l := range d.split(word(f.Lang, "abbr"), full) {
		d.line(full, 3.5, l)
	}
	return n, d.w.Close()
}

func (d *pdfDoc) setFont(font int, size float64) {
	d.font, d.size = font, size
	d.p.SetFont(font, size)
}

// addPage starts a page: the title and the filter on the first, the
// column headers on every one.
func (d *pdfDoc) addPage() {
	d.p = d.w.NewPage()
	d.y = pdfMargin
	full := pdfPageW - 2*pdfMargin
	if d.w.PageCount() == 1 {
		d.setFont(fontBoldIdx, 12)
		for _, l := range d.split(d.title, full) {
			d.line(full, 5.5, l)
		}
		d.setFont(fontReg, 9)
		for _, l := range d.lines {
			d.line(full, 4.5, l)
		}
		d.y += 2
	}
	d.setFont(fontBoldIdx, 8)
	d.p.SetFill(231, 236, 242)
	d.row(d.cols, true)
	d.setFont(fontReg, 8)
}

// line is a cell the full width at the left margin, the position moved
// below it.
func (d *pdfDoc) line(w, h float64, s string) {
	d.cell(pdfMargin, d.y, w, h, s, false)
	d.y += h
}

// cell draws s in the cell at x, y of w × h as fpdf's CellFormat: inset
// by the cell margin (or centred), the baseline at the middle plus 0.3 of
// the font size.
func (d *pdfDoc) cell(x, y, w, h float64, s string, center bool) {
	if center {
		x += (w - d.w.Width(d.font, d.size, s)) / 2
	} else {
		x += pdfCell
	}
	d.p.Text(x, y+0.5*h+0.3*d.size*25.4/72, s)
}

// row draws one table row, its height the tallest cell's, on a new page
// when it does not fit this one (addPage repeats the columns).
func (d *pdfDoc) row(cells []string, head bool) {
	split := make([][]string, len(cells))
	most := 1
	for i, c := range cells {
		ls := d.split(c, pdfWidths[i]-2*pdfPad)
		if len(ls) > pdfMaxLines {
			ls = append(ls[:pdfMaxLines-1], ls[pdfMaxLines-1]+" …")
		}
		if len(ls) == 0 {
			ls = []string{""}
		}
		split[i] = ls
		most = max(most, len(ls))
	}
	h := float64(most)*pdfLine + 2*pdfPad
	if !head && d.y+h > pdfPageH-pdfMargin-4 {
		d.addPage()
	}
	x, y := pdfMargin, d.y
	for i, ls := range split {
		d.p.Rect(x, y, pdfWidths[i], h, head)
		for j, l := range ls {
			d.cell(x+pdfPad, y+pdfPad+float64(j)*pdfLine, pdfWidths[i]-2*pdfPad, pdfLine, l, false)
		}
		x += pdfWidths[i]
	}
	d.y = y + h
}

// split wraps s into lines of a cell w mm wide as fpdf's SplitText did
// (at the last space that fits, else inside the word; the width less the
// cell margins), so the rows are as tall as before.
func (d *pdfDoc) split(txt string, w float64) []string {
	f := d.w.Font(d.font)
	wmax := int(math.Ceil((w - 2*pdfCell) * 1000 / (d.size * 25.4 / 72)))
	s := []rune(strings.TrimRight(txt, "\n"))
	nb := len(s)
	var lines []string
	sep, i, j, l := -1, 0, 0, 0
	for i < nb {
		c := s[i]
		l += f.Advance(c)
		if unicode.IsSpace(c) {
			sep = i
		}
		if c == '\n' || l > wmax {
			if sep == -1 {
				if i == j {
					i++
				}
				sep = i
			} else {
				i = sep + 1
			}
			lines = append(lines, string(s[j:sep]))
			sep, j, l = -1, i, 0
		} else {
			i++
		}
	}
	if i != j {
		lines = append(lines, string(s[j:i]))
	}
	return lines
}

// YearFilter is the filter of the extract from..to in lang (ru when not
// kk or en), every profile and organization: the yearly extract (Q44).
func (s *Service) YearFilter(from, to calendar.Date, lang string) Filter {
	if lang != "kk" && lang != "en" {
		lang = "ru"
	}
	return Filter{From: from, To: to, Lang: lang}
}
