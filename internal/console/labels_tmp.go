package console

// labels are the domain words the console shows (states, channels,
// criticality, actions, causes, clocks, roles), per language, keyed
// "kind.value". Temporary: the "vocab" helper is creating internal/vocab
// with the same words; when it lands on main this file goes and Label
// reads vocab. Terms per GLOSSARY.md.
var labels = map[string]map[string]string{
	"ru": {
		"state.registered": "зарегистрировано", "state.analysing": "анализ", "state.info_requested": "запрошена информация",
		"state.confirmed": "подтвержден", "state.refuted": "опровергнут", "state.fixing": "устраняется",
		"state.fixed": "устранен", "state.closed": "закрыт", "state.merged": "объединен",

		"channel.email": "электронная почта", "channel.phone": "телефон", "channel.voice": "голосовое сообщение",
		"channel.letter": "письмо", "channel.forum": "форум", "channel.cabinet": "личный кабинет",
		"channel.monitoring": "мониторинг", "channel.system_log": "журнал системы", "channel.specialist": "специалист Оператора",
		"channel.authority": "уполномоченный орган",

		"crit.low": "низкий", "crit.medium": "средний", "crit.high": "высокий",

		"action.analyse": "Начать анализ", "action.request_info": "Запросить информацию", "action.resume": "Возобновить",
		"action.confirm": "Подтвердить сбой", "action.refute": "Опровергнуть сбой", "action.start_fix": "Начать устранение",
		"action.fix": "Сбой устранен", "action.close": "Закрыть",

		"cause.operator_staff_error": "неправомерные действия специалистов Оператора", "cause.operator_infosec": "ненадлежащее обеспечение информационной безопасности",
		"cause.operator_physical_damage": "физическое повреждение по вине Оператора", "cause.third_party_damage": "повреждение третьими лицами",
		"cause.third_party_outage": "отключение у третьих лиц", "cause.cyber_attack": "кибератака",
		"cause.third_party_act": "действия третьих лиц", "cause.user_network_or_power": "сеть или электропитание пользователя",
		"cause.user_computer_settings": "настройки компьютера пользователя", "cause.user_malware": "вредоносная программа у пользователя",
		"cause.user_ignoring_instructions": "несоблюдение пользователем инструкций", "cause.user_eds_mishandling": "неправильное использование ЭЦП",

		"clock.registration": "регистрация обращения", "clock.incident_id_notice": "сообщение номера инцидента",
		"clock.analysis": "анализ", "clock.refutation_notice": "уведомление об опровержении", "clock.low_notice": "уведомление (низкий уровень)",
		"clock.medium_public_notice": "публикация (средний уровень)", "clock.medium_supplier_notice": "уведомление поставщиков (средний уровень)",
		"clock.high_public_notice": "публикация (высокий уровень)", "clock.authority_report": "информация уполномоченному органу",
		"clock.resolution": "устранение", "clock.appeal_consideration": "рассмотрение обращения", "clock.legal_forwarding": "передача в юридическую службу",
		"clock.maintenance_notice": "уведомление о работах", "clock.user_report": "ответ пользователю", "clock.voice_message": "голосовое сообщение",
		"clock.email_processing": "обработка письма", "clock.auxiliary_function": "вспомогательная функция",

		"clockstate.running": "идет", "clockstate.paused": "приостановлен", "clockstate.met": "выполнен", "clockstate.breached": "нарушен",
		"base.working": "рабочее время", "base.calendar": "календарное время",

		"role.applicant": "поставщик", "role.customer": "заказчик", "role.operator": "оператор Контакт-центра",
		"role.specialist": "специалист Оператора", "role.admin": "администратор", "role.authority": "уполномоченный орган",
		"role.auditor": "аудитор", "role.portal": "интеграция портала",
		"status.active": "активна", "status.suspended": "приостановлена",
	},
	"kk": {
		"state.registered": "тіркелді", "state.analysing": "талдануда", "state.info_requested": "ақпарат сұралды",
		"state.confirmed": "расталды", "state.refuted": "теріске шығарылды", "state.fixing": "жойылуда",
		"state.fixed": "жойылды", "state.closed": "жабылды", "state.merged": "біріктірілді",

		"channel.email": "электрондық пошта", "channel.phone": "телефон", "channel.voice": "дауыстық хабар",
		"channel.letter": "хат", "channel.forum": "форум", "channel.cabinet": "жеке кабинет",
		"channel.monitoring": "мониторинг", "channel.system_log": "жүйе журналы", "channel.specialist": "Оператор маманы",
		"channel.authority": "уәкілетті орган",

		"crit.low": "төмен", "crit.medium": "орташа", "crit.high": "жоғары",

		"action.analyse": "Талдауды бастау", "action.request_info": "Ақпарат сұрау", "action.resume": "Қайта жалғастыру",
		"action.confirm": "Іркілісті растау", "action.refute": "Іркілісті теріске шығару", "action.start_fix": "Жоюды бастау",
		"action.fix": "Іркіліс жойылды", "action.close": "Жабу",

		"cause.operator_staff_error": "Оператор мамандарының заңсыз әрекеттері", "cause.operator_infosec": "ақпараттық қауіпсіздіктің тиісінше қамтамасыз етілмеуі",
		"cause.operator_physical_damage": "Оператордың кінәсінен физикалық зақым", "cause.third_party_damage": "үшінші тұлғалардың зақымдауы",
		"cause.third_party_outage": "үшінші тұлғалардағы ажырау", "cause.cyber_attack": "кибершабуыл",
		"cause.third_party_act": "үшінші тұлғалардың әрекеттері", "cause.user_network_or_power": "пайдаланушының желісі немесе электр қуаты",
		"cause.user_computer_settings": "пайдаланушы компьютерінің баптаулары", "cause.user_malware": "пайдаланушыдағы зиянды бағдарлама",
		"cause.user_ignoring_instructions": "пайдаланушының нұсқаулықтарды сақтамауы", "cause.user_eds_mishandling": "ЭЦҚ-ны дұрыс пайдаланбау",

		"clock.registration": "өтінішті тіркеу", "clock.incident_id_notice": "инцидент нөмірін хабарлау",
		"clock.analysis": "талдау", "clock.refutation_notice": "теріске шығару туралы хабарлама", "clock.low_notice": "хабарлама (төмен деңгей)",
		"clock.medium_public_notice": "жариялау (орташа деңгей)", "clock.medium_supplier_notice": "өнім берушілерге хабарлама (орташа деңгей)",
		"clock.high_public_notice": "жариялау (жоғары деңгей)", "clock.authority_report": "уәкілетті органға ақпарат",
		"clock.resolution": "жою", "clock.appeal_consideration": "өтінішті қарау", "clock.legal_forwarding": "заң қызметіне беру",
		"clock.maintenance_notice": "жұмыстар туралы хабарлама", "clock.user_report": "пайдаланушыға жауап", "clock.voice_message": "дауыстық хабар",
		"clock.email_processing": "хатты өңдеу", "clock.auxiliary_function": "қосалқы функция",

		"clockstate.running": "жүріп жатыр", "clockstate.paused": "тоқтатылды", "clockstate.met": "орындалды", "clockstate.breached": "мерзім сақталмады",
		"base.working": "жұмыс уақыты", "base.calendar": "күнтізбелік уақыт",

		"role.applicant": "өнім беруші", "role.customer": "тапсырыс беруші", "role.operator": "Байланыс орталығының операторы",
		"role.specialist": "Оператор маманы", "role.admin": "әкімші", "role.authority": "уәкілетті орган",
		"role.auditor": "аудитор", "role.portal": "портал интеграциясы",
		"status.active": "белсенді", "status.suspended": "тоқтатылды",
	},
	"en": {
		"state.registered": "registered", "state.analysing": "analysing", "state.info_requested": "information requested",
		"state.confirmed": "confirmed", "state.refuted": "refuted", "state.fixing": "being fixed",
		"state.fixed": "fixed", "state.closed": "closed", "state.merged": "merged",

		"channel.email": "e-mail", "channel.phone": "phone", "channel.voice": "voice message",
		"channel.letter": "letter", "channel.forum": "forum", "channel.cabinet": "personal cabinet",
		"channel.monitoring": "monitoring", "channel.system_log": "system log", "channel.specialist": "operator specialist",
		"channel.authority": "authorized body",

		"crit.low": "low", "crit.medium": "medium", "crit.high": "high",

		"action.analyse": "Start analysis", "action.request_info": "Request information", "action.resume": "Resume",
		"action.confirm": "Confirm failure", "action.refute": "Refute failure", "action.start_fix": "Start fixing",
		"action.fix": "Failure fixed", "action.close": "Close",

		"cause.operator_staff_error": "wrongful acts of the operator's specialists", "cause.operator_infosec": "inadequate information security",
		"cause.operator_physical_damage": "physical damage by the operator's fault", "cause.third_party_damage": "damage by third parties",
		"cause.third_party_outage": "outage at third parties", "cause.cyber_attack": "cyber attack",
		"cause.third_party_act": "acts of third parties", "cause.user_network_or_power": "the user's network or power",
		"cause.user_computer_settings": "the user's computer settings", "cause.user_malware": "malware at the user",
		"cause.user_ignoring_instructions": "the user ignored instructions", "cause.user_eds_mishandling": "EDS mishandling",

		"clock.registration": "appeal registration", "clock.incident_id_notice": "incident number notice",
		"clock.analysis": "analysis", "clock.refutation_notice": "refutation notice", "clock.low_notice": "notice (low level)",
		"clock.medium_public_notice": "publication (medium level)", "clock.medium_supplier_notice": "supplier notice (medium level)",
		"clock.high_public_notice": "publication (high level)", "clock.authority_report": "report to the authorized body",
		"clock.resolution": "resolution", "clock.appeal_consideration": "appeal consideration", "clock.legal_forwarding": "forwarding to legal",
		"clock.maintenance_notice": "maintenance notice", "clock.user_report": "answer to the user", "clock.voice_message": "voice message",
		"clock.email_processing": "e-mail processing", "clock.auxiliary_function": "auxiliary function",

		"clockstate.running": "running", "clockstate.paused": "paused", "clockstate.met": "met", "clockstate.breached": "breached",
		"base.working": "business time", "base.calendar": "calendar time",

		"role.applicant": "supplier", "role.customer": "customer", "role.operator": "contact-center operator",
		"role.specialist": "operator specialist", "role.admin": "administrator", "role.authority": "authorized body",
		"role.auditor": "auditor", "role.portal": "portal integration",
		"status.active": "active", "status.suspended": "suspended",
	},
}
