package analysis

import (
	"fmt"
	"strings"
	"time"

	"tenderdesk/internal/vocab"
)

// words are the documents' own words, ru / kk / en, as GLOSSARY.md has them
// (row numbers in the comments); levels, channels and states come from
// internal/vocab.
var words = map[string][3]string{
	"daily.title":  {"Ежедневный анализ технических сбоев предыдущего дня", "Алдыңғы күннің техникалық іркілістерін күнделікті талдау", "Daily analysis of the previous day's technical failures"}, // #114
	"annual.title": {"Ежегодная информация уполномоченному органу", "Уәкілетті органға жыл сайынғы ақпарат (жылдық есеп)", "Annual information to the authorized body"},                            // #115
	"report.title": {"Письменное извещение уполномоченного органа о техническом сбое", "Техникалық іркіліс туралы уәкілетті органға жазбаша хабарлау", "Written report to the authorized body on a technical failure"},
	"legal.title":  {"Запросы для правовой оценки", "Құқықтық бағалауға арналған сұрау салулар", "Requests for a legal assessment"},
	"date":         {"Дата", "Күні", "Date"},
	"year":         {"Год", "Жыл", "Year"},
	"generated":    {"Сформирован", "Жасалды", "Generated"},
	"profile":      {"Правила", "Қағидалар", "Rules"},
	"appeals":      {"Зарегистрировано обращений", "Тіркелген өтініштер", "Appeals registered"},     // #2
	"failures":     {"Технических сбоев", "Техникалық іркілістер", "Technical failures"},            // #6
	"refuted":      {"Опровергнуто", "Теріске шығарылды", "Refuted"},                                // #15
	"by_level":     {"По уровню критичности", "Маңыздылық деңгейі бойынша", "By criticality level"}, // #9
	"by_channel":   {"По способу обращения", "Өтініш беру тәсілі бойынша", "By channel"},
	"by_module":    {"По модулю Системы", "Жүйе модулі бойынша", "By module of the System"}, // #71
	"by_cause":     {"По причине", "Себебі бойынша", "By cause"},
	"by_kind":      {"По виду технического сбоя", "Техникалық іркілістің түрі бойынша", "By kind of failure"}, // #7
	"by_month":     {"По месяцам", "Айлар бойынша", "By month"},
	"fixes":        {"Устранено за день и соблюдение срока", "Күн ішінде жойылғаны және мерзімнің сақталуы", "Fixed that day, against the term"}, // #16, #117
	"open":         {"Не устранены", "Жойылмағандар", "Still open"},
	"overdue":      {"Срок устранения нарушен", "Жою мерзімі сақталмады", "Fixing term breached"}, // #88
	"in_term":      {"в срок", "мерзімінде", "in time"},
	"late":         {"с нарушением срока", "мерзімі бұзылып", "late"},
	"no_term":      {"срок не установлен (сбой не зависит от Оператора)", "мерзім белгіленбеген (іркіліс Операторға байланысты емес)", "no term (the failure does not depend on the operator)"}, // #8
	"deadline":     {"Срок", "Мерзім", "Term"},                                                                                                                                                  // #87
	"fixed_at":     {"Фактическая дата и время устранения", "Нақты жойылған күні мен уақыты", "Fixed at"},                                                                                       // #18
	"started":      {"Начало сбоя", "Іркілістің басталуы", "Start of the failure"},                                                                                                              // #19
	"confirmed":    {"Подтвержден", "Расталды", "Confirmed"},
	"state":        {"Состояние", "Жай-күйі", "Status"}, // #103
	"since":        {"Зарегистрирован", "Тіркелді", "Registered"},
	"none":         {"нет", "жоқ", "none"},
	"unknown":      {"не указано", "көрсетілмеген", "not given"},
	"pending":      {"еще не подтвержден", "әлі расталмаған", "not yet confirmed"},
	"dependent":    {"зависящий от Оператора", "Операторға байланысты", "dependent on the operator"},           // #8
	"independent":  {"не зависящий от Оператора", "Операторға байланысты емес", "independent of the operator"}, // #8
	"cause":        {"Причина возникновения", "Туындау себебі", "Cause"},
	"actions":      {"Выполненные мероприятия по устранению", "Жою бойынша орындалған іс-шаралар", "Actions taken to fix it"},
	"result":       {"Результат устранения", "Жою нәтижесі", "Result"},
	"proposals":    {"Предложения по недопущению технического сбоя", "Техникалық іркілістің қайталануына жол бермеу жөніндегі ұсыныстар", "Proposals against recurrence"}, // GLOSSARY A10
	"extensions":   {"Продление сроков закупок", "Сатып алу мерзімдерін ұзарту", "Extension of procurements"},                                                             // #21
	"no_ext":       {"Сроки закупок не продлевались.", "Сатып алу мерзімдері ұзартылған жоқ.", "No procurement deadline was extended."},
	"failure":      {"Технический сбой", "Техникалық іркіліс", "Technical failure"},
	"level":        {"Уровень критичности", "Маңыздылық деңгейі", "Criticality level"}, // #9
	"modules":      {"Модуль Системы", "Жүйе модулі", "Module of the System"},          // #71
	"summary":      {"Описание", "Сипаттамасы", "Description"},
	"to":           {"Кому", "Кімге", "To"},
	"due":          {"Срок направления", "Жіберу мерзімі", "Due"},
	"status":       {"Состояние", "Жай-күйі", "Status"},
	"draft":        {"черновик", "жоба", "draft"},
	"sent":         {"направлено", "жіберілді", "sent"},
	"signed":       {"подписано ответственным лицом", "жауапты тұлға қол қойды", "signed by the responsible person"}, // #111
	"unsigned":     {"не подписано", "қол қойылмаған", "not signed"},
	"causes":       {"Причины возникновения технических сбоев", "Техникалық іркілістердің туындау себептері", "Causes of the failures"},
	"results":      {"Результаты устранения", "Жою нәтижелері", "Results"},
	"extract":      {"Выписка из Журнала учета", "Есепке алу журналынан үзінді", "Journal extract"}, // #116
	"fixed_total":  {"Устранено", "Жойылды", "Fixed"},
	"month":        {"Месяц", "Ай", "Month"},
	"blank":        {"(без модуля)", "(модульсіз)", "(no module)"},
	"no_cause":     {"(причина не указана)", "(себебі көрсетілмеген)", "(cause not given)"},
	"fixed":        {"устранен", "жойылды", "fixed"},
	"authority":    {"уполномоченный орган", "уәкілетті орган", "authorized body"}, // #60
}

// Word is a document word in lang (ru, kk, en; others fall back to ru).
func Word(lang, key string) string {
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

// Labeler says a cause code of Q26 (journal.Causes) in words; the console
// keeps those words (its labels.go), the app passes them in. nil: the code.
type Labeler func(lang, code string) string

// BucketLabel is a breakdown key in words: a level, channel, kind or cause.
func BucketLabel(lang, by, key string, cause Labeler) string {
	switch {
	case by == "by_cause" && key == "":
		return Word(lang, "no_cause")
	case by == "by_module" && key == "":
		return Word(lang, "blank")
	case by == "by_cause" && cause != nil:
		return cause(lang, key)
	case by == "by_cause" || by == "by_module":
		return key
	case by == "by_level" && (key == "pending" || key == "refuted"):
		if key == "refuted" {
			return vocab.IncidentState(key).Label(lang)
		}
		return Word(lang, key)
	case by == "by_kind":
		return Word(lang, key)
	}
	return vocab.Label(lang, key)
}

// Time tells t in loc as the documents do: ДД.ММ.ГГГГ ЧЧ:ММ.
func Time(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(loc).Format("02.01.2006 15:04")
}

type doc struct {
	b     strings.Builder
	lang  string
	loc   *time.Location
	cause Labeler
}

func (d *doc) line(format string, a ...any) { fmt.Fprintf(&d.b, format+"\n", a...) }
func (d *doc) w(key string) string          { return Word(d.lang, key) }

func (d *doc) counts(by string, cs []Count) {
	d.line("\n%s:", d.w(by))
	if len(cs) == 0 {
		d.line("  %s", d.w("none"))
	}
	for _, c := range cs {
		d.line("  %s — %d", BucketLabel(d.lang, by, c.Key, d.cause), c.N)
	}
}

func zoneOf(name string) *time.Location {
	if l, err := time.LoadLocation(name); err == nil {
		return l
	}
	return time.UTC
}

// DailyText is the daily analysis as a plain-text document in lang.
func DailyText(x Daily, lang string, cause Labeler) string {
	d := &doc{lang: lang, loc: zoneOf(x.Zone), cause: cause}
	d.line("%s", d.w("daily.title"))
	d.line("%s: %s (%s)", d.w("date"), x.Date, x.Zone)
	d.line("%s: %s", d.w("generated"), Time(x.GeneratedAt, d.loc))
	d.line("%s: %s", d.w("profile"), x.Profile)
	d.line("")
	d.line("%s: %d", d.w("appeals"), x.Appeals)
	d.line("%s: %d", d.w("failures"), x.Failures)
	d.counts("by_level", x.ByLevel)
	d.counts("by_channel", x.ByChannel)
	d.counts("by_module", x.ByModule)
	d.counts("by_cause", x.ByCause)
	d.counts("by_kind", x.ByKind)
	d.line("\n%s:", d.w("fixes"))
	if len(x.Fixes) == 0 {
		d.line("  %s", d.w("none"))
	}
	for _, f := range x.Fixes {
		d.line("  № %s, %s, %s — %s", f.Number, levelWord(lang, f.Level), Time(f.FixedAt, d.loc), d.fixVerdict(f.Met, f.Deadline))
	}
	d.line("\n%s: %d; %s: %d", d.w("open"), len(x.Open), d.w("overdue"), x.Overdue)
	for _, o := range x.Open {
		mark := ""
		if o.Overdue {
			mark = " — " + d.w("overdue")
		}
		dl := "—"
		if o.Deadline != nil {
			dl = Time(*o.Deadline, d.loc)
		}
		d.line("  № %s, %s, %s, %s: %s%s", o.Number, vocab.IncidentState(o.State).Label(lang), levelWord(lang, o.Level), d.w("deadline"), dl, mark)
	}
	return d.b.String()
}

func (d *doc) fixVerdict(met *bool, dl *time.Time) string {
	switch {
	case met == nil:
		return d.w("no_term")
	case *met:
		return d.w("in_term") + " (" + d.w("deadline") + ": " + Time(*dl, d.loc) + ")"
	}
	return d.w("late") + " (" + d.w("deadline") + ": " + Time(*dl, d.loc) + ")"
}

func (d *doc) causeText(code string) string {
	if code == "" || d.cause == nil {
		return code
	}
	return d.cause(d.lang, code)
}

func levelWord(lang, level string) string {
	if level == "" {
		return Word(lang, "pending")
	}
	return vocab.Label(lang, level)
}

// AnnualText is the annual information as a plain-text document in lang.
func AnnualText(x Annual, st Stored, lang string, cause Labeler) string {
	d := &doc{lang: lang, loc: zoneOf(x.Zone), cause: cause}
	d.line("%s", d.w("annual.title"))
	d.line("%s: %d (%s)", d.w("year"), x.Year, x.Zone)
	d.line("%s: %s", d.w("generated"), Time(x.GeneratedAt, d.loc))
	d.line("%s: %s", d.w("profile"), x.Profile)
	d.line("%s: %s", d.w("extract"), x.Extract)
	d.line("")
	d.line("%s: %d", d.w("appeals"), x.Appeals)
	d.line("%s: %d; %s: %d", d.w("failures"), x.Failures, d.w("refuted"), x.Refuted)
	d.line("%s: %d (%s: %d; %s: %d; %s: %d)", d.w("fixed_total"), x.Fixed, d.w("in_term"), x.FixedInTerm, d.w("late"), x.FixedLate, d.w("no_term"), x.NoTerm)
	d.counts("by_level", x.ByLevel)
	d.counts("by_kind", x.ByKind)
	d.counts("by_channel", x.ByChannel)
	d.counts("by_module", x.ByModule)
	d.counts("by_cause", x.ByCause)
	d.line("\n%s:", d.w("by_month"))
	for _, m := range x.ByMonth {
		d.line("  %02d: %s %d, %s %d", m.Month, d.w("appeals"), m.Appeals, d.w("failures"), m.Failures)
	}
	d.line("")
	for _, it := range x.Items {
		d.line("№ %s — %s, %s, %s", it.Number, levelWord(lang, it.Level), d.w(it.Kind), vocab.IncidentState(it.State).Label(lang))
		d.line("  %s: %s", d.w("cause"), orDash(d.causeText(it.Cause)))
		d.line("  %s: %s", d.w("actions"), orDash(it.Actions))
		fixed := "—"
		if it.FixedAt != nil {
			fixed = Time(*it.FixedAt, d.loc)
		}
		d.line("  %s: %s", d.w("fixed_at"), fixed)
		d.line("  %s: %s", d.w("proposals"), orDash(it.Proposals))
	}
	n := st.Narrative
	d.line("\n%s:\n%s", d.w("causes"), orDash(n.Causes))
	d.line("\n%s:\n%s", d.w("actions"), orDash(n.Actions))
	d.line("\n%s:\n%s", d.w("results"), orDash(n.Results))
	d.line("\n%s:\n%s", d.w("proposals"), orDash(n.Proposals))
	if st.Status == "signed" && st.SignedAt != nil {
		d.line("\n%s: %s, %s", d.w("signed"), st.SignedBy, Time(*st.SignedAt, d.loc))
	} else {
		d.line("\n%s", d.w("unsigned"))
	}
	return d.b.String()
}

// ReportText is a written report as a plain-text document in lang.
func ReportText(w Written, lang string) string {
	r := w.Report
	d := &doc{lang: lang, loc: zoneOf(r.Zone)}
	d.line("%s (%s)", d.w("report.title"), vocab.Cite(r.Rule, lang))
	d.line("%s: %s", d.w("to"), d.w("authority"))
	d.line("%s: № %s", d.w("failure"), r.Number)
	d.line("%s: %s", d.w("level"), levelWord(lang, r.Level))
	d.line("%s: %s", d.w("modules"), orDash(strings.Join(r.Modules, ", ")))
	if r.Summary != "" {
		d.line("%s: %s", d.w("summary"), r.Summary)
	}
	started := time.Time{}
	if r.Started != nil {
		started = *r.Started
	}
	d.line("%s: %s", d.w("started"), Time(started, d.loc))
	d.line("%s: %s", d.w("fixed_at"), Time(r.FixedAt, d.loc))
	d.line("%s: %s", d.w("cause"), orDash(r.Cause))
	d.line("%s: %s", d.w("actions"), orDash(r.Actions))
	res := r.Result
	if res == "fixed" {
		res = d.w("fixed")
	}
	d.line("%s: %s", d.w("result"), orDash(res))
	d.line("%s:", d.w("extensions"))
	if len(r.Extensions) == 0 {
		d.line("  %s", d.w("no_ext"))
	}
	for _, e := range r.Extensions {
		lot := ""
		if e.Lot != "" {
			lot = " / " + e.Lot
		}
		d.line("  %s%s: %s, %s → %s (%s)", e.Announcement, lot, vocab.DeadlineKind(e.Kind).Label(lang), Time(e.Old, d.loc), Time(e.New, d.loc), vocab.Cite(e.Rule, lang))
	}
	for _, c := range r.PerRule {
		d.line("  %s: %d", vocab.Cite(c.Key, lang), c.N)
	}
	d.line("%s: %s", d.w("proposals"), orDash(r.Proposals))
	if w.Due != nil {
		d.line("%s: %s", d.w("due"), Time(*w.Due, d.loc))
	}
	d.line("%s: %s", d.w("status"), d.w(w.Status))
	return d.b.String()
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}
