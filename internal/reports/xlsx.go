package reports

import (
	"archive/zip"
	"compress/flate"
	"context"
	"io"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"tenderdesk/internal/notify/templates"
)

// xlsxWidths are the columns' widths (characters), the annex's order.
var xlsxWidths = []float64{14, 34, 14, 18, 32, 36, 34, 40}

// headerRow is the sheet row of the column headers; the title and the
// filter are above it, the data below.
const headerRow = 5

// exportXLSX writes the extract with excelize's StreamWriter: rows go to
// the sheet's XML as they come (excelize moves a large sheet to a
// temporary file), the date and time of the appeal is a real date cell
// (local time of the appeal's profile, format ДД.ММ.ГГГГ ЧЧ:ММ), the header
// row repeats on every printed page, and the page is A4 landscape.
func (s *Service) exportXLSX(ctx context.Context, w io.Writer, f Filter) (int, error) {
	x := excelize.NewFile()
	defer x.Close()
	sheet := word(f.Lang, "sheet")
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return 0, err
	}
	dateFmt := "dd.mm.yyyy hh:mm"
	if f.Lang == "en" {
		dateFmt = "yyyy-mm-dd hh:mm"
	}
	wrap := &excelize.Alignment{WrapText: true, Vertical: "top"}
	border := []excelize.Border{{Type: "left", Style: 1, Color: "000000"}, {Type: "right", Style: 1, Color: "000000"},
		{Type: "top", Style: 1, Color: "000000"}, {Type: "bottom", Style: 1, Color: "000000"}}
	styles := map[string]*excelize.Style{
		"title": {Font: &excelize.Font{Bold: true, Size: 13}},
		"head":  {Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "center", Horizontal: "center"}, Border: border, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E7ECF2"}}},
		"text":  {Alignment: wrap, Border: border},
		"date":  {Alignment: wrap, Border: border, CustomNumFmt: &dateFmt},
		"plain": {Alignment: &excelize.Alignment{WrapText: false}},
		"note":  {Font: &excelize.Font{Size: 9, Italic: true}},
	}
	ids := map[string]int{}
	for k, st := range styles {
		id, err := x.NewStyle(st)
		if err != nil {
			return 0, err
		}
		ids[k] = id
	}
	// Page set-up before streaming: after Flush excelize would read the
	// whole sheet back into memory to change it.
	size, orient, fit, zero := 9, "landscape", 1, 0 // 9: A4
	if err := x.SetPageLayout(sheet, &excelize.PageLayoutOptions{Size: &size, Orientation: &orient, FitToWidth: &fit, FitToHeight: &zero}); err != nil {
		return 0, err
	}
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return 0, err
	}
	for i, wd := range xlsxWidths {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return 0, err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: headerRow, TopLeftCell: "A" + strconv.Itoa(headerRow+1), ActivePane: "bottomLeft"}); err != nil {
		return 0, err
	}
	title, lines := f.Heading()
	row := 1
	put := func(style string, vals ...any) error {
		cells := make([]any, len(vals))
		for i, v := range vals {
			cells[i] = excelize.Cell{StyleID: ids[style], Value: v}
		}
		cell, _ := excelize.CoordinatesToCellName(1, row)
		row++
		return sw.SetRow(cell, cells)
	}
	if err := put("title", title); err != nil {
		return 0, err
	}
	for _, l := range lines {
		if err := put("plain", l); err != nil {
			return 0, err
		}
	}
	for row < headerRow {
		if err := put("plain", ""); err != nil {
			return 0, err
		}
	}
	head := make([]any, 0, 8)
	for _, c := range Columns(f.Lang) {
		head = append(head, c)
	}
	if err := put("head", head...); err != nil {
		return 0, err
	}
	n, err := s.xlsxRows(ctx, f, func(cells []any) error {
		row++
		return sw.SetRow("A"+strconv.Itoa(row-1), cells)
	}, ids["text"], ids["date"])
	if err != nil {
		return n, err
	}
	row++
	footer := [][]any{
		{word(f.Lang, "rows") + ": " + strconv.Itoa(n)},
		{word(f.Lang, "responsible") + " " + word(f.Lang, "signature") + " ____________ " + word(f.Lang, "fio")},
		{word(f.Lang, "generated") + ": " + templates.FormatTime(f.Lang, s.Zone, s.Now())},
	}
	for _, vals := range footer {
		if err := put("plain", vals...); err != nil {
			return n, err
		}
	}
	if err := put("note", word(f.Lang, "abbr")); err != nil {
		return n, err
	}
	if err := sw.MergeCell("A1", "H1"); err != nil {
		return n, err
	}
	if err := sw.Flush(); err != nil {
		return n, err
	}
	if err := x.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", Scope: sheet,
		RefersTo: "'" + sheet + "'!$" + strconv.Itoa(headerRow) + ":$" + strconv.Itoa(headerRow)}); err != nil {
		return n, err
	}
	// The deflate of the sheet was a tenth of the time at the default
	// level; BestSpeed makes the file about a fifth larger.
	x.SetZipWriter(func(w io.Writer) excelize.ZipWriter {
		zw := zip.NewWriter(w)
		zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
			return flate.NewWriter(out, flate.BestSpeed)
		})
		return zw
	})
	_, err = x.WriteTo(w)
	return n, err
}

// xlsxBatch rows go from the reader to the sheet's writer at once.
const xlsxBatch = 256

// xlsxRows reads the extract's rows in a goroutine and hands their cells
// to put in order: the database read and the words of a row (Contacts,
// DecisionText, Kind) overlap excelize's XML writing, which is most of the
// time (docs/BENCHMARKS.md, issue 13). The cells of a batch live in one
// slice, so a row costs no allocation of its own beyond the cell values.
func (s *Service) xlsxRows(ctx context.Context, f Filter, put func([]any) error, text, date int) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []excelize.Cell, 4)
	free := make(chan []excelize.Cell, 6)
	var n int
	var readErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(batches)
		var b []excelize.Cell
		n, readErr = s.Each(ctx, f, func(l *Line) error {
			if b == nil {
				select {
				case b = <-free:
					b = b[:0]
				default:
					b = make([]excelize.Cell, 0, xlsxBatch*8)
				}
			}
			at := l.Local(l.ReceivedAt)
			wall := time.Date(at.Year(), at.Month(), at.Day(), at.Hour(), at.Minute(), at.Second(), 0, time.UTC)
			b = append(b, excelize.Cell{StyleID: text, Value: l.Number}, excelize.Cell{StyleID: text, Value: l.Organization},
				excelize.Cell{StyleID: text, Value: l.BIN}, excelize.Cell{StyleID: date, Value: wall},
				excelize.Cell{StyleID: text, Value: l.Contacts(f.Lang)}, excelize.Cell{StyleID: text, Value: l.DecisionText(f.Lang)},
				excelize.Cell{StyleID: text, Value: l.Kind(f.Lang)}, excelize.Cell{StyleID: text, Value: l.Recommendations})
			if len(b) == cap(b) {
				select {
				case batches <- b:
				case <-ctx.Done():
					return ctx.Err()
				}
				b = nil
			}
			return nil
		})
		if len(b) > 0 && readErr == nil {
			select {
			case batches <- b:
			case <-ctx.Done():
			}
		}
	}()
	cells := make([]any, 8)
	var writeErr error
	for b := range batches {
		if writeErr != nil {
			continue // drain so the reader ends
		}
		for i := 0; i < len(b); i += 8 {
			for j := range cells {
				cells[j] = &b[i+j]
			}
			if writeErr = put(cells); writeErr != nil {
				cancel()
				break
			}
		}
		select {
		case free <- b:
		default:
		}
	}
	<-done
	if writeErr != nil {
		return n, writeErr
	}
	return n, readErr
}
