package impact

import (
	"fmt"
	"strings"
	"time"
)

// Q37.9 and Q37.10 end with the same demand.
const (
	resubmitRU = "Ценовые предложения невозможно расшифровать: поставщикам подать заявки и ценовые предложения повторно"
	resubmitEN = "Price offers cannot be decrypted: suppliers must submit bids and price offers again"
)

func fmtT(t time.Time, loc *time.Location) string { return t.In(loc).Format("02.01.2006 15:04") }

func fmtDur(d time.Duration) (ru, en string) {
	h := int(d / time.Hour)
	m := int(d % time.Hour / time.Minute)
	return fmt.Sprintf("%d ч %02d мин", h, m), fmt.Sprintf("%dh%02dm", h, m)
}

// reason explains one action in Russian and English, citing its rule.
// extra is "delta" for a re-plan, "<action>:<note>" for one-shot actions and
// "notify:" for the participants' notification.
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

func (pl *Planner) reasonText(rule string, ev *event, old, nw time.Time, extra string) Text {
	loc := pl.loc
	win := func() (string, string) {
		a, b := fmtT(ev.start, loc), fmtT(ev.end, loc)
		fixRU, fixEN := "плановое устранение", "planned fix"
		if ev.inc != nil && ev.inc.FixActual {
			fixRU, fixEN = "устранён", "fixed"
		}
		if ev.maint != nil {
			return fmt.Sprintf("работы %s – %s", a, b), fmt.Sprintf("works %s – %s", a, b)
		}
		return fmt.Sprintf("сбой %s – %s (%s)", a, b, fixRU), fmt.Sprintf("failure %s – %s (%s)", a, b, fixEN)
	}
	wRU, wEN := win()
	dRU, dEN := fmtDur(ev.dur)
	var ru, en string
	switch rule {
	case "G-000":
		switch {
		case ev.inc.ConfirmedAt.IsZero() && ev.inc.RefutedAt.IsZero():
			ru, en = "Срок истекает во время подтверждения сбоя: удерживается до ожидаемого решения",
				"Deadline falls while the failure is being confirmed: held until the expected decision"
		case !ev.inc.RefutedAt.IsZero():
			ru, en = "Сбой опровергнут: срок, истекавший во время проверки, продлён до момента опровержения",
				"Failure refuted: the deadline that fell during the check runs to the refutation"
		default:
			ru, en = "Срок истекал во время подтверждения сбоя: продлён до момента подтверждения",
				"Deadline fell while the failure was being confirmed: extended to the confirmation"
		}
	case "Q36.3":
		ru, en = "Средний сбой: приём заявок/ценовых предложений продлён на время устранения "+dRU,
			"Medium failure: acceptance of bids/price offers extended by the time spent fixing, "+dEN
	case "Q36.7":
		ru, en = "Средний сбой длился дольше срока приёма: окончание приёма перенесено на следующий рабочий день после устранения",
			"Medium failure outlasted the acceptance deadline: end of acceptance moved to the next working day after the fix"
	case "Q36.4":
		ru, en = auctionAnnul(extra, "Средний сбой в аукционе: второй раунд перенесён на следующий рабочий день после устранения",
			"Medium failure in an auction: second round moved to the next working day after the fix")
	case "Q36.5", "Q37.5":
		ru, en = fmt.Sprintf("Срок согласования/подписания договора совпал со сбоем: продлён на %d календ. дн.", ev.days),
			fmt.Sprintf("Contract approval/signing deadline coincided with the failure: extended by %d calendar day(s)", ev.days)
	case "Q36.6", "Q37.6":
		ru, en = fmt.Sprintf("Срок жалоб/уведомлений/возражений/заключений совпал со сбоем: продлён на %d календ. дн.", ev.days),
			fmt.Sprintf("Complaints/notices/objections/conclusions deadline coincided with the failure: extended by %d calendar day(s)", ev.days)
	case "Q37.2":
		ru, en = "Высокий сбой: завершающаяся процедура модуля совпала со сбоем, продлена на время устранения "+dRU,
			"High failure: a procedure ending in the module coincided with the failure, extended by the time spent fixing, "+dEN
	case "Q37.4":
		ru, en = "Высокий сбой: срок приёма заявок/ценовых предложений совпал со сбоем, продлён на время устранения "+dRU,
			"High failure: bid/price-offer deadline coincided with the failure, extended by the time spent fixing, "+dEN
	case "Q37.7":
		ru, en = auctionAnnul(extra, "Этап аукционных торгов совпал со сбоем: перенесён на следующий рабочий день после устранения",
			"Auction trading stage coincided with the failure: moved to the next working day after the fix")
	case "Q37.8":
		ru, en = "Сбой длился дольше срока приёма: срок приёма продлён на время устранения "+dRU,
			"Failure longer than the acceptance period: acceptance extended by the time to fix, "+dEN
	case "Q37.9":
		if strings.HasPrefix(extra, string(RequireResubmission)) {
			ru, en = resubmitRU, resubmitEN
		} else {
			ru, en = "Расшифрование невозможно, приём не истёк к началу сбоя: продлён на время устранения "+dRU,
				"Decryption impossible, acceptance open when the failure began: extended by the time spent fixing, "+dEN
		}
	case "Q37.10":
		switch {
		case strings.HasPrefix(extra, string(RequireResubmission)):
			ru, en = resubmitRU, resubmitEN
		case ev.inc.ForceMajeure != nil:
			ru, en = fmt.Sprintf("Расшифрование невозможно, непреодолимая сила: продление на %d дн. по согласованию с уполномоченным органом", ev.inc.ForceMajeure.AgreedDays),
				fmt.Sprintf("Decryption impossible, force majeure: extension of %d day(s) agreed with the authorized body", ev.inc.ForceMajeure.AgreedDays)
		default:
			ru, en = "Расшифрование невозможно, приём уже истёк: приём продлён на 5 рабочих дней с момента устранения",
				"Decryption impossible, acceptance had ended: acceptance extended by 5 working days from the fix"
		}
	case "Q36.2":
		ru, en = "Уведомить участников закупки о сбое, уровне, плановом устранении и сроке продления",
			"Tell the procurement's participants of the failure, its level, the planned fix and the extension"
	case "Q37.12":
		ru, en = "Разместить на главной странице с номерами объявления и лотов сведения об устранении и продлении",
			"Post on the home page, with announcement and lot numbers, the fix and the extension"
	case "E29.2":
		ru, en = "Уведомить пользователей о сбое, его устранении и принятом решении",
			"Tell the users of the failure, its fix and the decision taken"
	case "Q41":
		sRU, sEN := fmtDur(nw.Sub(old))
		ru, en = "Срок выпадает на дату профилактических работ: перенесён с учётом их продолжительности на "+sRU,
			"Deadline falls on a date of maintenance works: moved by their duration, "+sEN
	case "Q48":
		sRU, sEN := fmtDur(nw.Sub(old))
		ru, en = "Дата окончания тарифа совпала с датой сбоя: тариф продлён на срок продления процедур "+sRU,
			"Tariff ends on a date of the failure: extended by the extension of the procedures, "+sEN
	case "Q49":
		if strings.HasPrefix(extra, string(AnnulProtocol)) {
			ru, en = "Протокол сформирован во время подтверждённого сбоя, участник не смог участвовать: протокол отменяется",
				"Protocol formed during a confirmed failure that kept a user from taking part: the protocol is cancelled"
		} else {
			ru, en = "Протокол отменён по обращению: приём заявок продлён на 1 календарный день",
				"Protocol cancelled on appeal: bid acceptance extended by 1 calendar day"
		}
	case "Q50":
		switch {
		case strings.HasPrefix(extra, string(WithdrawDraft)):
			ru, en = "Проект договора, направленный второму победителю, удаляется",
				"The draft contract sent to the second winner is withdrawn"
		case strings.HasPrefix(extra, string(Notify)):
			ru, en = "Известить уполномоченный орган о действиях в связи со сбоем (досрочное исключение из реестра недобросовестных)",
				"Tell the authorized body of the actions taken (early exclusion from the register of unreliable participants)"
		default:
			ru, en = "Поставщик досрочно исключён из реестра недобросовестных: подписание договора в течение 1 календарного дня",
				"Supplier taken off the unreliable register early: 1 calendar day to sign the contract"
		}
	case "Q51":
		ru, en = "Подача вопросов при обсуждении документации была невозможна из-за сбоя: обсуждение продлено на 1 календарный день",
			"Questions could not be submitted during the discussion because of the failure: discussion extended by 1 calendar day"
	case "E29.3":
		ru, en = "Сбой в последний день приёма повлиял на подачу заявок: приём продлён до рабочего дня, следующего за днём устранения",
			"Failure on the last day of acceptance affected submission: acceptance extended to the working day after the day of the fix"
	case "E29.4":
		ru, en = "Протокол сформирован автоматически в период сбоя: аннулируется",
			"Protocol formed automatically during the failure: annulled"
	case "E29.5":
		ru, en = "Сбой повлиял на итоги закупки: процедура проводится повторно, пользователи уведомляются",
			"The failure affected the results: the procedure is held again and users are told"
	case "E29.6":
		ru, en = "Решение о включении поставщика в Перечень ненадёжных из-за сбоя подлежит отмене после утверждения акта о сбое; уведомить",
			"The decision to list the supplier as unreliable because of the failure is to be cancelled after the act on the failure; tell the users"
	default:
		ru, en = "Правило "+rule, "Rule "+rule
	}
	ru = fmt.Sprintf("%s (%s; п. %s).", ru, wRU, rule)
	en = fmt.Sprintf("%s (%s; %s).", en, wEN, rule)
	if extra == "delta" {
		ru = "Пересчёт после изменения времени устранения: " + ru
		en = "Re-plan after the fix time changed: " + en
	}
	return Text{RU: ru, EN: en}
}

// auctionAnnul words Q36.4 and Q37.7, which share their second sentence:
// an automatic auction results protocol is annulled with the bids.
func auctionAnnul(extra, moveRU, moveEN string) (string, string) {
	switch {
	case strings.HasPrefix(extra, string(AnnulProtocol)):
		return "Протокол итогов аукциона сформирован автоматически во время сбоя: аннулируется вместе с заявками",
			"Auction results protocol formed automatically during the failure: annulled together with the bids"
	case strings.HasPrefix(extra, string(RequireResubmission)):
		return "Заявки аннулированы вместе с протоколом итогов аукциона: подать заново",
			"Bids annulled with the auction results protocol: submit again"
	}
	return moveRU, moveEN
}
