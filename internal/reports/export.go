package reports

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"slices"
	"strings"

	"tenderdesk/internal/apperr"
)

// Formats of the Journal extract, with their media types.
var Formats = map[string]string{
	"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"pdf":  "application/pdf",
	"csv":  "text/csv; charset=utf-8",
	"json": "application/json",
}

// FormatNames are the formats in the order the API documents them.
var FormatNames = []string{"xlsx", "pdf", "csv", "json"}

// Negotiate picks the format: the format parameter, else the first media
// type of Accept that one of the formats serves, else JSON (the listing).
func Negotiate(param, accept string) (string, error) {
	if param != "" {
		if !slices.Contains(FormatNames, param) {
			return "", invalid("format", "one of "+strings.Join(FormatNames, ", "))
		}
		return param, nil
	}
	for _, part := range strings.Split(accept, ",") {
		mt, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		mt = strings.ToLower(strings.TrimSpace(mt))
		for _, f := range FormatNames {
			if base, _, _ := strings.Cut(Formats[f], ";"); base == mt {
				return f, nil
			}
		}
	}
	return "json", nil
}

// FileName is the download's name: journal_2026-01-01_2026-12-31.xlsx.
func FileName(f Filter, format string) string {
	return "journal_" + f.From.String() + "_" + f.To.String() + "." + format
}

// Export writes the Journal extract of f to w in format, streaming: rows
// go out as they are read, chunk by chunk (the PDF page by page, pdfw).
func (s *Service) Export(ctx context.Context, w io.Writer, f Filter, format string) (int, error) {
	switch format {
	case "csv":
		return s.exportCSV(ctx, w, f)
	case "json":
		return s.exportJSON(ctx, w, f)
	case "xlsx":
		return s.exportXLSX(ctx, w, f)
	case "pdf":
		return s.exportPDF(ctx, w, f)
	}
	return 0, invalid("format", "one of "+strings.Join(FormatNames, ", "))
}

// exportCSV: UTF-8 with a byte-order mark, so spreadsheet programs read
// Cyrillic right; the header row is the annex's columns.
func (s *Service) exportCSV(ctx context.Context, w io.Writer, f Filter) (int, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := bw.WriteString("\uFEFF"); err != nil {
		return 0, err
	}
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	if err := cw.Write(Columns(f.Lang)); err != nil {
		return 0, err
	}
	n, err := s.Each(ctx, f, func(l *Line) error { return cw.Write(l.Cells(f.Lang)) })
	if err != nil {
		return n, err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return n, err
	}
	return n, bw.Flush()
}

// exportJSON is the listing: {"columns": […], "rows": [{…}, …], "count": n},
// each row written as it is read.
func (s *Service) exportJSON(ctx context.Context, w io.Writer, f Filter) (int, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	title, lines := f.Heading()
	head, _ := json.Marshal(map[string]any{"title": title, "filter": lines, "columns": Columns(f.Lang)})
	bw.Write(head[:len(head)-1])
	bw.WriteString(`,"rows":[`)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	type row struct {
		*Line
		Contacts string `json:"contacts"`
		Decision string `json:"decision_taken"`
		Kind     string `json:"kind"`
	}
	n, err := s.Each(ctx, f, func(l *Line) error {
		if l.Seq > 1 {
			bw.WriteByte(',')
		}
		return enc.Encode(row{Line: l, Contacts: l.Contacts(f.Lang), Decision: l.DecisionText(f.Lang), Kind: l.Kind(f.Lang)})
	})
	if err != nil {
		return n, err
	}
	cnt, _ := json.Marshal(n)
	bw.WriteString(`],"count":` + string(cnt) + "}\n")
	return n, bw.Flush()
}

// invalid is a 400 naming one field.
func invalid(field, problem string) error { return apperr.Validation{field: problem}.Err() }
