package templates

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
)

var almaty = func() *time.Location {
	l, err := time.LoadLocation("Asia/Almaty")
	if err != nil {
		panic(err)
	}
	return l
}()

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, almaty)
	if err != nil {
		panic(err)
	}
	return t
}

// full is real-looking data: a medium failure on a goszakup-like portal.
func full() Data {
	return Data{
		Number:         "2026-000123",
		IncidentNumber: "TF-2026-0042",
		RecipientName:  "Әйгерім Сәрсенбаева",
		Portal:         "zakup.example.kz",
		StatusURL:      "https://zakup.example.kz/status",
		Received:       at("2026-02-02 10:15"),
		Started:        at("2026-02-02 09:40"),
		Confirmed:      at("2026-02-02 11:05"),
		PlannedFix:     at("2026-02-02 16:00"),
		FixedAt:        at("2026-02-02 15:20"),
		Level:          "medium",
		Summary:        "не подписываются заявки ЭЦП <NCALayer>",
		Modules:        "Подача заявок",
		Reason:         "ошибка на стороне пользователя: истек срок ключа ЭЦП",
		Cause:          "отказ сервиса проверки подписи",
		Actions:        "перезапуск сервиса, переключение на резервный узел",
		Result:         "подача заявок восстановлена",
		Proposals:      "мониторинг сервиса проверки подписи",
		Extensions: []Extension{
			{Announcement: "1234567-1", Lot: "2", DeadlineKind: "bid_acceptance", Old: at("2026-02-02 12:00"), New: at("2026-02-02 17:40"), Rule: "Q36.3"},
			{Announcement: "7654321-1", DeadlineKind: "contract_signing", Old: at("2026-02-02 18:00"), New: at("2026-02-03 18:00"), Rule: "Q36.5"},
		},
		SectionMissing:  true,
		Sections:        []string{"Планирование", "Определение поставщика", "Исполнение обязательств по контрактам", "Отчеты"},
		Clock:           "registration",
		Rule:            "Q29",
		Deadline:        at("2026-02-02 10:45"),
		Overdue:         true,
		WitnessSeq:      4211,
		WitnessHash:     "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		WitnessAt:       at("2026-02-02 23:00"),
		WitnessDocument: `{"action":"audit.checkpoint","seq":4211}`,
		WitnessCMS:      strings.Repeat("MIIGZwYJKoZIhvcNAQcCoIIGWDCCBlQCAQExDzANBglghkgBZQMEAgEFADALBgkqhkiG9w0BBwGg", 3),
		Location:        almaty,
	}
}

// Every kind renders in all three languages with real data; the number is
// in the subject (for threading) and the text, and the HTML is valid XML.
func TestEveryKindRendersInEveryLanguage(t *testing.T) {
	for _, k := range Kinds {
		for _, lang := range Languages {
			subj, text, html, err := Render(k, lang, full())
			if err != nil {
				t.Fatalf("%s/%s: %v", k, lang, err)
			}
			if !strings.Contains(subj, "[2026-000123]") || !strings.Contains(text, "2026-000123") || !strings.Contains(html, "2026-000123") {
				t.Errorf("%s/%s: number missing:\n%s\n%s", k, lang, subj, text)
			}
			if strings.Contains(text, "<no value>") || strings.Contains(html, "<no value>") {
				t.Errorf("%s/%s: unfilled field:\n%s", k, lang, text)
			}
			if strings.ContainsAny(subj, "\r\n") {
				t.Errorf("%s/%s: subject spans lines", k, lang)
			}
			if !strings.Contains(html, `<html lang="`+lang+`">`) {
				t.Errorf("%s/%s: html lang", k, lang)
			}
			// The HTML must be well-formed (a mail client's parser is forgiving,
			// a broken tag in ours would still be a bug).
			d := xml.NewDecoder(strings.NewReader(strings.Replace(strings.ReplaceAll(html, "<br>", "<br/>"), "<!DOCTYPE html>", "", 1)))
			d.Strict = false
			d.AutoClose = xml.HTMLAutoClose
			d.Entity = xml.HTMLEntity
			for {
				_, err := d.Token()
				if err != nil {
					if err.Error() != "EOF" {
						t.Errorf("%s/%s: html: %v", k, lang, err)
					}
					break
				}
			}
		}
	}
}

func TestRegisteredQ30R2(t *testing.T) {
	_, text, html, err := Render(Registered, "ru", full())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Здравствуйте, Әйгерім Сәрсенбаева!",
		"поступившее 02.02.2026 10:15 (UTC+5), зарегистрировано под номером 2026-000123", // Q30: the number; times in Astana time
		"не указан раздел Системы",                                                       // R2
		"- Исполнение обязательств по контрактам",
		"[2026-000123] в теме письма",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("Q30/R2 text lacks %q:\n%s", want, text)
		}
	}
	if !strings.Contains(html, "<li style=\"margin:0 0 4px\">Отчеты</li>") || !strings.Contains(html, `<a href="https://zakup.example.kz/status"`) {
		t.Errorf("html:\n%s", html)
	}
	d := full()
	d.SectionMissing = false
	_, text, _, _ = Render(Registered, "ru", d)
	if strings.Contains(text, "раздел") {
		t.Errorf("R2 request shown although a section was named:\n%s", text)
	}
}

func TestKazakhTexts(t *testing.T) {
	subj, text, _, err := Render(LevelPlanned, "kk-KZ", full())
	if err != nil {
		t.Fatal(err)
	}
	if subj != "[2026-000123] Техникалық іркіліс расталды, маңыздылық деңгейі: орташа" {
		t.Errorf("Q36.2 kk subject = %q", subj)
	}
	for _, want := range []string{"Сәлеметсіз бе, Әйгерім Сәрсенбаева!", "Жоюдың жоспарланған мерзімі: 02.02.2026 16:00 (UTC+5)",
		"Хабарландыру № 1234567-1, лот № 2: өтінімдерді қабылдаудың аяқталуы", "+5 сағ 40 мин",
		"негіздеме: Қағидалардың 36-тармағының 3) тармақшасы", "№ 2026-000123 өтініш бойынша № TF-2026-0042 техникалық іркіліс расталды"} {
		if !strings.Contains(text, want) {
			t.Errorf("kk text lacks %q:\n%s", want, text)
		}
	}
}

// Q35.1: a low failure gets level and planned fix but no extension; Q36.2: a
// medium one gets the extension term; a change of plan is its own subject.
func TestLevelPlannedQ35Q36(t *testing.T) {
	d := full()
	d.Level, d.Extensions = "low", nil
	_, text, _, _ := Render(LevelPlanned, "ru", d)
	if !strings.Contains(text, "Уровень критичности: низкий") || !strings.Contains(text, "не продлеваются") || strings.Contains(text, "продлеваются на время") {
		t.Errorf("Q35.1 low:\n%s", text)
	}
	_, text, _, _ = Render(LevelPlanned, "ru", full())
	if !strings.Contains(text, "продлеваются на время его устранения") || !strings.Contains(text, "02.02.2026 12:00 (UTC+5) → 02.02.2026 17:40 (UTC+5) (+5 ч 40 мин; основание: пп. 3) п. 36 Правил)") {
		t.Errorf("Q36.2 medium:\n%s", text)
	}
	d = full()
	d.Changed = true
	subj, _, _, _ := Render(LevelPlanned, "en", d)
	if subj != "[2026-000123] Planned fix time of the technical failure has changed" {
		t.Errorf("re-notification subject = %q", subj)
	}
}

func TestFixedAndAuthorityQ36Q37Q42(t *testing.T) {
	_, text, _, _ := Render(Fixed, "en", full())
	if !strings.Contains(text, "fixed at 2026-02-02 15:20 (UTC+5)") || !strings.Contains(text, "contract approval and signing") {
		t.Errorf("Q36.9 fixed:\n%s", text)
	}
	_, text, _, _ = Render(AuthorityNotice, "ru", full())
	if !strings.Contains(text, "структурному подразделению, ответственному за вопросы информатизации и обеспечения информационной безопасности") || !strings.Contains(text, "по телефону") {
		t.Errorf("Q37.1/Q42 notice:\n%s", text)
	}
	_, text, _, _ = Render(AuthorityReport, "kk", full())
	for _, want := range []string{"Себебі: отказ сервиса", "Қабылданған шаралар:", "Нәтижесі:", "ұсыныстар:", "Ұзартылған рәсім мерзімдері:"} {
		if !strings.Contains(text, want) {
			t.Errorf("Q36.10/Q37.13 report lacks %q:\n%s", want, text)
		}
	}
}

func TestRefutedQ32(t *testing.T) {
	_, text, _, _ := Render(Refuted, "ru", full())
	if !strings.Contains(text, "не подтвержден") || !strings.Contains(text, "Обоснование: ошибка на стороне пользователя") {
		t.Errorf("Q32:\n%s", text)
	}
}

func TestBreachWarning(t *testing.T) {
	subj, text, _, _ := Render(BreachWarning, "ru", full())
	if subj != "[2026-000123] Срок нарушен: регистрация обращения (п. 29 Правил)" || !strings.Contains(text, "истек 02.02.2026 10:45 (UTC+5)") {
		t.Errorf("%s\n%s", subj, text)
	}
	d := full()
	d.Overdue = false
	subj, _, _, _ = Render(BreachWarning, "kk", d)
	if !strings.Contains(subj, "Мерзім аяқталуға жақын: өтінішті тіркеу (Қағидалардың 29-тармағы)") {
		t.Errorf("kk = %q", subj)
	}
}

func TestUnknownKindsAndLanguages(t *testing.T) {
	if _, _, _, err := Render("nonsense", "ru", full()); !errors.Is(err, ErrUnknownKind) {
		t.Errorf("unknown kind: %v", err)
	}
	if _, _, _, err := Render(Registered, "ru", Data{}); !errors.Is(err, ErrNoNumber) {
		t.Errorf("no number: %v", err)
	}
	ruSubj, _, _, _ := Render(Fixed, "ru", full())
	for _, lang := range []string{"", "de", "zz-ZZ", "RU"} {
		s, _, _, err := Render(Fixed, lang, full())
		if err != nil || s != ruSubj {
			t.Errorf("lang %q: %q, %v (want Russian fallback)", lang, s, err)
		}
	}
	for in, want := range map[string]string{"kk": "kk", "kk-KZ": "kk", "kz": "kk", "en_GB": "en", "EN": "en", "ru-RU": "ru", "": "ru"} {
		if got := Lang(in); got != want {
			t.Errorf("Lang(%q) = %q", in, got)
		}
	}
}

// User text cannot inject markup into the HTML part.
func TestHTMLEscapesData(t *testing.T) {
	d := full()
	d.Summary = `<script>alert("x")</script>`
	_, _, html, _ := Render(Fixed, "ru", d)
	if strings.Contains(html, "<script>") || !strings.Contains(html, "&lt;script&gt;") {
		t.Errorf("not escaped:\n%s", html)
	}
}

func TestZeroTimesAndUTC(t *testing.T) {
	d := Data{Number: "2026-000001", Level: "high"}
	_, text, _, err := Render(LevelPlanned, "ru", d)
	if err != nil || !strings.Contains(text, "Плановый срок устранения: —") {
		t.Errorf("%v\n%s", err, text)
	}
	// The 2024 offset change: a historic time shows UTC+6.
	d.PlannedFix = time.Date(2024, 2, 1, 6, 0, 0, 0, time.UTC)
	d.Location = almaty
	_, text, _, _ = Render(LevelPlanned, "ru", d)
	if !strings.Contains(text, "01.02.2024 12:00 (UTC+6)") {
		t.Errorf("historic offset:\n%s", text)
	}
}

// Data travels through the outbox as JSON: the zone must survive.
func TestDataJSONRoundTripKeepsZone(t *testing.T) {
	d := full()
	d.Location, d.Zone = nil, "Asia/Almaty"
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var back Data
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	_, text, _, err := Render(Fixed, "ru", back)
	if err != nil || !strings.Contains(text, "02.02.2026 15:20 (UTC+5)") {
		t.Errorf("%v\n%s", err, text)
	}
	back.Zone = "Mars/Olympus"
	if _, _, _, err := Render(Fixed, "ru", back); err == nil {
		t.Error("unknown zone accepted")
	}
}

// Issue 11: the acknowledgement prints the access code (R7); the
// information request carries the question and says the term is paused
// (Q38); the closing notice carries the cause and the actions (R1–R5); in
// every language.
func TestConversationTextsQ38R7R5(t *testing.T) {
	d := full()
	d.AccessCode, d.Message = "K7M2P9QX4T", "Пришлите снимок экрана"
	for _, lang := range Languages {
		for _, tc := range []struct {
			kind Kind
			want []string
		}{
			{Registered, []string{"K7M2P9QX4T"}},
			{InfoRequested, []string{"Пришлите снимок экрана", "[2026-000123]"}},
			{Reply, []string{"Пришлите снимок экрана"}},
			{InfoAnswered, []string{"Пришлите снимок экрана"}},
			{Closed, []string{d.Cause, d.Actions}},
		} {
			subject, plain, html, err := Render(tc.kind, lang, d)
			if err != nil {
				t.Fatalf("%s/%s: %v", lang, tc.kind, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(subject+plain, w) || !strings.Contains(html, strings.Split(w, "[")[0]) {
					t.Errorf("%s/%s lacks %q:\n%s\n%s", lang, tc.kind, w, subject, plain)
				}
			}
		}
		_, plain, _, _ := Render(InfoRequested, lang, d)
		if !strings.Contains(plain, map[string]string{"ru": "приостановлен", "kk": "тоқтатыла тұрады", "en": "paused"}[lang]) {
			t.Errorf("%s: Q38: the request says the term is paused: %s", lang, plain)
		}
	}
}

// Every notice to a reporter names both the appeal's number and the
// failure's (issue 8, defect 10).
func TestReporterNoticesNameBothNumbers(t *testing.T) {
	for _, k := range []Kind{Registered, Refuted, LevelPlanned, Fixed} {
		for _, lang := range Languages {
			_, text, _, err := Render(k, lang, full())
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(text, "2026-000123") || !strings.Contains(text, "TF-2026-0042") {
				t.Errorf("%s/%s names not both numbers:\n%s", k, lang, text)
			}
		}
	}
}

// GLOSSARY.md "Review of current texts": none of the reviewed faults comes
// back. A Kazakh placeholder never carries a case role (B): no number or
// date is followed by a word that would need a suffix on it.
func TestGlossaryReview(t *testing.T) {
	bad := map[string][]string{
		"kk": {"келесі", "конверттерді", "келісім бойынша", "жіберу хаттамасы", "Мерзім бұзылды", "Q36.3", "Q29",
			"техникалық қолдау қызметі", "журналда тіркеледі", "ақпараттық қауіпсіздік бөлімшесіне", "жай-күйі", "телефон арқылы да жіберіледі"},
		"ru": {"Q36.3", "Q29", "расшифровка", "протокол итогов", "Служба технической поддержки", "по информационной безопасности", "ё", "в журнале."},
		"en": {"Q36.3", "Q29"},
	}
	// "№ 2026-000123 өтініш" marks the number as an identifier: allowed.
	word := regexp.MustCompile(`(№ )?((?:TF-)?\d{4}-\d{4,6}|\(UTC[+-]\d+\)) [\p{Ll}]`)
	for _, k := range Kinds {
		for lang, phrases := range bad {
			_, text, _, err := Render(k, lang, full())
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range phrases {
				if strings.Contains(text, p) {
					t.Errorf("%s/%s contains %q:\n%s", k, lang, p, text)
				}
			}
			if lang == "kk" {
				for _, m := range word.FindAllStringSubmatch(text, -1) {
					if m[1] == "" {
						t.Errorf("%s/kk: a placeholder carries a case role at %q:\n%s", k, m[0], text)
					}
				}
			}
		}
	}
	// The Russian profile's desk is its technical support service (A8).
	d := full()
	d.Profile = "ru-khmao-goszakaz"
	if _, text, _, _ := Render(Fixed, "ru", d); !strings.Contains(text, "Служба технической поддержки портала") {
		t.Errorf("ru profile signature:\n%s", text)
	}
}
