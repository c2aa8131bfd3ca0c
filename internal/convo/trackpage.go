package convo

import (
	_ "embed"
	"html/template"
	"net/http"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/web"
)

//go:embed track.html
var trackHTML string

var trackPage = template.Must(template.New("track").Parse(trackHTML))

type trackWords struct {
	Title, Language, Number, Code, Show, State, Failure, Level, Planned, Fixed, NotFound, TooMany string
	States, Levels                                                                              map[string]string
}

// The /track page's words (glossary: обращение / өтініш; технический сбой / техникалық іркіліс).
var trackText = map[string]trackWords{
	"ru": {Title: "Состояние обращения по номеру", Language: "Язык", Number: "Регистрационный номер обращения", Code: "Код доступа из уведомления о регистрации",
		Show: "Показать", State: "Состояние", Failure: "Технический сбой", Level: "Уровень", Planned: "Плановое устранение", Fixed: "Устранен",
		NotFound: "Обращение с таким номером и кодом доступа не найдено.", TooMany: "Слишком много попыток. Повторите позже.",
		States: map[string]string{"registered": "зарегистрировано", "analysing": "анализ", "info_requested": "запрошена информация у пользователя",
			"confirmed": "сбой подтвержден", "refuted": "сбой не подтвержден", "fixing": "устранение", "fixed": "устранен", "closed": "закрыто", "merged": "объединено"},
		Levels: map[string]string{"low": "низкий", "medium": "средний", "high": "высокий"}},
	"kk": {Title: "Өтініштің нөмір бойынша жай-күйі", Language: "Тіл", Number: "Өтініштің тіркеу нөмірі", Code: "Тіркеу туралы хабарламадағы қол жеткізу коды",
		Show: "Көрсету", State: "Жай-күйі", Failure: "Техникалық іркіліс", Level: "Деңгейі", Planned: "Жоспарлы жою", Fixed: "Жойылды",
		NotFound: "Мұндай нөмірі мен қол жеткізу коды бар өтініш табылмады.", TooMany: "Әрекеттер тым көп. Кейінірек қайталаңыз.",
		States: map[string]string{"registered": "тіркелді", "analysing": "талдау", "info_requested": "пайдаланушыдан ақпарат сұралды",
			"confirmed": "іркіліс расталды", "refuted": "іркіліс расталмады", "fixing": "жою", "fixed": "жойылды", "closed": "жабылды", "merged": "біріктірілді"},
		Levels: map[string]string{"low": "төмен", "medium": "орташа", "high": "жоғары"}},
	"en": {Title: "State of a report by its number", Language: "Language", Number: "Registration number", Code: "Access code from the registration notice",
		Show: "Show", State: "State", Failure: "Technical failure", Level: "Level", Planned: "Planned fix", Fixed: "Fixed",
		NotFound: "No report with this number and access code.", TooMany: "Too many attempts. Try again later.",
		States: map[string]string{"registered": "registered", "analysing": "analysing", "info_requested": "information requested from the user",
			"confirmed": "failure confirmed", "refuted": "failure not confirmed", "fixing": "being fixed", "fixed": "fixed", "closed": "closed", "merged": "merged"},
		Levels: map[string]string{"low": "low", "medium": "medium", "high": "high"}},
}

// TrackPage is the public page /track (R7): a form, and what tracking by
// number shows, server-rendered without scripts, with the API's checks.
func (s *Service) TrackPage(w http.ResponseWriter, r *http.Request) {
	lang := r.URL.Query().Get("lang")
	if _, ok := trackText[lang]; !ok {
		lang = "ru"
	}
	tw := trackText[lang]
	q := r.URL.Query()
	page := struct {
		Lang, Number, Error, StateName, LevelName, Planned, Fixed string
		T                                                        trackWords
		Result                                                   *Tracked
	}{Lang: lang, T: tw, Number: q.Get("number")}
	status := http.StatusOK
	if q.Get("number") != "" || q.Get("code") != "" {
		if ok, _ := s.track.allow(web.ClientAddr(r)); !ok {
			status, page.Error = http.StatusTooManyRequests, tw.TooMany
		} else if t, err := s.Track(r.Context(), q.Get("number"), q.Get("code")); err != nil {
			status, page.Error = http.StatusNotFound, tw.NotFound
			if apperr.CodeOf(err) == apperr.Internal {
				status, page.Error = http.StatusInternalServerError, "error"
			}
		} else {
			loc, _ := time.LoadLocation("Asia/Almaty")
			f := func(t *time.Time) string {
				if t == nil {
					return ""
				}
				return t.In(loc).Format("02.01.2006 15:04 (UTC-07:00)")
			}
			page.Result, page.StateName, page.LevelName = &t, tw.States[t.State], tw.Levels[t.Level]
			page.Planned, page.Fixed = f(t.PlannedFixAt), f(t.FixedAt)
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer") // the code is in the URL
	w.WriteHeader(status)
	_ = trackPage.Execute(w, page)
}
