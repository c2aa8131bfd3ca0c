package pdfw_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/reports/pdfw"
)

// Issue 12: Options.Files embeds files (the signed extract's document and
// CMS): qpdf finds the document sound, pdfdetach lists the files with
// their descriptions in name order and saves them byte for byte (binary,
// a name with parentheses), and the text is still read.
func TestEmbeddedFiles_Issue12(t *testing.T) {
	for _, tool := range []string{"qpdf", "pdfdetach", "pdftotext"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("CI: %s is not installed", tool)
			}
			t.Skipf("%s not installed (apt-get install qpdf poppler-utils)", tool)
		}
	}
	cms := []byte{0x30, 0x82, 0x00, 0xff, 0x00, '\n', '\r', '(', ')', '\\'}
	files := []pdfw.File{
		{Name: "z-signature (1).cms", Description: "CMS: ПЕТРОВА СВЕТЛАНА", MIME: "application/pkcs7-signature", Data: cms},
		{Name: "a-document.json", Description: "подписанный документ", MIME: "application/json", Data: []byte(`{"action":"journal.extract"}`)},
	}
	var b bytes.Buffer
	w := pdfw.New(&b, []*pdfw.Font{font(t, "DejaVuSansCondensed.ttf", "DejaVuSansCondensed")}, pdfw.Options{Width: 297, Height: 210,
		Created: time.Date(2026, 3, 2, 4, 0, 0, 0, time.UTC), Title: "Үзінді", Files: files})
	p := w.NewPage()
	p.SetFont(0, 10)
	p.Text(10, 15, "Выписка из Журнала учета")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "d.pdf")
	if err := os.WriteFile(in, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("qpdf", "--check", in).CombinedOutput(); err != nil || !strings.Contains(string(out), "No syntax or stream encoding errors") {
		t.Fatalf("qpdf --check: %v\n%s", err, out)
	}
	out, err := exec.Command("pdfdetach", "-list", in).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "2 embedded files\n1: a-document.json\n2: z-signature (1).cms") {
		t.Fatalf("pdfdetach -list: %v\n%s", err, out)
	}
	if out, err := exec.Command("pdfdetach", "-saveall", "-o", dir, in).CombinedOutput(); err != nil {
		t.Fatalf("pdfdetach -saveall: %v\n%s", err, out)
	}
	for _, f := range files {
		if got, err := os.ReadFile(filepath.Join(dir, f.Name)); err != nil || !bytes.Equal(got, f.Data) {
			t.Errorf("%s: %q %v", f.Name, got, err)
		}
	}
	if txt, err := exec.Command("pdftotext", in, "-").CombinedOutput(); err != nil || !strings.Contains(string(txt), "Выписка из Журнала учета") {
		t.Fatalf("pdftotext: %v\n%s", err, txt)
	}
	// Without files the catalog is as before: no /Names.
	var plain bytes.Buffer
	w = pdfw.New(&plain, []*pdfw.Font{font(t, "DejaVuSansCondensed.ttf", "DejaVuSansCondensed")}, pdfw.Options{Width: 297, Height: 210})
	w.NewPage()
	if err := w.Close(); err != nil || bytes.Contains(plain.Bytes(), []byte("/EmbeddedFiles")) {
		t.Fatalf("a document without files has a name tree (%v)", err)
	}
}
