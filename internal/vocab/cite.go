package vocab

import (
	"regexp"
	"strings"
)

// ruleID is a catalogue rule ID (../shared/REQUIREMENTS.md "ID scheme"):
// the letter names the regulation text, then its point and subpoint.
var ruleID = regexp.MustCompile(`^([QGER])(\d+)(?:\.(\d+))?$`)

// Cite is a rule ID («Q36.3») as a reader finds it in the regulation text
// (GLOSSARY review D2): «пп. 3) п. 36 Правил», «Қағидалардың 36-тармағының
// 3) тармақшасы», «Rules, para 36(3)». The ID's letter already names the
// text a profile follows (Q: rules 002, G: order 692's rules, E: rules 004 —
// each "the Rules" of its portal; R: instruction 003), so the citation
// needs no profile. Machine outputs (JSON, feed data, audit) keep the ID;
// an ID this cannot read is returned as is, "" as "".
func Cite(rule, lang string) string {
	rule = strings.TrimSpace(rule)
	if rule == "G-000" { // the news item 000 on order 1322: no point to cite
		return Labels{"приказ № 1322 от 21.12.2021", "2021 жылғы 21 желтоқсандағы № 1322 бұйрық", "order No. 1322 of 21.12.2021"}.in(lang)
	}
	m := ruleID.FindStringSubmatch(rule)
	if m == nil {
		return rule
	}
	doc := Labels{"Правил", "Қағидалардың", "Rules"}
	if m[1] == "R" {
		doc = Labels{"Инструкции", "Нұсқаулықтың", "Instruction"}
	}
	point, sub := m[2], m[3]
	switch Lang(lang) {
	case "kk":
		if sub == "" {
			return doc.KK + " " + point + "-тармағы"
		}
		return doc.KK + " " + point + "-тармағының " + sub + ") тармақшасы"
	case "en":
		if sub == "" {
			return doc.EN + ", para " + point
		}
		return doc.EN + ", para " + point + "(" + sub + ")"
	}
	if sub == "" {
		return "п. " + point + " " + doc.RU
	}
	return "пп. " + sub + ") п. " + point + " " + doc.RU
}
