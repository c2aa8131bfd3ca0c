package reports

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/go-pdf/fpdf"

	"tenderdesk/internal/notify/templates"
)

// The extract as fpdf wrote it before pdfw (issue 13), kept as the peer
// of the measurement (TestMeasureExtract) and of the layout comparison
// (TestPDFSameTextAsFPDF): fpdf keeps every page until Output.

// ExportFPDF is exportFPDF for the external tests.
func (s *Service) ExportFPDF(ctx context.Context, w io.Writer, f Filter) (int, error) {
	return s.exportFPDF(ctx, w, f)
}

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
func (s *Service) exportFPDF(ctx context.Context, w io.Writer, f Filter) (int, error) {
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
		fpdfRow(p, cols, true)
		p.SetFont("dejavu", "", 8)
	}, false)
	p.SetFooterFunc(func() {
		p.SetY(-pdfMargin + 2)
		p.SetFont("dejavu", "", 8)
		p.CellFormat(0, 4, fmt.Sprintf(word(f.Lang, "page"), p.PageNo(), "{nb}"), "", 0, "C", false, 0, "")
	})
	p.AddPage()
	n, err := s.Each(ctx, f, func(l *Line) error {
		fpdfRow(p, l.Cells(f.Lang), false)
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
func fpdfRow(p *fpdf.Fpdf, cells []string, head bool) {
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
