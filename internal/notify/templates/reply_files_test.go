package templates

import (
	"strings"
	"testing"
)

// Issue 10: a staff reply's mail names its files and links the appeal in
// the cabinet, where they are downloaded, in each language; a reply
// without files says nothing of files.
func TestReplyNamesItsFiles(t *testing.T) {
	for lang, want := range map[string][]string{
		"ru": {"К ответу приложены файлы:", "Скачать их можно в личном кабинете: https://desk.example.kz/cabinet/appeals/2026-000001."},
		"kk": {"Жауапқа қоса берілген файлдар:", "Оларды жеке кабинеттен жүктеп алуға болады: https://desk.example.kz/cabinet/appeals/2026-000001."},
		"en": {"Files attached to this reply:", "Download them in your cabinet: https://desk.example.kz/cabinet/appeals/2026-000001."},
	} {
		d := Data{Number: "2026-000001", Message: "Журнал во вложении.", Files: []string{"журнал.txt", "схема.pdf"},
			CabinetURL: "https://desk.example.kz/cabinet/appeals/2026-000001", Zone: "Asia/Almaty"}
		_, text, html, err := Render(Reply, lang, d)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range append(want, "- журнал.txt\n- схема.pdf") {
			if !strings.Contains(text, w) {
				t.Errorf("%s: the text lacks %q:\n%s", lang, w, text)
			}
		}
		if !strings.Contains(html, `href="https://desk.example.kz/cabinet/appeals/2026-000001"`) || !strings.Contains(html, "схема.pdf") {
			t.Errorf("%s: the HTML part lacks the files or the link:\n%s", lang, html)
		}
		d.Files, d.CabinetURL = nil, ""
		_, text, _, _ = Render(Reply, lang, d)
		if strings.Contains(text, want[0]) || strings.Contains(text, "cabinet/appeals") {
			t.Errorf("%s: a reply without files names none:\n%s", lang, text)
		}
	}
}

// The follow-up: the files the mail carries are named as attached; those
// too large for it are named as such, with the cabinet's link, in each
// language (a row queued before, with Files only, reads as above).
func TestReplyAttachedAndLinkedFiles(t *testing.T) {
	for lang, want := range map[string][2]string{
		"ru": {"К письму приложены файлы:\n- журнал.txt\n", "Эти файлы слишком велики для письма, скачать их можно в личном кабинете: https://desk.example.kz/cabinet/appeals/2026-000001.\n- архив.zip\n"},
		"kk": {"Хатқа қоса берілген файлдар:\n- журнал.txt\n", "Бұл файлдар хат үшін тым үлкен, оларды жеке кабинеттен жүктеп алуға болады: https://desk.example.kz/cabinet/appeals/2026-000001.\n- архив.zip\n"},
		"en": {"Files attached to this email:\n- журнал.txt\n", "These files are too large for email; download them in your cabinet: https://desk.example.kz/cabinet/appeals/2026-000001.\n- архив.zip\n"},
	} {
		d := Data{Number: "2026-000001", Message: "Журнал во вложении.", Attached: []string{"журнал.txt"}, Linked: []string{"архив.zip"},
			CabinetURL: "https://desk.example.kz/cabinet/appeals/2026-000001", Zone: "Asia/Almaty"}
		_, text, _, err := Render(Reply, lang, d)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: the text lacks %q:\n%s", lang, w, text)
			}
		}
		d.Linked, d.CabinetURL = nil, ""
		_, text, _, _ = Render(Reply, lang, d)
		if !strings.Contains(text, want[0]) || strings.Contains(text, "cabinet/appeals") || strings.Contains(text, want[1][:20]) {
			t.Errorf("%s: all files attached: no link, no large files:\n%s", lang, text)
		}
	}
}

// The audit witness names its attachments (the document and its CMS) and
// the command that checks them, with no base64 in the text; a row queued
// before attachments (WitnessCMS) still reads with its base64.
func TestWitnessNamesItsAttachments(t *testing.T) {
	for _, lang := range Languages {
		d := full()
		d.WitnessDocFile, d.WitnessCMSFile = "audit-witness-4211.json", "audit-witness-4211.json.cms"
		_, text, _, err := Render(AuditWitness, lang, d)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(text, "-in audit-witness-4211.json.cms -content audit-witness-4211.json") || strings.Contains(text, d.WitnessCMS[:40]) ||
			!strings.Contains(text, d.WitnessDocument) {
			t.Errorf("%s: the witness text:\n%s", lang, text)
		}
		d.WitnessDocFile, d.WitnessCMSFile = "", ""
		if _, text, _, _ = Render(AuditWitness, lang, d); !strings.Contains(text, d.WitnessCMS[:40]) {
			t.Errorf("%s: an older row loses its base64 CMS:\n%s", lang, text)
		}
	}
}
