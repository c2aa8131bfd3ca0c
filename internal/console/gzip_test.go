package console_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/journal"
)

// fetch gets path with Accept-Encoding set by hand (the transport then
// hands the body over as sent) and returns the raw body.
func (b *browser) fetch(path, acceptEncoding string) (*http.Response, []byte) {
	b.d.t.Helper()
	req, _ := http.NewRequest("GET", b.d.Base+path, nil)
	req.Header.Set("Accept-Encoding", acceptEncoding)
	resp, err := b.hc.Do(req)
	if err != nil {
		b.d.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		b.d.t.Fatal(err)
	}
	return resp, raw
}

func gunzip(t *testing.T, what string, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: not gzip: %v", what, err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: broken gzip: %v", what, err)
	}
	return out
}

// Issue 10: the console's HTML, CSS and JavaScript are gzip-compressed for
// a browser that asks (Vary: Accept-Encoding either way), and decompress
// to exactly the bytes sent without gzip; a Content-Length, when sent, is
// the compressed body's. Not compressed: a request without gzip (or with
// q=0), the event stream (which still streams event by event), and the
// report downloads (XLSX, PDF, CSV).
func TestGzipPagesAssetsNotStreamsOrDownloads(t *testing.T) {
	d := boot(t, t.TempDir())
	d.user("ministry", auth.RoleAuthority)
	b := d.browser()
	b.signIn("admin", adminPassword)
	page := b.get("/admin/users?lang=ru").Body
	paths := []string{"/admin/users?lang=ru", "/account?lang=kk", "/audit?lang=en", "/nope"}
	for _, m := range assetRe.FindAllStringSubmatch(page, -1) {
		paths = append(paths, m[1])
	}
	if len(paths) < 6 {
		t.Fatalf("the page links %d assets", len(paths)-4)
	}
	for _, p := range paths {
		plainResp, plain := b.fetch(p, "identity")
		zResp, z := b.fetch(p, "gzip, deflate, br")
		if plainResp.StatusCode != zResp.StatusCode {
			t.Fatalf("%s: %d plain, %d with gzip", p, plainResp.StatusCode, zResp.StatusCode)
		}
		if e := plainResp.Header.Get("Content-Encoding"); e != "" {
			t.Errorf("%s: Content-Encoding %q without gzip asked", p, e)
		}
		if e := zResp.Header.Get("Content-Encoding"); e != "gzip" {
			t.Fatalf("%s: Content-Encoding %q with gzip asked (%s)", p, e, zResp.Header.Get("Content-Type"))
		}
		for _, r := range []*http.Response{plainResp, zResp} {
			if !strings.Contains(strings.Join(r.Header.Values("Vary"), ","), "Accept-Encoding") {
				t.Errorf("%s: no Vary: Accept-Encoding (%v)", p, r.Header.Values("Vary"))
			}
		}
		if cl := zResp.Header.Get("Content-Length"); cl != "" && cl != strconv.Itoa(len(z)) {
			t.Errorf("%s: Content-Length %s for %d compressed bytes", p, cl, len(z))
		}
		if zResp.ContentLength >= 0 && zResp.ContentLength != int64(len(z)) {
			t.Errorf("%s: response length %d for %d bytes", p, zResp.ContentLength, len(z))
		}
		if got := gunzip(t, p, z); !bytes.Equal(got, plain) {
			t.Errorf("%s: decompressed %d B differ from the %d B sent plain", p, len(got), len(plain))
		}
		t.Logf("%s: %d B plain, %d B gzip", p, len(plain), len(z))
	}
	if r, _ := b.fetch("/admin/users", "gzip;q=0, identity"); r.Header.Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0 still compressed")
	}

	// The event stream: never compressed, and an event arrives while the
	// response is open.
	req, _ := http.NewRequest("GET", d.Base+"/events", nil)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Accept-Encoding", "gzip")
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	resp, err := b.hc.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Encoding") != "" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("events: %s, Content-Encoding %q", resp.Header.Get("Content-Type"), resp.Header.Get("Content-Encoding"))
	}
	lines := bufio.NewReader(resp.Body)
	if l, err := lines.ReadString('\n'); err != nil || l != "retry: 2000\n" {
		t.Fatalf("events: first line %q, %v", l, err)
	}
	for i := 0; i < 100 && d.App.Console.Broker.Subscribers() < 1; i++ {
		time.Sleep(20 * time.Millisecond)
	}
	recv := time.Now().Add(-20 * time.Minute)
	if _, err := d.App.Journal.Register(context.Background(), journal.Caller{Actor: audit.System},
		journal.NewAppeal{Channel: "phone", ReceivedAt: &recv, Organization: "ТОО «Бета»", ContactPhone: "+7 701 000 0000",
			Description: "Портал не открывается"}, ""); err != nil {
		t.Fatal(err)
	}
	for {
		l, err := lines.ReadString('\n')
		if err != nil {
			t.Fatalf("events: no event after a registration: %v", err)
		}
		if l == "event: appeal\n" {
			break
		}
	}
	cancel()

	// Downloads (of the one appeal) go as they are made.
	body := d.browser()
	body.signIn("ministry", "password-of-ministry")
	today := time.Now().In(d.App.Cfg.Zone).Format("02.01.2006")
	for _, f := range []string{"xlsx", "pdf", "csv"} {
		r, raw := body.fetch("/reports/journal?format="+f+"&from="+today+"&to="+today, "gzip")
		if r.StatusCode != http.StatusOK || r.Header.Get("Content-Encoding") != "" || len(raw) == 0 {
			t.Errorf("%s download: %d %s, Content-Encoding %q", f, r.StatusCode, r.Header.Get("Content-Type"), r.Header.Get("Content-Encoding"))
		}
	}
}
