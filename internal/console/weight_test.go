package console_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/journal"
)

// pageWeightLimit is issue 10's budget for the queue's first load: HTML,
// CSS and JS as transferred.
const pageWeightLimit = 150 * 1024

var assetRe = regexp.MustCompile(`(?:href|src)="(/assets/[^"]+)"`)

// transferred fetches path as a browser would on a first load (asking for
// gzip) and returns the bytes on the wire and the response.
func transferred(t *testing.T, b *browser, path string) (int, *http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", b.d.Base+path, nil)
	req.Header.Set("Accept-Encoding", "gzip") // set by hand: the transport then leaves the body as sent
	resp, err := b.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d", path, resp.StatusCode)
	}
	return len(raw), resp, string(raw)
}

// The queue's first load, with a full page of 50 realistic rows in Russian
// (long organization names, every column filled, a running clock on each),
// weighs at most 150 KB as transferred, HTML + CSS + JS (issue 10), and
// its assets are cached by hash. A size check: no timing.
func TestQueuePageWeight(t *testing.T) {
	d := boot(t, t.TempDir()+"/data")
	ctx := context.Background()
	by := journal.Caller{Actor: audit.Actor{Login: "admin", Role: "admin"}}
	received := time.Now().Add(-10 * time.Minute)
	for i := range 60 {
		if _, err := d.App.Journal.Register(ctx, by, journal.NewAppeal{Channel: []string{"phone", "email", "letter", "cabinet"}[i%4],
			ReceivedAt: &received, Organization: fmt.Sprintf("Товарищество с ограниченной ответственностью «Казахстанская строительная компания %03d»", i),
			BIN: "123456789013", ContactPhone: "+7 701 123 45 67", ContactEmail: "zakupki@example.kz",
			Description: "Не подписывается договор в модуле «Электронные закупки»: ошибка ЭЦП при подписании, портал не отвечает",
			Module:      "contracts", Announcements: []string{"1234567-1"}, Lots: []string{"1234567-ЗЦП1"}}, ""); err != nil {
			t.Fatal(err)
		}
	}
	op := d.browser()
	op.signIn("admin", adminPassword)
	n, resp, _ := transferred(t, op, "/?lang=ru")
	total, plain := n, len(op.get("/?lang=ru").Body)
	if enc(resp) != "gzip" {
		t.Errorf("the queue page is sent %s: the console compresses HTML, CSS and JS (gzip.go)", enc(resp))
	}
	report := []string{fmt.Sprintf("HTML %d B (%s)", n, enc(resp))}
	page := op.get("/?lang=ru").Body // decoded, for the asset links
	if strings.Count(page, "data-row") != 50 {
		t.Fatalf("the queue shows %d rows, want a full page of 50", strings.Count(page, "data-row"))
	}
	assets := assetRe.FindAllStringSubmatch(page, -1)
	if len(assets) < 2 {
		t.Fatalf("the page links %d assets, want its CSS and JS", len(assets))
	}
	for _, m := range assets {
		n, resp, _ := transferred(t, op, m[1])
		total += n
		_, raw := op.fetch(m[1], "identity")
		plain += len(raw)
		if enc(resp) != "gzip" {
			t.Errorf("%s is sent %s", m[1], enc(resp))
		}
		report = append(report, fmt.Sprintf("%s %d B (%s)", m[1], n, enc(resp)))
		if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") || !regexp.MustCompile(`^/assets/[0-9a-f]{12}-`).MatchString(m[1]) {
			t.Errorf("%s: not cached by hash (Cache-Control %q)", m[1], cc)
		}
	}
	t.Logf("queue page, first load: %d B transferred (%d B uncompressed) = %s", total, plain, strings.Join(report, " + "))
	if total > pageWeightLimit {
		t.Errorf("the queue's first load transfers %d B, over the %d B budget: %s", total, pageWeightLimit, strings.Join(report, " + "))
	}
}

func enc(r *http.Response) string {
	if e := r.Header.Get("Content-Encoding"); e != "" {
		return e
	}
	return "identity"
}
