package app

import (
	"context"
	"io"
	"time"

	"tenderdesk/internal/analysis"
	"tenderdesk/internal/calendar"
	"tenderdesk/internal/reports/pdfw"
)

// signedExtract is analysis.ExtractPDF: the Journal extract of the local
// dates [from, to] as internal/reports lays it out, with the signed
// document and its CMS embedded (issue 12, docs/signatures.md).
func (a *App) signedExtract(ctx context.Context, w io.Writer, from, to time.Time, lang string, files []analysis.Attachment) error {
	f := a.Reports.YearFilter(calendar.DateOf(from), calendar.DateOf(to), lang)
	pf := make([]pdfw.File, len(files))
	for i, x := range files {
		pf[i] = pdfw.File{Name: x.Name, Description: x.Description, MIME: x.MIME, Data: x.Data}
	}
	_, err := a.Reports.ExportPDF(ctx, w, f, pf)
	return err
}
