package console_test

import (
	"context"
	"strings"
	"testing"

	"tenderdesk/internal/config"
	"tenderdesk/internal/notify/notifytest"
)

// Issue 12: the public register page says what became of the day's
// witness mail to the authorized body — waiting, then sent through the
// outbox — and, with no address set, that it was not sent and why.
func TestRegisterPageSaysWitnessMail_Issue12(t *testing.T) {
	t.Run("address set", func(t *testing.T) {
		d := boot(t, t.TempDir(), withClock(morning()), bootOpt{Cfg: func(c *config.Config) {
			c.WitnessEmail, _ = config.ParseMailbox("witness@authority.example.kz")
		}})
		if _, err := d.App.Retention.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		b := d.browser()
		if p := b.get("/registers/roles?lang=ru"); !strings.Contains(p.Body, "Письмо уполномоченному органу") || !strings.Contains(p.Body, "ожидает отправки") {
			t.Fatalf("before delivery:\n%s", p.Body)
		}
		sink := notifytest.Start(t)
		deliver(t, d, sink, d.App.Secrets.Open)
		if in, _ := sink.Inbox("witness@authority.example.kz"); len(in) != 1 || !strings.Contains(in[0].Subject, "Контрольная точка журнала аудита") {
			t.Fatalf("inbox: %+v", in)
		}
		if p := b.get("/registers/roles?lang=kk"); !strings.Contains(p.Body, "жіберілді") {
			t.Fatalf("after delivery:\n%s", p.Body)
		}
	})
	t.Run("no address", func(t *testing.T) {
		d := boot(t, t.TempDir(), withClock(morning()))
		if _, err := d.App.Retention.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		if p := d.browser().get("/registers/roles?lang=ru"); !strings.Contains(p.Body, "не отправлено: адрес уполномоченного органа не настроен") {
			t.Fatalf("%s", p.Body)
		}
	})
}
