package email

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

const kazakhLetters = "ә ғ қ ң ө ұ ү һ і"

func parseFile(t *testing.T, name string, opt Options) *Message {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := Parse(context.Background(), f, opt)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

func TestParseKazakhSubjectBase64(t *testing.T) {
	m := parseFile(t, "kazakh_subject_base64.eml", Options{})
	if want := "Өтінім 2026-000123: жүйеге кіру мүмкін емес (" + kazakhLetters + ")"; m.Subject != want {
		t.Errorf("subject = %q, want %q", m.Subject, want)
	}
	if m.From.Name != "Әйгерім Сәрсенбаева" || m.From.Address != "aigerim@example.kz" {
		t.Errorf("from = %+v", m.From)
	}
	if !strings.Contains(m.Text, "Жүйеге кіру мүмкін емес") {
		t.Errorf("text = %q", m.Text)
	}
	if m.MessageID != "kk-b64-1@example.kz" || m.AppealNumber != "2026-000123" {
		t.Errorf("id %q number %q", m.MessageID, m.AppealNumber)
	}
	if m.Date.IsZero() || m.Date.UTC().Hour() != 5 {
		t.Errorf("date = %v", m.Date)
	}
	if m.Auto.NoReply() {
		t.Errorf("a person's mail flagged automatic: %v", m.Auto.Reasons)
	}
	if len(m.To) != 1 || m.To[0].Address != "support@goszakup.example.kz" {
		t.Errorf("to = %+v", m.To)
	}
}

func TestParseKazakhSubjectQuotedPrintable(t *testing.T) {
	m := parseFile(t, "kazakh_subject_qp.eml", Options{})
	if want := "Қолтаңба қатесі: ЭЦҚ тексерілмейді, ұсыныс жіберу мүмкін емес (" + kazakhLetters + ")"; m.Subject != want {
		t.Errorf("subject = %q, want %q", m.Subject, want)
	}
	if !strings.Contains(m.Text, "өтінімді қабылдауыңызды") {
		t.Errorf("text = %q", m.Text)
	}
	if m.AppealNumber != "" {
		t.Errorf("no number expected, got %q", m.AppealNumber)
	}
}

// R2: a Russian subject naming the section; body and From name in legacy charsets.
func TestParseWindows1251BodyAndR2Section(t *testing.T) {
	m := parseFile(t, "windows1251_body.eml", Options{})
	if m.Subject != "Определение поставщика: не подписывается заявка" {
		t.Errorf("subject = %q", m.Subject)
	}
	if m.From.Name != "Иван Петров" {
		t.Errorf("koi8-r name = %q", m.From.Name)
	}
	if !strings.Contains(m.Text, "выдаётся ошибка") || !strings.Contains(m.Text, "С уважением") {
		t.Errorf("text = %q", m.Text)
	}
	if m.Section == nil || m.Section.ID != "supplier_determination" {
		t.Errorf("R2 section = %+v", m.Section)
	}
	if len(m.Problems) != 0 {
		t.Errorf("problems: %v", m.Problems)
	}
}

func TestDetectSectionR2(t *testing.T) {
	for _, tc := range []struct{ subject, want string }{
		{"Планирование: не формируется план-график", "planning"},
		{"ПЛАНИРОВАНИЕ", "planning"},
		{"Ошибка в разделе «Определение поставщиков»", "supplier_determination"},
		{"Исполнение обязательств по контрактам — ошибка", "contract_execution"},
		{"Исполнение контрактов", "contract_execution"},
		{"Отчёты не выгружаются", "reports"},
		{"Отчеты", "reports"},
		{"Contract execution fails", "contract_execution"},
		{"Не работает система", ""},
		{"", ""},
	} {
		got := DetectSection(tc.subject)
		id := ""
		if got != nil {
			id = got.ID
		}
		if id != tc.want {
			t.Errorf("R2 DetectSection(%q) = %q, want %q", tc.subject, id, tc.want)
		}
	}
	if n := SectionNames(); len(n) != 4 || n[0] != "Планирование" {
		t.Errorf("R2 section names = %v", n)
	}
}

func TestParseHTMLOnly(t *testing.T) {
	m := parseFile(t, "html_only.eml", Options{})
	if !m.TextFromHTML {
		t.Error("TextFromHTML not set")
	}
	want := "Добрый день!\nНе открывается объявление № 12345-1, лот 2.\nСпасибо & до свидания"
	if m.Text != want {
		t.Errorf("text = %q, want %q", m.Text, want)
	}
	if strings.Contains(m.Text, "alert") || strings.Contains(m.Text, "color") {
		t.Errorf("script/style leaked: %q", m.Text)
	}
	if !strings.Contains(m.HTML, "<b>") {
		t.Errorf("HTML not kept: %q", m.HTML)
	}
}

func TestParseInlineScreenshot(t *testing.T) {
	m := parseFile(t, "inline_screenshot.eml", Options{})
	if m.Text != "See the screenshot: the bid form freezes." {
		t.Errorf("text = %q (plain part must win over html)", m.Text)
	}
	if m.TextFromHTML || !strings.Contains(m.HTML, "cid:shot1@example.kz") {
		t.Errorf("html = %q", m.HTML)
	}
	if len(m.Attachments) != 1 {
		t.Fatalf("attachments = %+v", m.Attachments)
	}
	a := m.Attachments[0]
	if !a.Inline || a.Filename != "screenshot.png" || a.ContentType != "image/png" || a.ContentID != "shot1@example.kz" || a.Size != 70 {
		t.Errorf("inline image = %+v", a)
	}
	png, _ := base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
	if sum := sha256.Sum256(png); a.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("sha256 = %s", a.SHA256)
	}
}

func TestParseAutoReplyIsNotAnswered(t *testing.T) {
	m := parseFile(t, "autoreply.eml", Options{})
	if !m.Auto.AutoReply || m.Auto.Bounce || !m.Auto.NoReply() {
		t.Errorf("auto = %+v", m.Auto)
	}
	if m.AppealNumber != "2026-000123" || len(m.InReplyTo) != 1 {
		t.Errorf("threading: %q %v", m.AppealNumber, m.InReplyTo)
	}
}

func TestParseBounceDSN(t *testing.T) {
	m := parseFile(t, "bounce_dsn.eml", Options{})
	if !m.Auto.Bounce || !m.Auto.NoReply() {
		t.Errorf("bounce not detected: %+v", m.Auto)
	}
	joined := strings.Join(m.Auto.Reasons, "|")
	for _, want := range []string{"Return-Path: <>", "delivery-status report", "From: MAILER-DAEMON@mx.example.kz"} {
		if !strings.Contains(joined, want) {
			t.Errorf("reason %q missing in %q", want, joined)
		}
	}
}

func TestParseThreadedReply(t *testing.T) {
	m := parseFile(t, "reply_threaded.eml", Options{})
	if m.Subject != "Re: [2026-000123] Обращение зарегистрировано" || m.AppealNumber != "2026-000123" {
		t.Errorf("subject %q number %q", m.Subject, m.AppealNumber)
	}
	if len(m.InReplyTo) != 1 || m.InReplyTo[0] != "appeal-2026-000123.reg@tenderdesk.example" {
		t.Errorf("in-reply-to = %v", m.InReplyTo)
	}
	if len(m.References) != 2 || m.References[1] != "appeal-2026-000123.reg@tenderdesk.example" {
		t.Errorf("references = %v", m.References)
	}
}

func TestAutomationSignals(t *testing.T) {
	base := "From: a@example.kz\r\nTo: support@x.kz\r\nSubject: hi\r\n"
	for _, tc := range []struct {
		name, headers string
		env           *Envelope
		auto, bounce  bool
	}{
		{"person", "", nil, false, false},
		{"Auto-Submitted: no", "Auto-Submitted: no\r\n", nil, false, false},
		{"Auto-Submitted: auto-generated", "Auto-Submitted: auto-generated\r\n", nil, true, false},
		{"X-Autoreply", "X-Autoreply: yes\r\n", nil, true, false},
		{"Precedence bulk", "Precedence: bulk\r\n", nil, true, false},
		{"Precedence junk", "Precedence: junk\r\n", nil, true, false},
		{"Precedence list", "Precedence: list\r\n", nil, true, false},
		{"X-Auto-Response-Suppress", "X-Auto-Response-Suppress: All\r\n", nil, true, false},
		{"empty return path", "Return-Path: <>\r\n", nil, false, true},
		{"daemon return path", "Return-Path: <MAILER-DAEMON@mx.kz>\r\n", nil, false, true},
		{"null envelope sender", "", &Envelope{From: ""}, false, true},
		{"normal envelope sender", "", &Envelope{From: "a@example.kz"}, false, false},
		{"postmaster envelope", "", &Envelope{From: "postmaster@mx.kz"}, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := base + tc.headers + "\r\nbody\r\n"
			m, err := Parse(context.Background(), strings.NewReader(raw), Options{Envelope: tc.env})
			if err != nil {
				t.Fatal(err)
			}
			if m.Auto.AutoReply != tc.auto || m.Auto.Bounce != tc.bounce {
				t.Errorf("auto=%v bounce=%v, want %v %v (%v)", m.Auto.AutoReply, m.Auto.Bounce, tc.auto, tc.bounce, m.Auto.Reasons)
			}
		})
	}
}

func TestFindAppealNumber(t *testing.T) {
	for in, want := range map[string]string{
		"Re: [2026-000123] x":      "2026-000123",
		"2026-000123":              "2026-000123",
		"Обращение №2025-999999.":  "2025-999999",
		"tel 12026-0001234":        "",
		"2026-12345":               "",
		"дата 2026-02-03":          "",
		"first 2026-000001 2026-2": "2026-000001",
	} {
		if got := FindAppealNumber(in); got != want {
			t.Errorf("FindAppealNumber(%q) = %q, want %q", in, got, want)
		}
	}
}

// memStore records what Store.Put receives, keeping only a hash.
type memStore struct{ puts []string }

func (s *memStore) Put(_ context.Context, a Attachment, r io.Reader) (string, error) {
	h := sha256.New()
	n, err := io.Copy(h, r)
	s.puts = append(s.puts, fmt.Sprintf("%s:%d:%x", a.Filename, n, h.Sum(nil)))
	return fmt.Sprintf("ref-%d", len(s.puts)), err
}

// A 10 MB attachment streams through the parser: its hash and size are
// right, and the heap does not grow by anything like its size.
func TestParseTenMegabyteAttachmentStreams(t *testing.T) {
	payload := make([]byte, 10<<20)
	if _, err := rand.Read(payload); err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256(payload)
	raw := buildMultipart(t, payload)

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	st := &memStore{}
	m, err := Parse(context.Background(), bytes.NewReader(raw), Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)

	if len(m.Attachments) != 1 {
		t.Fatalf("attachments: %+v", m.Attachments)
	}
	a := m.Attachments[0]
	if a.Size != int64(len(payload)) || a.SHA256 != hex.EncodeToString(want[:]) || a.Filename != "выгрузка.bin" || a.Ref != "ref-1" {
		t.Errorf("attachment = %+v", a)
	}
	if st.puts[0] != fmt.Sprintf("выгрузка.bin:%d:%x", len(payload), want) {
		t.Errorf("store saw %s", st.puts[0])
	}
	if m.Text != "Выгрузка во вложении." {
		t.Errorf("text = %q", m.Text)
	}
	// Heap in use after parsing, not counting the raw input, must stay far
	// below the attachment's size: parsing streams.
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 4<<20 {
		t.Errorf("heap grew by %d bytes while parsing a 10 MB attachment", grew)
	}
}

func buildMultipart(t testing.TB, payload []byte) []byte {
	var b bytes.Buffer
	b.WriteString("From: a@example.kz\r\nTo: support@x.kz\r\nSubject: big\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		"Выгрузка во вложении.\r\n--XX\r\nContent-Type: application/octet-stream\r\n" +
		"Content-Disposition: attachment; filename*=UTF-8''%D0%B2%D1%8B%D0%B3%D1%80%D1%83%D0%B7%D0%BA%D0%B0.bin\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n")
	enc := base64.StdEncoding.EncodeToString(payload)
	for len(enc) > 76 {
		b.WriteString(enc[:76])
		b.WriteString("\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--XX--\r\n")
	return b.Bytes()
}

func TestParseAttachmentNameInWindows1251EncodedWord(t *testing.T) {
	raw := "Subject: x\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nсм. файл\r\n" +
		"--B\r\nContent-Type: application/pdf; name=\"=?windows-1251?B?z+vg7S3j8OD06OoucGRm?=\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERg==\r\n--B--\r\n"
	m, err := Parse(context.Background(), strings.NewReader(raw), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Attachments) != 1 || m.Attachments[0].Filename != "План-график.pdf" || m.Attachments[0].Size != 4 {
		t.Errorf("attachments = %+v", m.Attachments)
	}
}

func TestParseGarbageStillGivesAMessage(t *testing.T) {
	raw := "Subject: =?unknown-charset?B?AAAA?=\r\nFrom: broken <<\r\nIn-Reply-To: junk <a@b> (comment) <c@d>\r\nContent-Type: text/plain; charset=x-nonexistent\r\n\r\nhello"
	m, err := Parse(context.Background(), strings.NewReader(raw), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Problems) == 0 {
		t.Error("problems not recorded")
	}
	if len(m.InReplyTo) != 2 || m.InReplyTo[1] != "c@d" {
		t.Errorf("loose in-reply-to = %v", m.InReplyTo)
	}
	if m.Text != "hello" {
		t.Errorf("text = %q", m.Text)
	}
}

func TestParseTextCap(t *testing.T) {
	raw := "Subject: x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + strings.Repeat("қ", 100)
	m, err := Parse(context.Background(), strings.NewReader(raw), Options{MaxTextBytes: 51})
	if err != nil {
		t.Fatal(err)
	}
	if !m.TextTrimmed || m.Text != strings.Repeat("қ", 25) {
		t.Errorf("trimmed=%v text=%q", m.TextTrimmed, m.Text)
	}
}

func TestHTMLToText(t *testing.T) {
	for in, want := range map[string]string{
		"":                             "",
		"plain":                        "plain",
		"a<br>b":                       "a\nb",
		"<p>x</p>\n\n\n<p>y</p>":       "x\ny",
		"<!-- c -->t":                  "t",
		"<scr":                         "",
		"a<style>b</style>c":           "ac",
		"&lt;b&gt; &quot;қ&quot;":      "<b> \"қ\"",
		"<p>one</p><p></p><p>two</p>":  "one\ntwo",
		"<div>a</div><div><br></div>b": "a\nb",
		"x<script>if(a<b){}</script>y": "xy",
	} {
		if got := HTMLToText(in); got != want {
			t.Errorf("HTMLToText(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	entries, _ := os.ReadDir("testdata")
	for _, e := range entries {
		if b, err := os.ReadFile(filepath.Join("testdata", e.Name())); err == nil && strings.HasSuffix(e.Name(), ".eml") {
			f.Add(b)
		}
	}
	f.Add([]byte("Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\nContent-Type: multipart/mixed; boundary=a\r\n\r\n--a--"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(context.Background(), bytes.NewReader(b), Options{MaxTextBytes: 4096})
		if err != nil {
			return
		}
		_ = m.Auto.NoReply()
		_ = HTMLToText(m.HTML)
	})
}

func BenchmarkParse(b *testing.B) {
	small, err := os.ReadFile("testdata/inline_screenshot.eml")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("inline-screenshot", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Parse(context.Background(), bytes.NewReader(small), Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	payload := make([]byte, 10<<20)
	_, _ = rand.Read(payload)
	big := buildMultipart(b, payload)
	b.Run("10MB-attachment", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(big)))
		for b.Loop() {
			if _, err := Parse(context.Background(), bytes.NewReader(big), Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func FuzzHTMLToText(f *testing.F) {
	for _, s := range []string{"<p>a</p>", "<script>x<y</script>z", "<!--", "<style", "&amp;<br/>", "<SCRIPT>a</script >b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := HTMLToText(s)
		if strings.Contains(out, "\n\n") {
			t.Errorf("blank line left in %q", out)
		}
	})
}
