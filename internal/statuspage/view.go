package statuspage

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"encoding/xml"
	"html/template"
	"strings"
	"time"

	"tenderdesk/internal/notify/templates"
	"tenderdesk/internal/vocab"
)

// ui holds the page's own words; levels, states and deadline kinds come
// from internal/vocab so the page, the feeds and the emails say the same thing.
var ui = map[string]map[string]string{
	"ru": {
		"title": "Технические сбои и работы", "current": "Текущие сбои", "recent": "Недавние сбои",
		"none": "Сбоев нет. Портал работает в штатном режиме.", "maintenance": "Технические и профилактические работы",
		"nomaint": "Работы не объявлены.", "level": "Уровень критичности", "state": "Состояние",
		"started": "Начало", "confirmed": "Подтвержден", "planned": "Плановое устранение", "fixed": "Устранен",
		"affected": "Затронутые объявления и лоты", "announcement": "Объявление", "lot": "лот", "lotcol": "Лот", "alllots": "все лоты",
		"extensions": "Продленные сроки", "modules": "Модули", "updated": "Обновлено", "deadline": "Срок",
		"old": "Было", "new": "Стало", "rule": "Основание", "unplanned": "внеплановые, по согласованию с уполномоченным органом",
		"plannedworks": "плановые", "from": "с", "to": " по", "feeds": "Подписка",
		"failure":   "Технический сбой",
		"withdrawn": "Отмененные продления сроков", "told": "Было продлено до", "restored": "Восстановленный срок",
		"withdrawnat": "Отменено", "reason": "Причина",
		"fm": "Обстоятельства непреодолимой силы", "fmexpected": "Ожидаемое окончание", "fmended": "Окончание", "fmevidence": "Подтверждающие документы",
	},
	"kk": {
		"title": "Техникалық іркілістер мен жұмыстар", "current": "Ағымдағы іркілістер", "recent": "Жақында жойылған іркілістер",
		"none": "Іркілістер жоқ. Портал қалыпты режимде жұмыс істеп тұр.", "maintenance": "Техникалық және профилактикалық жұмыстар",
		"nomaint": "Жұмыстар жарияланбаған.", "level": "Маңыздылық деңгейі", "state": "Мәртебесі",
		"started": "Іркілістің басталуы", "confirmed": "Расталған уақыты", "planned": "Жоюдың жоспарланған мерзімі", "fixed": "Жойылған уақыты",
		"affected": "Іркіліс әсер еткен хабарландырулар мен лоттар", "announcement": "Хабарландыру", "lot": "лот", "lotcol": "Лот", "alllots": "барлық лоттар",
		"extensions": "Ұзартылған мерзімдер", "modules": "Модульдер", "updated": "Жаңартылды", "deadline": "Мерзім",
		"old": "Бұрынғы мерзім", "new": "Жаңа мерзім", "rule": "Негіздеме", "unplanned": "жоспардан тыс, уәкілетті органмен келісу бойынша",
		"plannedworks": "жоспарлы", "from": "Басталуы:", "to": ", аяқталуы:", "feeds": "Жазылу",
		"failure":   "Техникалық іркіліс",
		"withdrawn": "Күші жойылған мерзім ұзартулары", "told": "Ұзартылған мерзім", "restored": "Қалпына келтірілген мерзім",
		"withdrawnat": "Күші жойылған уақыты", "reason": "Себебі",
		"fm": "Еңсерілмейтін күш мән-жайлары", "fmexpected": "Күтілетін аяқталуы", "fmended": "Аяқталуы", "fmevidence": "Растайтын құжаттар",
	},
	"en": {
		"title": "Technical failures and maintenance", "current": "Current failures", "recent": "Recent failures",
		"none": "No failures. The portal is working normally.", "maintenance": "Maintenance",
		"nomaint": "No maintenance announced.", "level": "Criticality level", "state": "State",
		"started": "Started", "confirmed": "Confirmed", "planned": "Planned fix", "fixed": "Fixed",
		"affected": "Affected announcements and lots", "announcement": "Announcement", "lot": "lot", "lotcol": "Lot", "alllots": "all lots",
		"extensions": "Extended deadlines", "modules": "Modules", "updated": "Updated", "deadline": "Deadline",
		"old": "Was", "new": "Now", "rule": "Rule", "unplanned": "unplanned, agreed with the authorized body",
		"plannedworks": "planned", "from": "from", "to": " to", "feeds": "Subscribe",
		"failure":   "Technical failure",
		"withdrawn": "Withdrawn extensions", "told": "Was extended to", "restored": "Restored deadline",
		"withdrawnat": "Withdrawn", "reason": "Reason",
		"fm": "Force majeure", "fmexpected": "Expected end", "fmended": "Ended", "fmevidence": "Evidence",
	},
}

func stateWord(lang, state string) string { return vocab.IncidentState(state).Label(lang) }

// language is one entry of the language switcher: its code (hreflang) and
// its own name (GLOSSARY review D7).
type language struct{ Code, Name string }

func switcher() []language {
	out := make([]language, len(languages))
	for i, l := range languages {
		out[i] = language{l, vocab.LanguageName(l)}
	}
	return out
}

// view is one language's rendering of a snapshot; the page and both feeds
// are made from it.
type view struct {
	Lang     string
	T        map[string]string
	Langs    []language
	Current  []failureView
	Recent   []failureView
	Maint    []maintView
	Updated  string
	updated  time.Time
	PagePath string
	AtomPath string
	JSONPath string
	base     string // BaseURL + BasePath
}

type failureView struct {
	Number, Level, LevelWord, State, StateWord, Title, Modules string
	Started, Confirmed, Planned, Fixed                         string
	Affected                                                   []Procurement
	Ext                                                        []extView
	Withdrawn                                                  []withdrawnView
	FM                                                         *fmView
	raw                                                        Failure
}

type extView struct {
	Announcement, Lot, Kind, Old, New, Rule string
}

type fmView struct{ Started, Expected, Ended, Evidence string }

type withdrawnView struct {
	Announcement, Lot, Kind, Told, Restored, At, Reason string
}

type maintView struct {
	ID, Title, Start, End string
	Unplanned             bool
	Ext                   []extView
	raw                   Maintenance
}

// extViews are extensions as a language shows them.
func extViews(lang string, ft func(time.Time) string, es []Extension) []extView {
	var out []extView
	for _, e := range es {
		out = append(out, extView{Announcement: e.Announcement, Lot: e.Lot, Kind: vocab.Label(lang, e.DeadlineKind),
			Old: ft(e.Old), New: ft(e.New), Rule: vocab.Cite(e.Rule, lang)})
	}
	return out
}

// extTable is the extensions table's data (the "ext" block).
type extTable struct {
	T   map[string]string
	Ext []extView
}

func (h *Handler) view(s Snapshot, lang string) *view {
	loc := h.opt.Location
	ft := func(t time.Time) string { return templates.FormatTime(lang, loc, t) }
	v := &view{
		Lang: lang, T: ui[lang], Langs: switcher(),
		Updated: ft(s.Updated), updated: s.Updated,
		PagePath: h.opt.BasePath, AtomPath: h.opt.BasePath + "/feed.atom", JSONPath: h.opt.BasePath + "/feed.json",
		base: h.opt.BaseURL + h.opt.BasePath,
	}
	for _, f := range s.Failures {
		fv := failureView{
			Number: f.Number, Level: f.Level, LevelWord: vocab.Criticality(f.Level).Label(lang),
			State: f.State, StateWord: stateWord(lang, f.State),
			Title: f.Title.In(lang), Modules: f.Modules.In(lang),
			Started: ft(f.Started), Confirmed: ft(f.Confirmed), Planned: ft(f.PlannedFix), Fixed: ft(f.ActualFix),
			Affected: f.Affected, raw: f,
		}
		fv.Ext = extViews(lang, ft, f.Extensions)
		for _, w := range f.Withdrawn {
			fv.Withdrawn = append(fv.Withdrawn, withdrawnView{Announcement: w.Announcement, Lot: w.Lot, Kind: vocab.Label(lang, w.DeadlineKind),
				Told: ft(w.Told), Restored: ft(w.Restored), At: ft(w.At), Reason: w.Reason})
		}
		if m := f.ForceMajeure; m != nil {
			fv.FM = &fmView{Started: ft(m.Started), Expected: ft(m.ExpectedEnd), Evidence: m.Evidence}
			if !m.Ended.IsZero() {
				fv.FM.Ended = ft(m.Ended)
			}
		}
		if f.State == "fixed" {
			v.Recent = append(v.Recent, fv)
		} else {
			v.Current = append(v.Current, fv)
		}
	}
	for _, m := range s.Maintenance {
		v.Maint = append(v.Maint, maintView{ID: m.ID, Title: m.Title.In(lang), Start: ft(m.Start), End: ft(m.End), Unplanned: m.Unplanned,
			Ext: extViews(lang, ft, m.Extensions), raw: m})
	}
	return v
}

type failureArgs struct {
	V *view
	F failureView
}

//go:embed page.html
var pageHTML string

var pageTmpl = template.Must(template.New("page").Funcs(template.FuncMap{
	// args passes the page and one failure to the "failure" block.
	"args": func(v *view, f failureView) failureArgs { return failureArgs{v, f} },
	// exts passes the words and the extensions to the "ext" block.
	"exts": func(t map[string]string, e []extView) extTable { return extTable{t, e} },
}).Parse(pageHTML))

func renderHTML(v *view) ([]byte, error) {
	var b bytes.Buffer
	err := pageTmpl.Execute(&b, v)
	return b.Bytes(), err
}

// text is the plain description of a failure used as feed content.
func (f failureView) text(t map[string]string) string {
	var b strings.Builder
	line := func(k, v string) {
		if v != "" && v != "—" {
			b.WriteString(t[k] + ": " + v + "\n")
		}
	}
	if f.Title != "" {
		b.WriteString(f.Title + "\n")
	}
	line("level", f.LevelWord)
	line("state", f.StateWord)
	line("modules", f.Modules)
	line("started", f.Started)
	line("planned", f.Planned)
	line("fixed", f.Fixed)
	if len(f.Affected) > 0 {
		b.WriteString(t["affected"] + ":\n")
		for _, p := range f.Affected {
			lots := t["alllots"]
			if len(p.Lots) > 0 {
				lots = t["lot"] + " " + strings.Join(p.Lots, ", ")
			}
			b.WriteString("- " + t["announcement"] + " " + p.Announcement + ": " + lots + "\n")
		}
	}
	extText(&b, t, f.Ext)
	if m := f.FM; m != nil {
		b.WriteString(t["fm"] + ":\n")
		b.WriteString("- " + t["started"] + ": " + m.Started + "\n- " + t["fmexpected"] + ": " + m.Expected + "\n")
		if m.Ended != "" {
			b.WriteString("- " + t["fmended"] + ": " + m.Ended + "\n")
		}
		b.WriteString("- " + t["fmevidence"] + ": " + m.Evidence + "\n")
	}
	if len(f.Withdrawn) > 0 {
		b.WriteString(t["withdrawn"] + ":\n")
		for _, w := range f.Withdrawn {
			lot := ""
			if w.Lot != "" {
				lot = ", " + t["lot"] + " " + w.Lot
			}
			b.WriteString("- " + t["announcement"] + " " + w.Announcement + lot + ": " + w.Kind + " " + w.Told + " → " + w.Restored +
				" (" + t["withdrawnat"] + ": " + w.At)
			if w.Reason != "" {
				b.WriteString("; " + t["reason"] + ": " + w.Reason)
			}
			b.WriteString(")\n")
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// extText writes the extensions as feed content lines.
func extText(b *strings.Builder, t map[string]string, exts []extView) {
	if len(exts) == 0 {
		return
	}
	b.WriteString(t["extensions"] + ":\n")
	for _, e := range exts {
		lot := ""
		if e.Lot != "" {
			lot = ", " + t["lot"] + " " + e.Lot
		}
		b.WriteString("- " + t["announcement"] + " " + e.Announcement + lot + ": " + e.Kind + " " + e.Old + " → " + e.New)
		if e.Rule != "" {
			b.WriteString(" (" + e.Rule + ")")
		}
		b.WriteString("\n")
	}
}

func (f failureView) title(t map[string]string) string {
	s := t["failure"] + " " + f.Number
	if f.LevelWord != "—" && f.LevelWord != "" {
		s += " — " + strings.ToLower(t["level"]) + ": " + f.LevelWord
	}
	return s + " — " + f.StateWord
}

func (m maintView) text(t map[string]string) string {
	kind := t["plannedworks"]
	if m.Unplanned {
		kind = t["unplanned"]
	}
	s := t["from"] + " " + m.Start + t["to"] + " " + m.End + " (" + kind + ")"
	if m.Title != "" {
		s = m.Title + "\n" + s
	}
	if len(m.Ext) > 0 {
		var b strings.Builder
		extText(&b, t, m.Ext)
		s += "\n" + strings.TrimRight(b.String(), "\n")
	}
	return s
}

func failureID(n string) string { return "urn:tenderdesk:failure:" + n }
func maintID(id string) string  { return "urn:tenderdesk:maintenance:" + id }

func rfc3339(t time.Time) string {
	if t.IsZero() {
		t = time.Unix(0, 0)
	}
	return t.UTC().Format(time.RFC3339)
}

// Atom 1.0 (RFC 4287).
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string      `xml:"xml:lang,attr"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Author  atomPerson  `xml:"author"`
	Links   []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

type atomEntry struct {
	ID         string         `xml:"id"`
	Title      string         `xml:"title"`
	Updated    string         `xml:"updated"`
	Published  string         `xml:"published,omitempty"`
	Links      []atomLink     `xml:"link"`
	Categories []atomCategory `xml:"category"`
	Content    atomText       `xml:"content"`
}

func renderAtom(v *view) ([]byte, error) {
	page := v.base + "?lang=" + v.Lang
	f := atomFeed{
		Lang: v.Lang, ID: "urn:tenderdesk:status:" + v.Lang, Title: v.T["title"], Updated: rfc3339(v.updated),
		Author: atomPerson{Name: v.T["title"]},
		Links: []atomLink{
			{Href: v.base + "/feed.atom?lang=" + v.Lang, Rel: "self", Type: "application/atom+xml"},
			{Href: page, Rel: "alternate", Type: "text/html"},
		},
	}
	for _, fv := range append(append([]failureView{}, v.Current...), v.Recent...) {
		upd := orElse(fv.raw.Updated, v.updated)
		e := atomEntry{
			ID: failureID(fv.Number), Title: fv.title(v.T), Updated: rfc3339(upd), Published: rfc3339(fv.raw.Started),
			Links:   []atomLink{{Href: page + "#" + fv.Number, Rel: "alternate", Type: "text/html"}},
			Content: atomText{Type: "text", Body: fv.text(v.T)},
		}
		for _, c := range []string{fv.Level, fv.State} {
			if c != "" {
				e.Categories = append(e.Categories, atomCategory{Term: c})
			}
		}
		f.Entries = append(f.Entries, e)
	}
	for _, m := range v.Maint {
		upd := orElse(m.raw.Updated, v.updated)
		f.Entries = append(f.Entries, atomEntry{
			ID: maintID(m.ID), Title: v.T["maintenance"] + ": " + m.Start, Updated: rfc3339(upd),
			Links:      []atomLink{{Href: page + "#m-" + m.ID, Rel: "alternate", Type: "text/html"}},
			Categories: []atomCategory{{Term: "maintenance"}},
			Content:    atomText{Type: "text", Body: m.text(v.T)},
		})
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", " ")
	if err := enc.Encode(f); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// JSON Feed 1.1 (https://jsonfeed.org/version/1.1) with a "_tenderdesk"
// extension per item carrying the structured notice; see
// docs/status-feed.md and feed.schema.json.
type jsonFeed struct {
	Version     string     `json:"version"`
	Title       string     `json:"title"`
	HomePageURL string     `json:"home_page_url"`
	FeedURL     string     `json:"feed_url"`
	Language    string     `json:"language"`
	Items       []jsonItem `json:"items"`
	Ext         jsonFeedX  `json:"_tenderdesk"`
}

type jsonFeedX struct {
	SchemaVersion int    `json:"schema_version"`
	Updated       string `json:"updated"`
}

type jsonItem struct {
	ID            string    `json:"id"`
	URL           string    `json:"url"`
	Title         string    `json:"title"`
	ContentText   string    `json:"content_text"`
	DatePublished *string   `json:"date_published,omitempty"`
	DateModified  string    `json:"date_modified"`
	Tags          []string  `json:"tags"`
	Ext           jsonItemX `json:"_tenderdesk"`
}

type jsonItemX struct {
	Kind        string            `json:"kind"` // "failure" or "maintenance"
	Number      string            `json:"number,omitempty"`
	Level       *string           `json:"level,omitempty"`
	State       string            `json:"state,omitempty"`
	Started     *string           `json:"started,omitempty"`
	Confirmed   *string           `json:"confirmed,omitempty"`
	PlannedFix  *string           `json:"planned_fix,omitempty"`
	ActualFix   *string           `json:"actual_fix,omitempty"`
	Affected    []jsonProcurement `json:"affected,omitempty"`
	Extensions  []jsonExtension   `json:"extensions,omitempty"`
	Withdrawn   []jsonWithdrawal  `json:"withdrawn,omitempty"`
	FM          *jsonFM           `json:"force_majeure,omitempty"`
	Start       *string           `json:"start,omitempty"`
	End         *string           `json:"end,omitempty"`
	Unplanned   *bool             `json:"unplanned,omitempty"`
	Maintenance string            `json:"maintenance_id,omitempty"`
}

type jsonProcurement struct {
	Announcement string   `json:"announcement"`
	Lots         []string `json:"lots"`
}

type jsonExtension struct {
	Announcement string  `json:"announcement"`
	Lot          *string `json:"lot"`
	DeadlineKind string  `json:"deadline_kind"`
	Old          string  `json:"old"`
	New          string  `json:"new"`
	Rule         *string `json:"rule"`
}

type jsonFM struct {
	Started     string  `json:"started"`
	ExpectedEnd string  `json:"expected_end"`
	Ended       *string `json:"ended,omitempty"`
	Evidence    string  `json:"evidence"`
}

type jsonWithdrawal struct {
	Announcement string  `json:"announcement"`
	Lot          *string `json:"lot"`
	DeadlineKind string  `json:"deadline_kind"`
	Told         string  `json:"told"`
	Restored     string  `json:"restored"`
	At           string  `json:"withdrawn_at"`
	Reason       string  `json:"reason"`
}

// orElse: an item without its own change time takes the snapshot's.
func orElse(t, def time.Time) time.Time {
	if t.IsZero() {
		return def
	}
	return t
}

func optTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := rfc3339(t)
	return &s
}

func optStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func jsonExtensions(es []Extension) []jsonExtension {
	var out []jsonExtension
	for _, e := range es {
		out = append(out, jsonExtension{Announcement: e.Announcement, Lot: optStr(e.Lot), DeadlineKind: e.DeadlineKind,
			Old: rfc3339(e.Old), New: rfc3339(e.New), Rule: optStr(e.Rule)})
	}
	return out
}

func renderJSON(v *view) ([]byte, error) {
	page := v.base + "?lang=" + v.Lang
	f := jsonFeed{
		Version: "https://jsonfeed.org/version/1.1", Title: v.T["title"], HomePageURL: page,
		FeedURL: v.base + "/feed.json?lang=" + v.Lang, Language: v.Lang, Items: []jsonItem{},
		Ext: jsonFeedX{SchemaVersion: 1, Updated: rfc3339(v.updated)},
	}
	for _, fv := range append(append([]failureView{}, v.Current...), v.Recent...) {
		r := fv.raw
		upd := orElse(r.Updated, v.updated)
		x := jsonItemX{Kind: "failure", Number: r.Number, Level: optStr(r.Level), State: r.State,
			Started: optTime(r.Started), Confirmed: optTime(r.Confirmed), PlannedFix: optTime(r.PlannedFix), ActualFix: optTime(r.ActualFix)}
		for _, p := range r.Affected {
			lots := p.Lots
			if lots == nil {
				lots = []string{}
			}
			x.Affected = append(x.Affected, jsonProcurement{Announcement: p.Announcement, Lots: lots})
		}
		x.Extensions = jsonExtensions(r.Extensions)
		for _, w := range r.Withdrawn {
			x.Withdrawn = append(x.Withdrawn, jsonWithdrawal{Announcement: w.Announcement, Lot: optStr(w.Lot), DeadlineKind: w.DeadlineKind,
				Told: rfc3339(w.Told), Restored: rfc3339(w.Restored), At: rfc3339(w.At), Reason: w.Reason})
		}
		if m := r.ForceMajeure; m != nil {
			x.FM = &jsonFM{Started: rfc3339(m.Started), ExpectedEnd: rfc3339(m.ExpectedEnd), Ended: optTime(m.Ended), Evidence: m.Evidence}
		}
		tags := []string{"failure", r.State}
		if r.Level != "" {
			tags = append(tags, r.Level)
		}
		f.Items = append(f.Items, jsonItem{ID: failureID(r.Number), URL: page + "#" + r.Number, Title: fv.title(v.T),
			ContentText: fv.text(v.T), DatePublished: optTime(r.Started), DateModified: rfc3339(upd), Tags: tags, Ext: x})
	}
	for _, m := range v.Maint {
		r := m.raw
		upd := orElse(r.Updated, v.updated)
		unplanned := r.Unplanned
		f.Items = append(f.Items, jsonItem{ID: maintID(r.ID), URL: page + "#m-" + r.ID, Title: v.T["maintenance"] + ": " + m.Start,
			ContentText: m.text(v.T), DatePublished: optTime(r.Announced), DateModified: rfc3339(upd), Tags: []string{"maintenance"},
			Ext: jsonItemX{Kind: "maintenance", Maintenance: r.ID, Start: optTime(r.Start), End: optTime(r.End), Unplanned: &unplanned,
				Extensions: jsonExtensions(r.Extensions)}})
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(f); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// FeedSchema is the JSON Schema of /status/feed.json, also served at
// /status/feed.schema.json.
//
//go:embed feed.schema.json
var FeedSchema []byte
