package analysis

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"tenderdesk/internal/calendar"
	"tenderdesk/internal/notify"
	"tenderdesk/internal/notify/templates"
	"tenderdesk/internal/reports"
)

// DocumentLangs are the languages a mailed document is attached in: the
// state language and Russian, both official (a PDF each).
var DocumentLangs = []string{"ru", "kk"}

// pdfAttachments are a text document (DailyText, ReportText in each of
// DocumentLangs) as PDF attachments named base (ru).pdf, base (kk).pdf.
// A signature, once the EDS issue signs these documents, is one more
// attachment of the same list.
func pdfAttachments(now time.Time, text func(lang string) (name, body string)) ([]notify.Attachment, error) {
	out := make([]notify.Attachment, 0, len(DocumentLangs))
	for _, lang := range DocumentLangs {
		name, body := text(lang)
		b, err := reports.TextPDFBytes(body, lang, now)
		if err != nil {
			return nil, err
		}
		out = append(out, notify.Attachment{Name: name + ".pdf", ContentType: "application/pdf", Data: b})
	}
	return out, nil
}

// DailyEvent is the outbox event of the daily analysis of a day.
func DailyEvent(day string) string { return "analysis.daily:" + day }

// DailyFileName is the attachment's name of the day's analysis in lang.
func DailyFileName(day calendar.Date, lang string) string {
	return fmt.Sprintf("%s %s (%s)", Word(lang, "daily.title"), time.Date(day.Year, day.Month, day.Day, 0, 0, 0, 0, time.UTC).Format("02.01.2006"), lang)
}

// mailDaily queues the day's analysis to DailyEmail with its PDF (Q43),
// in the transaction that stores it: stored once, mailed once.
func (s *Service) mailDaily(ctx context.Context, tx *sql.Tx, now time.Time, period string, body []byte) error {
	if len(s.DailyEmail) == 0 {
		return nil
	}
	var x Daily
	if err := json.Unmarshal(body, &x); err != nil {
		return err
	}
	day, err := calendar.ParseDate(period)
	if err != nil {
		return err
	}
	files, err := pdfAttachments(now, func(lang string) (string, string) {
		return DailyFileName(day, lang), DailyText(x, lang, s.CauseLabel)
	})
	if err != nil {
		return err
	}
	d := templates.Data{Number: time.Date(day.Year, day.Month, day.Day, 0, 0, 0, 0, time.UTC).Format("02.01.2006"), Zone: x.Zone}
	ns := make([]notify.Notification, 0, len(s.DailyEmail))
	for _, to := range s.DailyEmail {
		ns = append(ns, notify.Notification{Event: DailyEvent(period), Kind: templates.DailyAnalysis, Data: d,
			Channel: "email", Email: to, Lang: "ru", Attachments: files})
	}
	return notify.Enqueue(ctx, tx, now, s.MailDomain, ns...)
}

// ReportFileName is the attachment's name of an incident's written report.
func ReportFileName(w Written, lang string) string {
	return fmt.Sprintf("%s № %s (%s)", Word(lang, "report.title"), w.Report.Number, lang)
}
