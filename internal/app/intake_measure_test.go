package app_test

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"tenderdesk/internal/auth"
)

// TestMeasureAlertmanagerOffered offers the issue-14 burst to the whole
// desk over HTTP, open loop: 1,000 alerts/s (100 webhooks of 10 alerts a
// second, spread over 20 modules, each sent at its own time whether the
// previous answered or not) for TENDERDESK_MEASURE_SECONDS (default 60),
// with the portal's bearer token. It reports the webhook latency
// percentiles, the desk's CPU, and checks that every alert is counted and
// the 20 modules open at most 20 incidents. A measurement: with
// TENDERDESK_MEASURE=1 (docs/BENCHMARKS.md); no timed assertion.
func TestMeasureAlertmanagerOffered(t *testing.T) {
	if os.Getenv("TENDERDESK_MEASURE") == "" {
		t.Skip("a measurement: set TENDERDESK_MEASURE=1 to run it")
	}
	secs := 60
	if s, err := strconv.Atoi(os.Getenv("TENDERDESK_MEASURE_SECONDS")); err == nil && s > 0 {
		secs = s
	}
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn)
		portal := d.user("portal-am", auth.RolePortal, "", "")
		var entries []map[string]string
		for m := range 20 {
			entries = append(entries, map[string]string{"label": "job", "value": fmt.Sprintf("job-%d", m), "module": fmt.Sprintf("Модуль %d", m)})
		}
		d.must(d.req("PUT", "/api/v1/intake/module-map", d.Admin, map[string]any{"entries": entries}), http.StatusOK)
		body := func(n int) []byte {
			var b bytes.Buffer
			b.WriteString(`{"version":"4","status":"firing","receiver":"tenderdesk","alerts":[`)
			for i := range 10 {
				if i > 0 {
					b.WriteString(",")
				}
				fmt.Fprintf(&b, `{"status":"firing","labels":{"alertname":"PortalDown","job":"job-%d","instance":"i%d"},"startsAt":"2026-11-20T04:10:00Z","fingerprint":"f%d-%d"}`,
					(n+i)%20, i, n%500, i)
			}
			b.WriteString("]}")
			return b.Bytes()
		}
		hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}, Timeout: 30 * time.Second}
		total := 100 * secs
		lat := make([]time.Duration, total)
		var failed sync.Map
		var wg sync.WaitGroup
		cpu0 := cpuNow()
		start := time.Now()
		for n := range total {
			at := start.Add(time.Duration(n) * 10 * time.Millisecond) // 100 webhooks a second
			time.Sleep(time.Until(at))
			wg.Add(1)
			go func() {
				defer wg.Done()
				rq, _ := http.NewRequest("POST", d.Base+"/api/v1/intake/alertmanager", bytes.NewReader(body(n)))
				rq.Header.Set("Content-Type", "application/json")
				rq.Header.Set("Authorization", "Bearer "+portal)
				resp, err := hc.Do(rq)
				lat[n] = time.Since(at) // from when it was due: a late send counts
				if err != nil {
					failed.Store(n, err.Error())
					return
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					failed.Store(n, resp.Status)
				}
			}()
		}
		wg.Wait()
		wall, cpu := time.Since(start), cpuNow()-cpu0
		nfail := 0
		failed.Range(func(k, v any) bool { nfail++; t.Logf("webhook %v: %v", k, v); return nfail < 5 })
		if err := d.App.Monitor.Settle(t.Context()); err != nil { // answered means stored; count once applied
			t.Fatal(err)
		}
		lag := time.Since(start) - wall
		t.Logf("applied every stored alert %s after the last answer", lag.Round(time.Millisecond))
		var counted, incidents int
		d.App.DB.R.QueryRow("SELECT COALESCE(sum(count), 0) FROM intake_signals").Scan(&counted)
		d.App.DB.R.QueryRow("SELECT count(*) FROM incidents").Scan(&incidents)
		if nfail > 0 || counted != 10*total || incidents > 20 {
			t.Errorf("%d webhooks failed; %d of %d alerts counted; %d incidents (≤ 20)", nfail, counted, 10*total, incidents)
		}
		// the p99 of each 10 s window: does the desk keep up as its tables grow?
		var windows []string
		for w := 0; w+1000 <= total; w += 1000 {
			part := slices.Clone(lat[w : w+1000])
			slices.Sort(part)
			windows = append(windows, part[989].Round(time.Millisecond).String())
		}
		t.Logf("p99 per 10 s window: %v", windows)
		slices.Sort(lat)
		pct := func(p int) time.Duration { return lat[(len(lat)-1)*p/100].Round(100 * time.Microsecond) }
		t.Logf("offered %d alerts/s for %s: %d alerts, %.0f alerts/s done; webhook p50 %s p90 %s p99 %s max %s; desk+client CPU %.2f cores; %d incidents; load %s",
			1000, wall.Round(time.Second), 10*total, float64(10*total)/wall.Seconds(), pct(50), pct(90), pct(99), lat[len(lat)-1].Round(time.Millisecond),
			cpu.Seconds()/wall.Seconds(), incidents, loadAvg())
	})
}

func cpuNow() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
