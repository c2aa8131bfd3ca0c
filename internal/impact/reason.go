package impact

import (
	"fmt"
	"strings"
	"time"

	"tenderdesk/internal/vocab"
)

// words is one reason in Russian, Kazakh and English.
type words struct{ ru, kk, en string }

// Q37.9 and Q37.10 end with the same demand.
var resubmit = words{
	"Ценовые предложения невозможно расшифровать: поставщикам подать заявки и ценовые предложения повторно",
	"Баға ұсыныстарының шифрын ашу мүмкін емес: өнім берушілер өтінімдер мен баға ұсыныстарын қайта беруі тиіс",
	"Price offers cannot be decrypted: suppliers must submit bids and price offers again"}

func fmtT(t time.Time, loc *time.Location) string { return t.In(loc).Format("02.01.2006 15:04") }

func fmtDur(d time.Duration) words {
	h := int(d / time.Hour)
	m := int(d % time.Hour / time.Minute)
	return words{fmt.Sprintf("%d ч %02d мин", h, m), fmt.Sprintf("%d сағ %02d мин", h, m), fmt.Sprintf("%dh%02dm", h, m)}
}

// then appends the same tail to each language.
func (w words) then(tail words) words { return words{w.ru + tail.ru, w.kk + tail.kk, w.en + tail.en} }

// with puts an amount (a duration, a count of days) where each language's
// text has its %s: Kazakh wants it before the verb.
func (w words) with(amount words) words {
	return words{fmt.Sprintf(w.ru, amount.ru), fmt.Sprintf(w.kk, amount.kk), fmt.Sprintf(w.en, amount.en)}
}

// reason explains one action in Russian, Kazakh and English, citing its
// rule by its point. extra is "delta" for a re-plan, "<action>:<note>" for
// one-shot actions and "notify:" for the participants' notification.
func (pl *Planner) reason(rule string, ev *event, old, nw time.Time, extra string) Text {
	if rule == "Q41" || rule == "Q48" { // the only texts that depend on the values
		return pl.reasonText(rule, ev, old, nw, extra)
	}
	// 100,000 procedures share a handful of texts per event: build each once.
	k := reasonKey{rule, ev, extra}
	if t, ok := pl.reasons.Load(k); ok {
		return t.(Text)
	}
	t := pl.reasonText(rule, ev, old, nw, extra)
	pl.reasons.Store(k, t)
	return t
}

type reasonKey struct {
	rule  string
	ev    *event
	extra string
}

// reasonText is "<what the rule does> (<the failure's window>; <the rule's
// point>)." in each language, prefixed on a re-plan.
func (pl *Planner) reasonText(rule string, ev *event, old, nw time.Time, extra string) Text {
	w := ruleWords(rule, ev, old, nw, extra)
	win := window(ev, pl.loc)
	t := Text{
		RU: fmt.Sprintf("%s (%s; %s).", w.ru, win.ru, vocab.Cite(rule, "ru")),
		KK: fmt.Sprintf("%s (%s; %s).", w.kk, win.kk, vocab.Cite(rule, "kk")),
		EN: fmt.Sprintf("%s (%s; %s).", w.en, win.en, vocab.Cite(rule, "en")),
	}
	if extra == "delta" {
		t.RU = "Пересчет после изменения времени устранения: " + t.RU
		t.KK = "Жою уақыты өзгергеннен кейін қайта есептеу: " + t.KK
		t.EN = "Re-plan after the fix time changed: " + t.EN
	}
	return t
}

// window is the event's time span: the failure with its (planned) fix, or
// the maintenance works.
func window(ev *event, loc *time.Location) words {
	a, b := fmtT(ev.start, loc), fmtT(ev.end, loc)
	if ev.maint != nil {
		return words{"работы " + a + " – " + b, "жұмыстар " + a + " – " + b, "works " + a + " – " + b}
	}
	fix := words{"плановое устранение", "жоюдың жоспарланған мерзімі", "planned fix"}
	if ev.inc != nil && ev.inc.FixActual {
		fix = words{"устранен", "жойылды", "fixed"}
	}
	return words{"сбой " + a + " – " + b + " (" + fix.ru + ")", "іркіліс " + a + " – " + b + " (" + fix.kk + ")",
		"failure " + a + " – " + b + " (" + fix.en + ")"}
}

// ruleWords is what the rule does, by the family of rules it belongs to.
func ruleWords(rule string, ev *event, old, nw time.Time, extra string) words {
	switch rule {
	case "G-000":
		return holdWords(ev)
	case "Q36.3", "Q36.4", "Q36.7", "Q37.2", "Q37.4", "Q37.7", "Q37.8", "Q37.9", "Q37.10":
		return extensionWords(rule, ev, extra)
	case "Q36.5", "Q37.5", "Q36.6", "Q37.6", "Q41", "Q48", "Q51":
		return calendarWords(rule, ev, old, nw)
	case "Q36.2", "Q37.12", "E29.2":
		return noticeWords(rule)
	case "Q49", "Q50", "E29.3", "E29.4", "E29.5", "E29.6":
		return consequenceWords(rule, extra)
	}
	return words{"Действие по правилу", "Қағида бойынша әрекет", "Rule"}
}

// holdWords: G-000, acceptance held while the failure is being confirmed.
func holdWords(ev *event) words {
	switch {
	case ev.inc.ConfirmedAt.IsZero() && ev.inc.RefutedAt.IsZero():
		return words{"Срок истекает во время подтверждения сбоя: удерживается до ожидаемого решения",
			"Мерзім іркілісті растау кезінде аяқталады: күтілетін шешімге дейін ұзартылады",
			"Deadline falls while the failure is being confirmed: held until the expected decision"}
	case !ev.inc.RefutedAt.IsZero():
		return words{"Сбой опровергнут: срок, истекавший во время проверки, продлен до момента опровержения",
			"Іркіліс теріске шығарылды: тексеру кезінде аяқталған мерзім теріске шығарылған сәтке дейін ұзартылды",
			"Failure refuted: the deadline that fell during the check runs to the refutation"}
	}
	return words{"Срок истекал во время подтверждения сбоя: продлен до момента подтверждения",
		"Мерзім іркілісті растау кезінде аяқталды: расталған сәтке дейін ұзартылды",
		"Deadline fell while the failure was being confirmed: extended to the confirmation"}
}

// extensionWords: Q36 and Q37, deadlines moved by the time the fix took
// or to the next working day after it (GLOSSARY review D6: the level is
// named as a level, not "a medium failure").
func extensionWords(rule string, ev *event, extra string) words {
	d := fmtDur(ev.dur)
	medium := words{"Сбой с уровнем критичности «средний»", "Маңыздылық деңгейі «орташа» іркіліс", "Medium failure"}
	high := words{"Сбой с уровнем критичности «высокий»", "Маңыздылық деңгейі «жоғары» іркіліс", "High failure"}
	switch rule {
	case "Q36.3":
		return medium.then(words{": прием заявок/ценовых предложений продлен на время устранения %s",
			": өтінімдерді/баға ұсыныстарын қабылдау іркілісті жою уақытына (%s) ұзартылды",
			": acceptance of bids/price offers extended by the time spent fixing, %s"}).with(d)
	case "Q36.7":
		return medium.then(words{" длился дольше срока приема: окончание приема перенесено на следующий рабочий день после устранения",
			" қабылдау мерзімінен ұзаққа созылды: қабылдаудың аяқталуы іркіліс жойылғаннан кейінгі келесі жұмыс күніне ауыстырылды",
			" outlasted the acceptance deadline: end of acceptance moved to the next working day after the fix"})
	case "Q36.4":
		return auctionAnnul(extra, medium.then(words{" в аукционе: второй раунд перенесен на следующий рабочий день после устранения",
			" аукционда: аукционның екінші раунды іркіліс жойылғаннан кейінгі келесі жұмыс күніне ауыстырылды",
			" in an auction: second round moved to the next working day after the fix"}))
	case "Q37.2":
		return high.then(words{": завершающаяся процедура модуля совпала со сбоем, продлена на время устранения %s",
			": модульдің аяқталатын рәсімі іркіліспен сәйкес келді, іркілісті жою уақытына (%s) ұзартылды",
			": a procedure ending in the module coincided with the failure, extended by the time spent fixing, %s"}).with(d)
	case "Q37.4":
		return high.then(words{": срок приема заявок/ценовых предложений совпал со сбоем, продлен на время устранения %s",
			": өтінімдерді/баға ұсыныстарын қабылдау мерзімі іркіліспен сәйкес келді, іркілісті жою уақытына (%s) ұзартылды",
			": bid/price-offer deadline coincided with the failure, extended by the time spent fixing, %s"}).with(d)
	case "Q37.7":
		return auctionAnnul(extra, words{"Этап аукционных торгов совпал со сбоем: перенесен на следующий рабочий день после устранения",
			"Аукциондық сауда-саттық кезеңі іркіліспен сәйкес келді: іркіліс жойылғаннан кейінгі келесі жұмыс күніне ауыстырылды",
			"Auction trading stage coincided with the failure: moved to the next working day after the fix"})
	case "Q37.8":
		return words{"Сбой длился дольше срока приема: срок приема продлен на время устранения %s",
			"Іркіліс қабылдау мерзімінен ұзаққа созылды: қабылдау мерзімі іркілісті жою уақытына (%s) ұзартылды",
			"Failure longer than the acceptance period: acceptance extended by the time to fix, %s"}.with(d)
	case "Q37.9":
		if strings.HasPrefix(extra, string(RequireResubmission)) {
			return resubmit
		}
		return words{"Расшифрование невозможно, прием не истек к началу сбоя: продлен на время устранения %s",
			"Шифрын ашу мүмкін емес, іркіліс басталғанда қабылдау аяқталмаған: іркілісті жою уақытына (%s) ұзартылды",
			"Decryption impossible, acceptance open when the failure began: extended by the time spent fixing, %s"}.with(d)
	}
	// Q37.10
	switch {
	case strings.HasPrefix(extra, string(RequireResubmission)):
		return resubmit
	case ev.inc.ForceMajeure != nil:
		n := ev.inc.ForceMajeure.AgreedDays
		return words{fmt.Sprintf("Расшифрование невозможно, обстоятельства непреодолимой силы: продление на %d дн. по согласованию с уполномоченным органом", n),
			fmt.Sprintf("Шифрын ашу мүмкін емес, еңсерілмейтін күш мән-жайлары: уәкілетті органмен келісу бойынша %d күнге ұзарту", n),
			fmt.Sprintf("Decryption impossible, force majeure: extension of %d day(s) agreed with the authorized body", n)}
	}
	return words{"Расшифрование невозможно, прием уже истек: прием продлен на 5 рабочих дней с момента устранения",
		"Шифрын ашу мүмкін емес, қабылдау аяқталып қойған: қабылдау іркіліс жойылған сәттен бастап 5 жұмыс күніне ұзартылды",
		"Decryption impossible, acceptance had ended: acceptance extended by 5 working days from the fix"}
}

// calendarWords: deadlines moved by calendar days or by a span of time
// (contracts, complaints, the discussion, maintenance, tariffs).
func calendarWords(rule string, ev *event, old, nw time.Time) words {
	days := words{fmt.Sprintf("%d календ. дн.", ev.days), fmt.Sprintf("%d күнтізбелік күнге", ev.days), fmt.Sprintf("%d calendar day(s)", ev.days)}
	span := fmtDur(nw.Sub(old))
	switch rule {
	case "Q36.5", "Q37.5":
		return words{"Срок согласования/подписания договора совпал со сбоем: продлен на %s",
			"Шартты келісу/оған қол қою мерзімі іркіліспен сәйкес келді: %s ұзартылды",
			"Contract approval/signing deadline coincided with the failure: extended by %s"}.with(days)
	case "Q36.6", "Q37.6":
		return words{"Срок подачи жалоб/уведомлений/возражений/заключений совпал со сбоем: продлен на %s",
			"Шағымдарды/хабарламаларды/қарсылықтарды/қорытындыларды беру мерзімі іркіліспен сәйкес келді: %s ұзартылды",
			"Complaints/notices/objections/conclusions deadline coincided with the failure: extended by %s"}.with(days)
	case "Q51":
		return words{"Подача вопросов при обсуждении проекта конкурсной документации была невозможна из-за сбоя: обсуждение продлено на 1 календарный день",
			"Іркіліске байланысты конкурстық құжаттама жобасын талқылау кезінде сұрақтар беру мүмкін болмады: талқылау 1 күнтізбелік күнге ұзартылды",
			"Questions could not be submitted during the discussion because of the failure: discussion extended by 1 calendar day"}
	case "Q41":
		return words{"Срок выпадает на дату профилактических работ: перенесен с учетом их продолжительности на %s",
			"Мерзім профилактикалық жұмыстар күніне сәйкес келеді: олардың ұзақтығы ескеріліп (%s) ауыстырылды",
			"Deadline falls on a date of maintenance works: moved by their duration, %s"}.with(span)
	}
	// Q48
	return words{"Дата окончания тарифа совпала с датой сбоя: тариф продлен на срок продления процедур %s",
		"Тарифтің қолданылу мерзімінің аяқталу күні іркіліс күнімен сәйкес келді: тариф рәсімдерді ұзарту мерзіміне (%s) ұзартылды",
		"Tariff ends on a date of the failure: extended by the extension of the procedures, %s"}.with(span)
}

// noticeWords: who must be told (Q36.2, Q37.12, E29.2).
func noticeWords(rule string) words {
	switch rule {
	case "Q36.2":
		return words{"Уведомить участников закупки о сбое, уровне критичности, плановом устранении и сроке продления",
			"Сатып алуға қатысушыларды іркіліс, маңыздылық деңгейі, жоюдың жоспарланған мерзімі және ұзарту мерзімі туралы хабардар ету",
			"Tell the procurement's participants of the failure, its level, the planned fix and the extension"}
	case "Q37.12":
		return words{"Разместить на главной странице веб-портала с номерами объявления и лотов сведения об устранении и продлении",
			"Веб-порталдың басты бетінде хабарландыру және лот нөмірлерімен іркілістің жойылғаны және мерзімдердің ұзартылғаны туралы ақпаратты орналастыру",
			"Post on the home page, with announcement and lot numbers, the fix and the extension"}
	}
	return words{"Уведомить пользователей о сбое, его устранении и принятом решении",
		"Пайдаланушыларды іркіліс, оның жойылғаны және қабылданған шешім туралы хабардар ету",
		"Tell the users of the failure, its fix and the decision taken"}
}

// consequenceWords: protocols annulled, contracts withdrawn, procedures
// rerun (Q49, Q50, E29).
func consequenceWords(rule, extra string) words {
	switch rule {
	case "Q49":
		if strings.HasPrefix(extra, string(AnnulProtocol)) {
			return words{"Протокол сформирован во время подтвержденного сбоя, участник не смог участвовать: протокол отменяется",
				"Хаттама расталған іркіліс кезінде жасалды, қатысушы қатыса алмады: хаттаманың күші жойылады",
				"Protocol formed during a confirmed failure that kept a user from taking part: the protocol is cancelled"}
		}
		return words{"Протокол отменен по обращению: прием заявок продлен на 1 календарный день",
			"Хаттаманың күші өтініш бойынша жойылды: өтінімдерді қабылдау 1 күнтізбелік күнге ұзартылды",
			"Protocol cancelled on appeal: bid acceptance extended by 1 calendar day"}
	case "Q50":
		switch {
		case strings.HasPrefix(extra, string(WithdrawDraft)):
			return words{"Проект договора, направленный второму победителю, удаляется",
				"Екінші үміткерге жіберілген шарт жобасы жойылады",
				"The draft contract sent to the second winner is withdrawn"}
		case strings.HasPrefix(extra, string(Notify)):
			return words{"Известить уполномоченный орган о действиях в связи со сбоем (досрочное исключение из реестра недобросовестных участников закупок)",
				"Уәкілетті органға іркіліске байланысты әрекеттер туралы хабарлау (сатып алуға жосықсыз қатысушылардың тізілімінен мерзімінен бұрын шығару)",
				"Tell the authorized body of the actions taken (early exclusion from the register of unreliable participants)"}
		}
		return words{"Поставщик досрочно исключен из реестра недобросовестных участников закупок: подписание договора в течение 1 календарного дня",
			"Өнім беруші сатып алуға жосықсыз қатысушылардың тізілімінен мерзімінен бұрын шығарылды: шартқа 1 күнтізбелік күн ішінде қол қою",
			"Supplier taken off the unreliable register early: 1 calendar day to sign the contract"}
	case "E29.3":
		return words{"Сбой в последний день приема повлиял на подачу заявок: прием продлен до рабочего дня, следующего за днем устранения",
			"Қабылдаудың соңғы күніндегі іркіліс өтінімдер беруге әсер етті: қабылдау іркіліс жойылған күннен кейінгі жұмыс күніне дейін ұзартылды",
			"Failure on the last day of acceptance affected submission: acceptance extended to the working day after the day of the fix"}
	case "E29.4":
		return words{"Протокол сформирован автоматически в период сбоя: аннулируется",
			"Хаттама іркіліс кезеңінде автоматты түрде жасалды: күші жойылады",
			"Protocol formed automatically during the failure: annulled"}
	case "E29.5":
		return words{"Сбой повлиял на итоги закупки: процедура проводится повторно, пользователи уведомляются",
			"Іркіліс сатып алудың қорытындыларына әсер етті: рәсім қайта өткізіледі, пайдаланушылар хабардар етіледі",
			"The failure affected the results: the procedure is held again and users are told"}
	}
	// E29.6
	return words{"Решение о включении поставщика в Перечень ненадежных из-за сбоя подлежит отмене после утверждения акта о техническом сбое; уведомить",
		"Өнім берушіні іркіліске байланысты сенімсіздер тізбесіне енгізу туралы шешімнің күші техникалық іркіліс туралы акт бекітілгеннен кейін жойылуға тиіс; хабардар ету",
		"The decision to list the supplier as unreliable because of the failure is to be cancelled after the act on the failure; tell the users"}
}

// auctionAnnul words Q36.4 and Q37.7, which share their second sentence:
// an automatic auction results protocol is annulled with the bids.
func auctionAnnul(extra string, move words) words {
	switch {
	case strings.HasPrefix(extra, string(AnnulProtocol)):
		return words{"Протокол об итогах аукциона сформирован автоматически во время сбоя: аннулируется вместе с заявками",
			"Аукцион қорытындылары туралы хаттама іркіліс кезінде автоматты түрде жасалды: өтінімдермен бірге күші жойылады",
			"Auction results protocol formed automatically during the failure: annulled together with the bids"}
	case strings.HasPrefix(extra, string(RequireResubmission)):
		return words{"Заявки аннулированы вместе с протоколом об итогах аукциона: подать заново",
			"Өтінімдердің күші аукцион қорытындылары туралы хаттамамен бірге жойылды: қайта беру қажет",
			"Bids annulled with the auction results protocol: submit again"}
	}
	return move
}
