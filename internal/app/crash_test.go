package app_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// SIGKILL while 16 clients post: after a restart every appeal answered 201
// is there, the numbers are distinct and gap-free (a batch commits whole or
// not at all), and `tenderdesk audit verify` passes.
func TestCrashKeepsAcknowledgedAppeals(t *testing.T) {
	t.Parallel()
	const clients, acks = 16, 300
	backends(t, func(t *testing.T, dsn string) {
		p := serve(t, dsn)
		var (
			mu      sync.Mutex
			acked   []string
			killed  atomic.Bool
			enough  = make(chan struct{})
			once    sync.Once
			wg      sync.WaitGroup
			results atomic.Int64
		)
		for c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					r, err := p.send("POST", "/api/v1/appeals", p.Admin, appeal(map[string]any{
						"description": fmt.Sprintf("Перед сбоем: клиент %d, обращение %d", c, i)}))
					if err == nil && r.Status == http.StatusCreated {
						mu.Lock()
						acked = append(acked, r.str("number"))
						mu.Unlock()
						if results.Add(1) >= acks {
							once.Do(func() { close(enough) })
						}
						continue
					}
					if !killed.Load() {
						t.Errorf("before the kill: %v %s", err, r)
						once.Do(func() { close(enough) })
					}
					return
				}
			}()
		}
		<-enough
		killed.Store(true)
		if code := p.stop(syscall.SIGKILL); code != -1 {
			t.Errorf("exit code after SIGKILL: %d", code)
		}
		wg.Wait()
		if t.Failed() {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		t.Logf("%d appeals acknowledged before SIGKILL", len(acked))

		q := serve(t, dsn)
		for _, n := range acked {
			r := q.must(q.req("GET", "/api/v1/appeals/"+n, q.Admin, nil), http.StatusOK)
			if r.JSON["appeal"].(map[string]any)["number"] != n {
				t.Fatalf("GET %s: %s", n, r)
			}
		}
		present := q.listJournal(q.Admin, url.Values{}, 500)
		if len(present) < len(acked) {
			t.Fatalf("%d appeals after restart, %d were acknowledged", len(present), len(acked))
		}
		assertGapFree(t, present, thisYear(t)) // also: no duplicates
		// The restarted desk keeps numbering after the last committed number.
		n, _ := q.register(q.Admin, nil)
		if want := fmt.Sprintf("%d-%06d", thisYear(t), len(present)+1); n != want {
			t.Errorf("first number after restart: %s, want %s", n, want)
		}
		if code := q.stop(syscall.SIGTERM); code != 0 {
			t.Errorf("exit code after SIGTERM: %d\n%s", code, q.stderr)
		}
		out := q.cli(0, "audit", "verify")
		if !strings.Contains(out, "audit trail intact") {
			t.Errorf("audit verify: %s", out)
		}
	})
}

// SIGTERM while requests are in flight: the server stops accepting
// connections, but every request it has begun is answered (201) and its
// appeal committed before the process exits 0.
func TestGracefulShutdownAnswersInFlight(t *testing.T) {
	t.Parallel()
	const inflight = 16
	backends(t, func(t *testing.T, dsn string) {
		p := serve(t, dsn)
		// Expect: 100-continue holds each body until its handler starts
		// reading it, so a request counts as in flight only once the server
		// has accepted it (a connection still in the accept queue when the
		// listener closes is refused, which is not what this test is about).
		hc := &http.Client{Transport: &http.Transport{ExpectContinueTimeout: 2 * time.Minute}}
		body, _ := json.Marshal(appeal(map[string]any{"description": "Запрос во время остановки"}))
		half := len(body) / 2
		type answer struct {
			status int
			number string
			err    error
		}
		answers := make(chan answer, inflight)
		rest := make([]*io.PipeWriter, inflight)
		for i := range inflight {
			pr, pw := io.Pipe()
			rest[i] = pw
			rq, _ := http.NewRequest("POST", p.Base+"/api/v1/appeals", pr)
			rq.Header.Set("Content-Type", "application/json")
			rq.Header.Set("Authorization", "Bearer "+p.Admin)
			rq.Header.Set("Expect", "100-continue")
			go func() {
				resp, err := hc.Do(rq)
				if err != nil {
					answers <- answer{err: err}
					return
				}
				defer resp.Body.Close()
				var reg struct{ Number string }
				err = json.NewDecoder(resp.Body).Decode(&reg)
				answers <- answer{resp.StatusCode, reg.Number, err}
			}()
			// Returns once the client has read it, which is after the
			// handler asked for the body: it now waits for the rest.
			if _, err := pw.Write(body[:half]); err != nil {
				t.Fatal(err)
			}
		}
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		// Shutdown has begun once the listener is closed.
		addr := strings.TrimPrefix(p.Base, "http://")
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(10 * time.Millisecond) {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				break
			}
			c.Close()
			if time.Now().After(deadline) {
				t.Fatal("the listener stayed open after SIGTERM")
			}
		}
		for _, pw := range rest {
			if _, err := pw.Write(body[half:]); err != nil {
				t.Fatal(err)
			}
			pw.Close()
		}
		var numbers []string
		for range inflight {
			a := <-answers
			if a.err != nil || a.status != http.StatusCreated {
				t.Errorf("in-flight request: status %d, %v", a.status, a.err)
				continue
			}
			numbers = append(numbers, a.number)
		}
		select {
		case <-p.exited:
		case <-time.After(time.Minute):
			t.Fatal("did not exit after finishing the in-flight requests")
		}
		if code := p.cmd.ProcessState.ExitCode(); code != 0 {
			t.Errorf("exit code %d after SIGTERM\n%s", code, p.stderr)
		}
		var page struct{ Rows []struct{ Number string } }
		if err := json.Unmarshal([]byte(p.cli(0, "journal", "list", "--json", "--limit", "500")), &page); err != nil {
			t.Fatal(err)
		}
		stored := map[string]bool{}
		for _, r := range page.Rows {
			stored[r.Number] = true
		}
		for _, n := range numbers {
			if !stored[n] {
				t.Errorf("appeal %s was answered 201 but is not in the Journal", n)
			}
		}
		assertGapFree(t, numbers, thisYear(t))
	})
}
