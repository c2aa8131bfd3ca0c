package vocab

import "strings"

// labels is every word's ru, kk and en label, worded as ../shared/GLOSSARY.md
// has them (its row numbers in the comments). Keys: a level or channel by
// its code; "state.", "deadline." (public code) and "clock." prefixes for
// the others. A test fails if a word of this package has no label.
var labels = map[string]Labels{
	// Criticality levels (#10–12), lower case inside a sentence.
	"low":    {"низкий", "төмен", "low"},
	"medium": {"средний", "орташа", "medium"},
	"high":   {"высокий", "жоғары", "high"},

	// Channels (REQUIREMENTS "Appeal"; #59, #62, #66, #99, #129).
	"email":      {"электронная почта", "электрондық пошта", "email"},
	"phone":      {"телефон", "телефон", "phone"},
	"voice":      {"голосовое сообщение", "дауыстық хабарлама", "voice message"},
	"letter":     {"официальное письмо", "ресми хат", "official letter"},
	"forum":      {"форум", "форум", "forum"},
	"cabinet":    {"личный кабинет", "жеке кабинет", "personal cabinet"},
	"monitoring": {"мониторинг", "мониторинг", "monitoring"},
	"system_log": {"журнал событий системы", "жүйе оқиғаларының журналы", "system log"},
	"specialist": {"специалист Оператора", "Оператор маманы", "operator specialist"},
	"authority":  {"уполномоченный орган", "уәкілетті орган", "authorized body"},

	// Incident states (#13–16), as a status of «технический сбой».
	"state.registered":     {"зарегистрирован", "тіркелді", "registered"},
	"state.analysing":      {"анализируется", "талдануда", "being analysed"},
	"state.info_requested": {"запрошена информация", "ақпарат сұралды", "information requested"},
	"state.confirmed":      {"подтвержден", "расталды", "confirmed"},
	"state.refuted":        {"опровергнут", "теріске шығарылды", "refuted"},
	"state.fixing":         {"устраняется", "жойылуда", "being fixed"},
	"state.fixed":          {"устранен", "жойылды", "fixed"},
	"state.closed":         {"закрыт", "жабылды", "closed"},
	"state.merged":         {"объединен с другим сбоем", "басқа іркіліспен біріктірілді", "merged into another failure"},

	// Deadline kinds by their public code (#24–27, #31–32, #40–42, #46–47, #51–52;
	// GLOSSARY review A1–A6).
	"deadline.bid_acceptance":           {"окончание приема заявок", "өтінімдерді қабылдаудың аяқталуы", "end of bid acceptance"},
	"deadline.price_offer_acceptance":   {"окончание приема ценовых предложений", "баға ұсыныстарын қабылдаудың аяқталуы", "end of price-offer acceptance"},
	"deadline.acceptance_start":         {"начало приема заявок", "өтінімдерді қабылдаудың басталуы", "start of bid acceptance"},
	"deadline.auction_round":            {"второй раунд аукциона", "аукционның екінші раунды", "auction second round"},
	"deadline.auction_trading":          {"этап аукционных торгов", "аукциондық сауда-саттық кезеңі", "auction trading stage"},
	"deadline.decryption":               {"расшифрование ценовых предложений", "баға ұсыныстарының шифрын ашу", "decryption of price offers"},
	"deadline.opening_protocol":         {"протокол вскрытия заявок", "өтінімдерді ашу хаттамасы", "opening protocol"},
	"deadline.admission_protocol":       {"протокол допуска", "жіберу туралы хаттама", "admission protocol"},
	"deadline.results_protocol":         {"протокол об итогах", "қорытындылар хаттамасы", "results protocol"},
	"deadline.contract_signing":         {"согласование и подписание договора", "шартты келісу және оған қол қою", "contract approval and signing"},
	"deadline.complaint":                {"подача жалоб, уведомлений, возражений, заключений", "шағымдарды, хабарламаларды, қарсылықтарды, қорытындыларды беру", "complaints, notices, objections, conclusions"},
	"deadline.documentation_discussion": {"обсуждение проекта конкурсной документации", "конкурстық құжаттама жобасын талқылау", "discussion of the draft tender documentation"},
	"deadline.tariff":                   {"срок действия тарифа", "тарифтің қолданылу мерзімі", "tariff expiry"},

	// Regulation clocks: the duty whose term runs (#3, #13, #15, #16, #74, #112).
	"clock.registration":           {"регистрация обращения", "өтінішті тіркеу", "registration of the appeal"},
	"clock.incident_id_notice":     {"сообщение регистрационного номера", "тіркеу нөмірін хабарлау", "notice of the registration number"},
	"clock.analysis":               {"анализ полученной информации", "алынған ақпаратты талдау", "analysis of the information received"},
	"clock.refutation_notice":      {"уведомление об опровержении технического сбоя", "техникалық іркілісті теріске шығару туралы хабарлама", "notice of the refutation"},
	"clock.low_notice":             {"уведомление о сбое низкого уровня критичности", "маңыздылық деңгейі төмен іркіліс туралы хабарлама", "notice of a low-level failure"},
	"clock.medium_public_notice":   {"размещение информации о сбое среднего уровня на веб-портале", "маңыздылық деңгейі орташа іркіліс туралы ақпаратты веб-порталда орналастыру", "publication of a medium-level failure on the web portal"},
	"clock.medium_supplier_notice": {"уведомление поставщиков о сбое среднего уровня", "маңыздылық деңгейі орташа іркіліс туралы өнім берушілерді хабардар ету", "notice of a medium-level failure to suppliers"},
	"clock.high_public_notice":     {"размещение информации о сбое высокого уровня на веб-портале", "маңыздылық деңгейі жоғары іркіліс туралы ақпаратты веб-порталда орналастыру", "publication of a high-level failure on the web portal"},
	"clock.authority_report":       {"письменное извещение уполномоченного органа", "уәкілетті органға жазбаша хабарлау", "written report to the authorized body"},
	"clock.resolution":             {"устранение технического сбоя", "техникалық іркілісті жою", "fixing the failure"},
	"clock.appeal_consideration":   {"рассмотрение обращения", "өтінішті қарау", "consideration of the appeal"},
	"clock.legal_forwarding":       {"запрос в уполномоченный орган для правовой оценки", "құқықтық бағалау үшін уәкілетті органға сұрау салу", "request to the authorized body for a legal assessment"},
	"clock.maintenance_notice":     {"уведомление о плановых профилактических работах", "жоспарлы профилактикалық жұмыстар туралы хабарлама", "notice of planned maintenance"},
	"clock.user_report":            {"сообщение пользователя о техническом сбое", "пайдаланушының техникалық іркіліс туралы хабарлауы", "the user's report of the failure"},
	"clock.voice_message":          {"обработка голосового сообщения", "дауыстық хабарламаны өңдеу", "processing of a voice message"},
	"clock.email_processing":       {"обработка электронного письма", "электрондық хатты өңдеу", "processing of an email"},
	"clock.auxiliary_function":     {"восстановление вспомогательной функции", "қосалқы функцияны қалпына келтіру", "restoring an auxiliary function"},
}

// Clocks are the clock names that have labels, for the test that every
// regulation clock has one.
func Clocks() []Clock {
	var out []Clock
	for k := range labels {
		if c, ok := strings.CutPrefix(k, "clock."); ok {
			out = append(out, Clock(c))
		}
	}
	return out
}
