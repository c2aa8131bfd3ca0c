package reports

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/reports/pdfw"
)

// A4 portrait for the text documents (the daily analysis Q43, the written
// reports Q36.10/Q37.13).
const (
	textPageW  = 210.0
	textPageH  = 297.0
	textMargin = 18.0
	textLine   = 4.6 // mm per line of 9.5 pt text
)

// TextPDF writes a text document as a PDF (A4 portrait, the embedded
// DejaVu font, so the Kazakh letters show and pdftotext gives them back):
// the first line of body is the title in bold, the rest is wrapped at the
// margins; a line ending in ":" starts a section (bold); "page N of M" in
// lang on every page. The documents of internal/analysis (DailyText,
// ReportText) are written so; a signature is attached beside the PDF.
func TextPDF(w io.Writer, body, lang string, created time.Time) error {
	fonts, err := pdfFonts()
	if err != nil {
		return apperr.Wrap(err, "pdf fonts")
	}
	lines := strings.Split(strings.TrimRight(strings.ReplaceAll(body, "\r\n", "\n"), "\n"), "\n")
	title := strings.TrimSpace(lines[0])
	d := &pdfDoc{}
	d.w = pdfw.New(w, fonts, pdfw.Options{Width: textPageW, Height: textPageH, Created: created, Title: title,
		Footer: func(p *pdfw.Page, n, total int) {
			d.p, d.font, d.size = p, fontReg, 8
			p.SetFont(fontReg, 8)
			d.cell(textMargin, textPageH-textMargin+6, textPageW-2*textMargin, 4, fmt.Sprintf(word(lang, "page"), n, strconv.Itoa(total)), true)
		}})
	full := textPageW - 2*textMargin
	newPage := func() {
		d.p = d.w.NewPage()
		d.y = textMargin
	}
	put := func(font int, size, h float64, s string) {
		d.setFont(font, size)
		indent := len(s) - len(strings.TrimLeft(s, " "))
		x := textMargin + float64(indent)*1.5
		for _, l := range d.split(strings.TrimLeft(s, " "), full-float64(indent)*1.5) {
			if d.y+h > textPageH-textMargin {
				newPage()
				d.setFont(font, size)
			}
			d.cell(x, d.y, full, h, l, false)
			d.y += h
		}
	}
	newPage()
	put(fontBoldIdx, 12, 6, title)
	d.y += 3
	for _, l := range lines[1:] {
		switch t := strings.TrimSpace(l); {
		case t == "":
			d.y += textLine / 2
		case strings.HasSuffix(t, ":") && !strings.HasPrefix(l, " "):
			put(fontBoldIdx, 9.5, textLine, l)
		default:
			put(fontReg, 9.5, textLine, l)
		}
	}
	return d.w.Close()
}

// TextPDFBytes is TextPDF into memory: the documents are a few pages,
// kept in the outbox as an attachment.
func TextPDFBytes(body, lang string, created time.Time) ([]byte, error) {
	var b bytes.Buffer
	err := TextPDF(&b, body, lang, created)
	return b.Bytes(), err
}
