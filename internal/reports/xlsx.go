package reports

import (
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
	n, err := s.Each(ctx, f, func(l *Line) error {
		at := l.Local(l.ReceivedAt)
		wall := time.Date(at.Year(), at.Month(), at.Day(), at.Hour(), at.Minute(), at.Second(), 0, time.UTC)
		cells := []any{
			excelize.Cell{StyleID: ids["text"], Value: l.Number}, excelize.Cell{StyleID: ids["text"], Value: l.Organization},
			excelize.Cell{StyleID: ids["text"], Value: l.BIN}, excelize.Cell{StyleID: ids["date"], Value: wall},
			excelize.Cell{StyleID: ids["text"], Value: l.Contacts(f.Lang)}, excelize.Cell{StyleID: ids["text"], Value: l.DecisionText(f.Lang)},
			excelize.Cell{StyleID: ids["text"], Value: l.Kind(f.Lang)}, excelize.Cell{StyleID: ids["text"], Value: l.Recommendations},
		}
		cell, _ := excelize.CoordinatesToCellName(1, row)
		row++
		return sw.SetRow(cell, cells)
	})
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
	_, err = x.WriteTo(w)
	return n, err
}
