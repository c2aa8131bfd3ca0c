package console

// labels are the console's own words (actions, causes, clock states, time
// bases, roles, account statuses), per language, keyed "kind.value". States,
// channels, levels and clocks come from internal/vocab (L.Label). Terms per
// GLOSSARY.md.
var labels = map[string]map[string]string{
	"ru": {

		"action.analyse": "Начать анализ", "action.request_info": "Запросить информацию", "action.resume": "Возобновить",
		"action.confirm": "Подтвердить сбой", "action.refute": "Опровергнуть сбой", "action.start_fix": "Начать устранение",
		"action.fix": "Сбой устранен", "action.close": "Закрыть",

		"cause.operator_staff_error": "неправомерные действия специалистов Оператора", "cause.operator_infosec": "ненадлежащее обеспечение информационной безопасности",
		"cause.operator_physical_damage": "физическое повреждение по вине Оператора", "cause.third_party_damage": "повреждение третьими лицами",
		"cause.third_party_outage": "отключение у третьих лиц", "cause.cyber_attack": "кибератака",
		"cause.third_party_act": "действия третьих лиц", "cause.user_network_or_power": "сеть или электропитание пользователя",
		"cause.user_computer_settings": "настройки компьютера пользователя", "cause.user_malware": "вредоносная программа у пользователя",
		"cause.user_ignoring_instructions": "несоблюдение пользователем инструкций", "cause.user_eds_mishandling": "неправильное использование ЭЦП",

		"clockstate.running": "идет", "clockstate.paused": "приостановлен", "clockstate.met": "выполнен", "clockstate.breached": "нарушен",
		"base.working": "рабочее время", "base.calendar": "календарное время",

		"role.applicant": "поставщик", "role.customer": "заказчик", "role.operator": "оператор Контакт-центра",
		"role.specialist": "специалист Оператора", "role.admin": "администратор", "role.authority": "уполномоченный орган",
		"role.auditor": "аудитор", "role.portal": "интеграция портала",
		"status.active": "активна", "status.suspended": "приостановлена",
	},
	"kk": {

		"action.analyse": "Талдауды бастау", "action.request_info": "Ақпарат сұрау", "action.resume": "Қайта жалғастыру",
		"action.confirm": "Іркілісті растау", "action.refute": "Іркілісті теріске шығару", "action.start_fix": "Жоюды бастау",
		"action.fix": "Іркіліс жойылды", "action.close": "Жабу",

		"cause.operator_staff_error": "Оператор мамандарының заңсыз әрекеттері", "cause.operator_infosec": "ақпараттық қауіпсіздіктің тиісінше қамтамасыз етілмеуі",
		"cause.operator_physical_damage": "Оператордың кінәсінен физикалық зақым", "cause.third_party_damage": "үшінші тұлғалардың зақымдауы",
		"cause.third_party_outage": "үшінші тұлғалардағы ажырау", "cause.cyber_attack": "кибершабуыл",
		"cause.third_party_act": "үшінші тұлғалардың әрекеттері", "cause.user_network_or_power": "пайдаланушының желісі немесе электр қуаты",
		"cause.user_computer_settings": "пайдаланушы компьютерінің баптаулары", "cause.user_malware": "пайдаланушыдағы зиянды бағдарлама",
		"cause.user_ignoring_instructions": "пайдаланушының нұсқаулықтарды сақтамауы", "cause.user_eds_mishandling": "ЭЦҚ-ны дұрыс пайдаланбау",

		"clockstate.running": "жүріп жатыр", "clockstate.paused": "тоқтатылды", "clockstate.met": "орындалды", "clockstate.breached": "мерзім сақталмады",
		"base.working": "жұмыс уақыты", "base.calendar": "күнтізбелік уақыт",

		"role.applicant": "өнім беруші", "role.customer": "тапсырыс беруші", "role.operator": "Байланыс орталығының операторы",
		"role.specialist": "Оператор маманы", "role.admin": "әкімші", "role.authority": "уәкілетті орган",
		"role.auditor": "аудитор", "role.portal": "портал интеграциясы",
		"status.active": "белсенді", "status.suspended": "тоқтатылды",
	},
	"en": {

		"action.analyse": "Start analysis", "action.request_info": "Request information", "action.resume": "Resume",
		"action.confirm": "Confirm failure", "action.refute": "Refute failure", "action.start_fix": "Start fixing",
		"action.fix": "Failure fixed", "action.close": "Close",

		"cause.operator_staff_error": "wrongful acts of the operator's specialists", "cause.operator_infosec": "inadequate information security",
		"cause.operator_physical_damage": "physical damage by the operator's fault", "cause.third_party_damage": "damage by third parties",
		"cause.third_party_outage": "outage at third parties", "cause.cyber_attack": "cyber attack",
		"cause.third_party_act": "acts of third parties", "cause.user_network_or_power": "the user's network or power",
		"cause.user_computer_settings": "the user's computer settings", "cause.user_malware": "malware at the user",
		"cause.user_ignoring_instructions": "the user ignored instructions", "cause.user_eds_mishandling": "EDS mishandling",

		"clockstate.running": "running", "clockstate.paused": "paused", "clockstate.met": "met", "clockstate.breached": "breached",
		"base.working": "business time", "base.calendar": "calendar time",

		"role.applicant": "supplier", "role.customer": "customer", "role.operator": "contact-center operator",
		"role.specialist": "operator specialist", "role.admin": "administrator", "role.authority": "authorized body",
		"role.auditor": "auditor", "role.portal": "portal integration",
		"status.active": "active", "status.suspended": "suspended",
	},
}

// CauseLabel names a Q26 cause code in lang, for the reports' "kind of
// failure" column and the analyses' documents; an unknown code is itself.
func CauseLabel(lang, code string) string {
	if s, ok := labels[lang]["cause."+code]; ok {
		return s
	}
	return code
}
