package reports

import (
	"cmp"
	"context"
	_ "embed"
	"fmt"
	"io"
	"strconv"

	"github.com/go-pdf/fpdf"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/notify/templates"
)

// DejaVu Sans Condensed (Bitstream Vera licence, fonts/LICENSE-DejaVu.txt)
// has the Kazakh letters (ә ғ қ ң ө ұ ү һ і) the PDF must show; fpdf embeds
// only the glyphs used.
var (
	//go:embed fonts/DejaVuSansCondensed.ttf
	fontRegular []byte
	//go:embed fonts/DejaVuSansCondensed-Bold.ttf
	fontBold []byte
)

// MaxPDFRows bounds a PDF extract. fpdf keeps every page in memory until
// the document is written: 100,000 rows peaked at +567 MB (about 5.7 KB a
// row, docs/BENCHMARKS.md), so a PDF beyond this (≈ +230 MB) is refused
// with a 400 naming the period; XLSX and CSV stream any size.
const MaxPDFRows = 40_000

// pdfWidths are the columns' widths in mm (A4 landscape, 10 mm margins:
// 277 mm), the annex's order.
var pdfWidths = []float64{22, 40, 24, 25, 40, 44, 40, 42}

const (
	pdfMargin   = 10.0
	pdfLine     = 3.6 // mm per line of 8 pt text
	pdfPad      = 1.0
	pdfMaxLines = 24 // a longer cell is cut with "…" so a row fits a page
)

// newPDF is an A4 landscape document with the embedded font.
func newPDF() *fpdf.Fpdf {
	p := fpdf.New("L", "mm", "A4", "")
	p.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	p.AddUTF8FontFromBytes("dejavu", "", fontRegular)
	p.AddUTF8FontFromBytes("dejavu", "B", fontBold)
	p.SetAutoPageBreak(false, pdfMargin)
	p.AliasNbPages("")
	return p
}

// exportPDF lays the extract out as the annex's table: title and filter on
// the first page, the column headers repeated on every page, page numbers
// "N of M" in the footer, the responsible person's signature line at the
// end.
func (s *Service) exportPDF(ctx context.Context, w io.Writer, f Filter) (int, error) {
	p := newPDF()
	title, lines := f.Heading()
	cols := Columns(f.Lang)
	p.SetHeaderFuncMode(func() {
		if p.PageNo() == 1 {
			p.SetFont("dejavu", "B", 12)
			p.MultiCell(0, 5.5, title, "", "L", false)
			p.SetFont("dejavu", "", 9)
			for _, l := range lines {
				p.CellFormat(0, 4.5, l, "", 1, "L", false, 0, "")
			}
			p.Ln(2)
		}
		p.SetFont("dejavu", "B", 8)
		p.SetFillColor(231, 236, 242)
		pdfRow(p, cols, true)
		p.SetFont("dejavu", "", 8)
	}, false)
	p.SetFooterFunc(func() {
		p.SetY(-pdfMargin + 2)
		p.SetFont("dejavu", "", 8)
		p.CellFormat(0, 4, fmt.Sprintf(word(f.Lang, "page"), p.PageNo(), "{nb}"), "", 0, "C", false, 0, "")
	})
	p.AddPage()
	most := cmp.Or(s.PDFRows, MaxPDFRows)
	n, err := s.Each(ctx, f, func(l *Line) error {
		if l.Seq > most {
			return apperr.Validation{"to": "the PDF extract holds at most " + strconv.Itoa(most) +
				" rows: choose a shorter period or XLSX/CSV"}.Err()
		}
		pdfRow(p, l.Cells(f.Lang), false)
		return p.Error()
	})
	if err != nil {
		return n, err
	}
	p.SetFont("dejavu", "", 9)
	if p.GetY()+22 > 210-pdfMargin {
		p.AddPage()
	}
	p.Ln(3)
	p.CellFormat(0, 5, word(f.Lang, "rows")+": "+strconv.Itoa(n), "", 1, "L", false, 0, "")
	p.Ln(3)
	p.CellFormat(0, 5, word(f.Lang, "responsible")+" "+word(f.Lang, "signature")+" ____________ "+word(f.Lang, "fio"), "", 1, "L", false, 0, "")
	p.CellFormat(0, 5, word(f.Lang, "generated")+": "+templates.FormatTime(f.Lang, s.Zone, s.Now()), "", 1, "L", false, 0, "")
	p.SetFont("dejavu", "", 7)
	p.MultiCell(0, 3.5, word(f.Lang, "abbr"), "", "L", false)
	if err := p.Output(w); err != nil {
		return n, err
	}
	return n, nil
}

// pdfRow draws one table row, its height the tallest cell's, on a new page
// when it does not fit this one (the header function repeats the columns).
func pdfRow(p *fpdf.Fpdf, cells []string, head bool) {
	split := make([][]string, len(cells))
	most := 1
	for i, c := range cells {
		ls := p.SplitText(c, pdfWidths[i]-2*pdfPad)
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
	if !head && p.GetY()+h > 210-pdfMargin-4 {
		p.AddPage()
	}
	x, y := pdfMargin, p.GetY()
	style := "D"
	if head {
		style = "FD"
	}
	for i, ls := range split {
		p.Rect(x, y, pdfWidths[i], h, style)
		for j, l := range ls {
			p.SetXY(x+pdfPad, y+pdfPad+float64(j)*pdfLine)
			p.CellFormat(pdfWidths[i]-2*pdfPad, pdfLine, l, "", 0, "L", false, 0, "")
		}
		x += pdfWidths[i]
	}
	p.SetXY(pdfMargin, y+h)
}
