package reports

import (
	"fmt"
	"strings"

	"tenderdesk/internal/calendar"

	"tenderdesk/internal/notify/templates"
	"tenderdesk/internal/vocab"
)

// words are the documents' own words in ru, kk, en. The Journal's title
// and columns are those of the annex to the rules (002, «Журнал учета
// обращений пользователей о возникших технических сбоях»), worded as
// ../shared/GLOSSARY.md has them (rows 1, 7, 8, 105–111, 116, 117).
var words = map[string][3]string{
	"journal":          {"Журнал учета обращений пользователей о возникших технических сбоях веб-портала закупок", "Пайдаланушылардың туындаған техникалық іркілістер туралы өтініштерін есепке алу журналы", "Journal of user appeals about technical failures of the procurement web portal"},
	"extract":          {"Выписка из Журнала учета", "Есепке алу журналынан үзінді", "Extract from the Journal"},
	"sheet":            {"Журнал учета", "Есепке алу журналы", "Journal"},
	"col.number":       {"№ п/п", "№ р/с", "No."},
	"col.org":          {"Наименование обратившейся организации", "Өтініш берген ұйымның атауы", "Organization that appealed"},
	"col.bin":          {"БИН, ИИН", "БСН, ЖСН", "BIN, IIN"},
	"col.at":           {"Дата и время обращения", "Өтініштің күні мен уақыты", "Date and time of the appeal"},
	"col.contacts":     {"Контактные данные, по которым обратился пользователь веб-портала", "Веб-портал пайдаланушысы өтініш берген байланыс деректері", "Contact details the user appealed through"},
	"col.decision":     {"Принятое решение", "Қабылданған шешім", "Decision taken"},
	"col.kind":         {"Вид технического сбоя", "Техникалық іркілістің түрі", "Kind of technical failure"},
	"col.recs":         {"Рекомендации по недопущению технического сбоя впредь", "Техникалық іркілістің алдағы уақытта қайталануына жол бермеу жөніндегі ұсынымдар", "Recommendations against recurrence"},
	"responsible":      {"Ответственное лицо отдела технического администрирования", "Техникалық әкімшілендіру бөлімінің жауапты тұлғасы", "Responsible person of the technical administration department"},
	"signature":        {"(подпись)", "(қолы)", "(signature)"},
	"fio":              {"Ф.И.О.", "Т.А.Ә.", "full name"},
	"period":           {"Период", "Кезең", "Period"},
	"profile":          {"Правила", "Қағидалар", "Rules"},
	"all":              {"все", "барлығы", "all"},
	"organization":     {"Организация", "Ұйым", "Organization"},
	"rows":             {"Записей", "Жазбалар саны", "Rows"},
	"generated":        {"Сформировано", "Қалыптастырылды", "Generated"},
	"page":             {"Страница %d из %s", "%d-бет, барлығы %s", "Page %d of %s"},
	"kind.dependent":   {"зависящий от Оператора", "Операторға байланысты", "dependent on the operator"},
	"kind.independent": {"не зависящий от Оператора", "Операторға байланысты емес", "independent of the operator"},
	"level":            {"уровень критичности", "маңыздылық деңгейі", "criticality level"},
	"abbr":             {"БИН – бизнес-идентификационный номер; ИИН – индивидуальный идентификационный номер; п/п – по порядку; Ф.И.О. – фамилия, имя, отчество (при наличии).", "БСН – бизнес-сәйкестендіру нөмірі; ЖСН – жеке сәйкестендіру нөмірі; р/с – реттік саны; Т.А.Ә. – тегі, аты, әкесінің аты (бар болса).", "BIN – business identification number; IIN – individual identification number."},

	// The compliance report (GLOSSARY 117: not "SLA" in ru/kk).
	"sla":          {"Соблюдение сроков", "Мерзімдердің сақталуы", "Compliance with the terms"},
	"sla.day":      {"Сроки по дням: соблюдено и нарушено", "Күндер бойынша мерзімдер: сақталды және сақталмады", "Terms per day: met and breached"},
	"sla.use":      {"Использование срока (доля срока, затраченная до исполнения)", "Мерзімді пайдалану (орындалғанға дейін жұмсалған мерзім үлесі)", "Term used (share of the term spent until done)"},
	"sla.met":      {"соблюдено", "сақталды", "met"},
	"sla.breached": {"нарушено", "сақталмады", "breached"},
	"sla.clocks":   {"сроков", "мерзім", "clocks"},
	"sla.none":     {"За период сроков нет.", "Кезеңде мерзімдер жоқ.", "No terms in the period."},
}

// word is the document word key in lang (ru when unknown).
func word(lang, key string) string {
	w, ok := words[key]
	if !ok {
		return key
	}
	switch vocab.Lang(lang) {
	case "kk":
		return w[1]
	case "en":
		return w[2]
	}
	return w[0]
}

// Columns are the annex's column headers in lang.
func Columns(lang string) []string {
	out := make([]string, len(columnKeys))
	for i, k := range columnKeys {
		out[i] = word(lang, k)
	}
	return out
}

var columnKeys = []string{"col.number", "col.org", "col.bin", "col.at", "col.contacts", "col.decision", "col.kind", "col.recs"}

// Cells are the row's eight columns as text (CSV, PDF).
func (l *Line) Cells(lang string) []string {
	return []string{l.Number, l.Organization, l.BIN, templates.FormatTime(lang, l.loc, l.ReceivedAt), l.Contacts(lang),
		l.DecisionText(lang), l.Kind(lang), l.Recommendations}
}

// Heading is the extract's title and the filter it was made with.
func (f Filter) Heading() (title string, lines []string) {
	title = word(f.Lang, "extract") + " — " + word(f.Lang, "journal")
	lines = append(lines, fmt.Sprintf("%s: %s – %s", word(f.Lang, "period"), dateText(f.From, f.Lang), dateText(f.To, f.Lang)))
	p := f.Profile
	if p == "" {
		p = word(f.Lang, "all")
	}
	lines = append(lines, word(f.Lang, "profile")+": "+p)
	if f.Organization != "" || f.BIN != "" {
		lines = append(lines, word(f.Lang, "organization")+": "+strings.TrimSpace(f.Organization+" "+f.BIN))
	}
	return title, lines
}

// dateText is a date as the documents write it: 02.01.2006, ISO in English.
func dateText(d calendar.Date, lang string) string {
	if vocab.Lang(lang) == "en" {
		return d.String()
	}
	return fmt.Sprintf("%02d.%02d.%04d", d.Day, int(d.Month), d.Year)
}
