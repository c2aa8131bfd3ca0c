package templates

import (
	"fmt"
	"strings"
	"time"
)

// words holds the few words the templates compute rather than write.
var words = map[string]map[string]string{
	"ru": {
		"low": "низкий", "medium": "средний", "high": "высокий", "none": "—",
		"d": "дн.", "h": "ч", "min": "мин",
		"bid_acceptance":           "окончание приема заявок",
		"price_offer_acceptance":   "окончание приема ценовых предложений",
		"acceptance_start":         "начало приема заявок",
		"auction_round":            "второй этап (раунд) аукциона",
		"auction_trading":          "торги аукциона",
		"decryption":               "расшифровка ценовых предложений",
		"opening_protocol":         "протокол вскрытия",
		"admission_protocol":       "протокол допуска",
		"results_protocol":         "протокол итогов",
		"contract_signing":         "согласование и подписание договора",
		"complaint":                "подача жалоб, уведомлений, возражений, заключений",
		"documentation_discussion": "обсуждение конкурсной документации",
		"tariff":                   "срок действия тарифа",
	},
	"kk": {
		"low": "төмен", "medium": "орташа", "high": "жоғары", "none": "—",
		"d": "күн", "h": "сағ", "min": "мин",
		"bid_acceptance":           "өтінімдерді қабылдаудың аяқталуы",
		"price_offer_acceptance":   "баға ұсыныстарын қабылдаудың аяқталуы",
		"acceptance_start":         "өтінімдерді қабылдаудың басталуы",
		"auction_round":            "аукционның екінші кезеңі (раунды)",
		"auction_trading":          "аукциондық сауда-саттық",
		"decryption":               "баға ұсыныстарының шифрын ашу",
		"opening_protocol":         "конверттерді ашу хаттамасы",
		"admission_protocol":       "жіберу хаттамасы",
		"results_protocol":         "қорытындылар хаттамасы",
		"contract_signing":         "шартты келісу және оған қол қою",
		"complaint":                "шағымдарды, хабарламаларды, қарсылықтарды, қорытындыларды беру",
		"documentation_discussion": "конкурстық құжаттаманы талқылау",
		"tariff":                   "тарифтің қолданылу мерзімі",
	},
	"en": {
		"low": "low", "medium": "medium", "high": "high", "none": "—",
		"d": "d", "h": "h", "min": "min",
		"bid_acceptance":           "end of bid acceptance",
		"price_offer_acceptance":   "end of price-offer acceptance",
		"acceptance_start":         "start of bid acceptance",
		"auction_round":            "auction second round",
		"auction_trading":          "auction trading",
		"decryption":               "decryption of price offers",
		"opening_protocol":         "opening protocol",
		"admission_protocol":       "admission protocol",
		"results_protocol":         "results protocol",
		"contract_signing":         "contract approval and signing",
		"complaint":                "complaints, notices, objections, conclusions",
		"documentation_discussion": "discussion of the tender documentation",
		"tariff":                   "tariff expiry",
	},
}

// Word translates a level ("low", "medium", "high") or a deadline kind
// ("bid_acceptance", …) into lang (with the Russian fallback); an unknown
// code is returned as is. The public status page uses the same words.
func Word(lang, code string) string {
	if v, ok := words[Lang(lang)][code]; ok {
		return v
	}
	return code
}

// FormatTime shows t in loc with its UTC offset ("02.01.2006 15:04 (UTC+5)";
// ISO order in English), since Kazakhstan changed offset in 2024 and
// readers compare with logs. The zero time is "—".
func FormatTime(lang string, loc *time.Location, t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	if loc == nil {
		loc = time.UTC
	}
	layout := "02.01.2006 15:04"
	if Lang(lang) == "en" {
		layout = "2006-01-02 15:04"
	}
	t = t.In(loc)
	_, off := t.Zone()
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	z := fmt.Sprintf("UTC%s%d", sign, off/3600)
	if m := off % 3600 / 60; m != 0 {
		z += fmt.Sprintf(":%02d", m)
	}
	return t.Format(layout) + " (" + z + ")"
}

func funcs(lang string) map[string]any {
	w := words[lang]
	word := func(k string) string { return Word(lang, k) }
	return map[string]any{
		"word": word,
		"dt":   func(loc *time.Location, t time.Time) string { return FormatTime(lang, loc, t) },
		// shift is how far a deadline moved, e.g. "+1 дн. 3 ч".
		"shift": func(old, new time.Time) string {
			if old.IsZero() || new.IsZero() {
				return ""
			}
			d := new.Sub(old)
			sign := "+"
			if d < 0 {
				sign, d = "−", -d
			}
			days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
			var parts []string
			if days > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", days, w["d"]))
			}
			if hours > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", hours, w["h"]))
			}
			if mins > 0 || len(parts) == 0 {
				parts = append(parts, fmt.Sprintf("%d %s", mins, w["min"]))
			}
			return sign + strings.Join(parts, " ")
		},
		"extends": func(level string) bool { return level == "medium" || level == "high" },
	}
}
