package console_test

import (
	"bufio"
	"context"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/store/storetest"
)

// TestLiveFanout is issue 10's live-update measurement: N open consoles
// (real HTTP SSE clients, each on its own connection) while appeals are
// registered at R per second; every registration's event is timed from
// the start of its registration to its arrival on each console.
//
//	TENDERDESK_BENCH_CONSOLES=200 TENDERDESK_BENCH_RATE=100 TENDERDESK_BENCH_SECONDS=10 \
//	  go test ./internal/console -run TestLiveFanout -v
//
// It prints p50/p99/max delivery, events lost, and the process's CPU (the
// server and the clients share it). It asserts that every console heard
// events, never how fast.
func TestLiveFanout(t *testing.T) {
	consoles, _ := strconv.Atoi(os.Getenv("TENDERDESK_BENCH_CONSOLES"))
	if consoles <= 0 {
		t.Skip("set TENDERDESK_BENCH_CONSOLES=200 (and _RATE, _SECONDS) to measure live delivery")
	}
	rate, _ := strconv.Atoi(os.Getenv("TENDERDESK_BENCH_RATE"))
	if rate <= 0 {
		rate = 100
	}
	secs, _ := strconv.Atoi(os.Getenv("TENDERDESK_BENCH_SECONDS"))
	if secs <= 0 {
		secs = 10
	}
	dsn := t.TempDir() + "/data"
	if os.Getenv("TENDERDESK_BENCH_BACKEND") == "postgres" {
		dsn = storetest.PostgresURL(t)
	}
	d := boot(t, dsn)
	op := d.browser()
	op.signIn("admin", adminPassword)

	type arrival struct {
		number string
		at     time.Time
	}
	got := make([][]arrival, consoles)
	var ready, done sync.WaitGroup
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	for i := range consoles {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			req, _ := http.NewRequestWithContext(ctx, "GET", d.Base+"/events", nil)
			hc := &http.Client{Jar: op.hc.Jar, Transport: &http.Transport{}} // a connection of its own
			resp, err := hc.Do(req)
			if err != nil {
				ready.Done()
				t.Errorf("console %d: %v", i, err)
				return
			}
			defer resp.Body.Close()
			r := bufio.NewReader(resp.Body)
			first := true
			var event string
			for {
				line, err := r.ReadString('\n')
				if err != nil {
					if first {
						ready.Done()
					}
					return
				}
				if first { // the stream's hello: subscribed
					first = false
					ready.Done()
				}
				switch {
				case strings.HasPrefix(line, "event: "):
					event = strings.TrimSpace(strings.TrimPrefix(line, "event: "))
				case strings.HasPrefix(line, "data: ") && event == "appeal":
					_, rest, _ := strings.Cut(line, `"number":"`)
					number, _, _ := strings.Cut(rest, `"`)
					got[i] = append(got[i], arrival{number, time.Now()})
				}
			}
		}()
	}
	ready.Wait()
	if n := d.App.Console.Broker.Subscribers(); n != consoles {
		t.Fatalf("%d consoles subscribed, want %d", n, consoles)
	}

	var mu sync.Mutex
	started := map[string]time.Time{}
	var regs sync.WaitGroup
	cpu0 := cpuTime()
	wall0 := time.Now()
	tick := time.NewTicker(time.Second / time.Duration(rate))
	by := journal.Caller{Actor: audit.Actor{Login: "admin", Role: "admin"}}
	failed := 0
	for range rate * secs {
		<-tick.C
		regs.Add(1)
		go func() {
			defer regs.Done()
			t0 := time.Now()
			recv := t0.Add(-time.Minute)
			reg, err := d.App.Journal.Register(context.Background(), by, journal.NewAppeal{Channel: "phone", ReceivedAt: &recv,
				ContactPhone: "+7 701 123 45 67", Description: "Не подписывается договор"}, "")
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed++
				return
			}
			started[reg.Number] = t0
		}()
	}
	tick.Stop()
	regs.Wait()
	time.Sleep(2 * time.Second) // the last events in flight (settle time and fan-out)
	wall, cpu := time.Since(wall0), cpuTime()-cpu0
	stop()
	done.Wait()

	var lat []time.Duration
	lost := 0
	for i := range consoles {
		seen := map[string]bool{}
		for _, a := range got[i] {
			if t0, ok := started[a.number]; ok && !seen[a.number] {
				seen[a.number] = true
				lat = append(lat, a.at.Sub(t0))
			}
		}
		lost += len(started) - len(seen)
		if len(seen) == 0 {
			t.Errorf("console %d heard no registration", i)
		}
	}
	slices.Sort(lat)
	if len(lat) == 0 {
		t.Fatal("no deliveries")
	}
	q := func(p float64) time.Duration {
		return lat[min(len(lat)-1, int(float64(len(lat))*p))].Round(time.Millisecond)
	}
	t.Logf("%d consoles, %d registrations in %s (%d failed): %d deliveries, %d lost; delivery p50 %s p99 %s max %s; process CPU %s in %s (%.2f CPUs, server and clients)",
		consoles, len(started), wall.Round(time.Millisecond), failed, len(lat), lost, q(0.5), q(0.99), lat[len(lat)-1].Round(time.Millisecond),
		cpu.Round(time.Millisecond), wall.Round(time.Millisecond), cpu.Seconds()/wall.Seconds())
}

// cpuTime is this process's user + system CPU.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
