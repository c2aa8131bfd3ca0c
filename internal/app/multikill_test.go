package app_test

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"tenderdesk/internal/iin"
	"tenderdesk/internal/notify/notifytest"
	"tenderdesk/internal/store/storetest"
)

// Issue 15, "How we will know it works": three `tenderdesk serve`
// processes (the real binary) on one PostgreSQL, a real SMTP sink, and a
// bounded load of registrations (an Idempotency-Key on each, retried on
// another process after a connection error), transitions (analyse,
// confirm), plan applies and outbox deliveries. The file's two tests are
// the two faults of the issue: a process killed with SIGKILL mid-apply and
// mid-delivery, and PostgreSQL gone for 20 s. The checks after either are
// the same (cluster.check): every appeal answered 201 is in the Journal,
// the numbers are unique and gap-free, each key made one appeal, each plan
// was applied once and no deadline moved twice, each notice reached each
// recipient once (docs/notifications.md: at least once, deduplicated by
// Message-ID; a second copy is allowed only for a row whose sender died
// between the relay's 250 and recording it), and `audit verify` passes.
// There are no timed assertions: the bounds are the client's timeout.

const clientTimeout = 20 * time.Second

// cluster is the desk's processes and the test's bookkeeping.
type cluster struct {
	t      *testing.T
	dsn    string // what the desks connect to (maybe through a proxy)
	flags  []string
	direct *sql.DB // the test's own view of the database

	mu    sync.Mutex
	procs []*proc
	dead  []bool

	admin, portal string

	// held is the email rows (message_id) a sender held when it was
	// killed or lost the database: the only ones allowed a second copy.
	held map[string]bool

	acked   sync.Map // number → key, answered 201 (or 200 replayed)
	keys    sync.Map // key → number
	answers sync.Map // "status" → *atomic.Int64
	hung    atomic.Int64
}

func (c *cluster) count(what string) {
	v, _ := c.answers.LoadOrStore(what, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
}

func (c *cluster) counts() map[string]int64 {
	m := map[string]int64{}
	c.answers.Range(func(k, v any) bool { m[k.(string)] = v.(*atomic.Int64).Load(); return true })
	return m
}

func (c *cluster) start(i int) {
	c.t.Helper()
	p := serveWith(c.t, c.dsn, c.flags...)
	p.hc.Timeout = clientTimeout
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.procs) <= i {
		c.procs, c.dead = append(c.procs, nil), append(c.dead, true)
	}
	c.procs[i], c.dead[i] = p, false
}

// kill SIGKILLs process i (marked dead first, so the load goes elsewhere).
func (c *cluster) kill(i int) {
	c.t.Helper()
	c.mu.Lock()
	p := c.procs[i]
	c.dead[i] = true
	c.mu.Unlock()
	if code := p.stop(syscall.SIGKILL); code != -1 {
		c.t.Errorf("process %d: exit code %d after SIGKILL", i, code)
	}
	c.hold()
}

// hold adds the email rows now leased (pending, attempted, not due before
// the lease ends) to held: taken right after a kill or a cut, they are
// what the dead sender held (and what the live ones were sending then: an
// over-approximation, said in the report).
func (c *cluster) hold() {
	c.t.Helper()
	rows, err := c.direct.Query(`SELECT message_id FROM outbox WHERE channel = 'email' AND status = 'pending' AND attempts > 0 AND next_attempt_at > now() + interval '1 minute'`)
	if err != nil {
		c.t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			c.t.Fatal(err)
		}
		c.held[id] = true
	}
}

// pick is the n-th live process (round robin), and whether it is still live.
func (c *cluster) pick(n int) (int, *proc) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range len(c.procs) {
		i := (n + k) % len(c.procs)
		if !c.dead[i] {
			return i, c.procs[i]
		}
	}
	c.t.Fatal("no live process")
	return 0, nil
}

func (c *cluster) isDead(i int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dead[i]
}

// call sends a request to a live process from start on and, on a
// connection error of a process that was killed (or a 503 while the
// database is away), again to the next one, until until passes. A
// transport error of a live process is a hung or broken request: an error.
func (c *cluster) call(start int, until time.Time, method, path, token string, body any, hdr ...string) (reply, bool) {
	for n := start; ; n++ {
		i, p := c.pick(n)
		r, err := p.send(method, path, token, body, hdr...)
		switch {
		case err != nil && c.isDead(i):
			c.count("connection error (killed process)")
		case err != nil:
			c.hung.Add(1)
			c.t.Errorf("%s %s on live process %d: %v (a request not answered within %v)", method, path, i, err, clientTimeout)
			return r, false
		case r.Status == http.StatusServiceUnavailable:
			c.count("503")
			if r.Header.Get("Retry-After") == "" {
				c.t.Errorf("%s %s: 503 without Retry-After: %s", method, path, r)
			}
			time.Sleep(200 * time.Millisecond)
		case r.Status >= 500:
			c.t.Errorf("%s %s on process %d: %s", method, path, i, r)
			return r, false
		default:
			c.count(fmt.Sprint(r.Status))
			return r, true
		}
		if time.Now().After(until) {
			c.t.Errorf("%s %s: still no answer but 503 or a connection error at the end of the load", method, path)
			return r, false
		}
	}
}

// load runs clients registering per appeals each (every 4th followed by
// analyse and confirm of its incident), spread over the processes.
func (c *cluster) load(clients, per int, pace time.Duration, until time.Time) *sync.WaitGroup {
	var wg sync.WaitGroup
	now := time.Now().Truncate(time.Minute)
	for cl := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				key := fmt.Sprintf("load-%d-%d", cl, i)
				body, _ := json.Marshal(appeal(map[string]any{
					"description":   fmt.Sprintf("Нагрузка трёх процессов: клиент %d, обращение %d", cl, i),
					"contact_email": fmt.Sprintf("r%d-%d@example.kz", cl, i), "announcements": []string{fmt.Sprintf("L%d-%d", cl, i)}}))
				r, ok := c.call(cl+i, until.Add(time.Minute), "POST", "/api/v1/appeals", c.admin, body, "Idempotency-Key", key)
				if !ok {
					return
				}
				if r.Status != http.StatusCreated && !(r.Status == http.StatusOK && r.Header.Get("Idempotent-Replayed") == "true") {
					c.t.Errorf("register %s: %s", key, r)
					return
				}
				n := r.str("number")
				if prev, dup := c.acked.LoadOrStore(n, key); dup {
					c.t.Errorf("number %s answered for keys %v and %s", n, prev, key)
				}
				c.keys.Store(key, n)
				time.Sleep(pace)
				if time.Now().After(until) {
					return
				}
				if i%4 != 0 {
					continue
				}
				inc := fmt.Sprintf("/api/v1/incidents/%d/", int64(r.JSON["incident_id"].(float64)))
				for _, step := range []struct {
					action string
					body   map[string]any
				}{{"analyse", map[string]any{}}, {"confirm", map[string]any{"criticality": "low", "cause": "operator_staff_error",
					"failure_started_at": now.Add(-time.Hour).Format(time.RFC3339), "planned_fix_at": now.Add(time.Hour).Format(time.RFC3339),
					"modules": []string{"tenders"}}}} {
					r, ok := c.call(cl+i+1, until.Add(time.Minute), "POST", inc+step.action, c.admin, step.body)
					if !ok {
						return
					}
					// 409: already done (an earlier try whose answer was lost, or
					// the incident this appeal joined was confirmed by another).
					if r.Status != http.StatusOK && r.Status != http.StatusConflict {
						c.t.Errorf("%s %s: %s", step.action, inc, r)
					}
				}
				if time.Now().After(until) {
					return
				}
			}
		}()
	}
	return &wg
}

// planIncident imports n procedures of module whose bids end inside the
// failure (each with its own bidder, so the apply fans out n notices) and
// registers, analyses and confirms a high failure of that module.
func (c *cluster) planIncident(module string, n int) string {
	c.t.Helper()
	now := time.Now().Truncate(time.Minute)
	var b strings.Builder
	for i := range n {
		at := now.Add(-30 * time.Minute)
		fmt.Fprintf(&b, `{"external_id":"%s-P%d","announcement":"%s-%d","lots":["1"],"method":"tender","customer":"990140000123","module":%q,`+
			`"participants":[{"supplier":%q,"email":"b-%s-%d@example.kz","language":"kk"}],`+
			`"deadlines":[{"kind":"bids_end","lot":"1","at":%q},{"kind":"complaints_end","lot":"1","at":%q}]}`+"\n",
			module, i, module, i, module, bin(int(module[len(module)-1])*10000+i), module, i, at.Format(time.RFC3339), at.Add(48*time.Hour).Format(time.RFC3339))
	}
	_, p := c.pick(0)
	r := p.must(p.req("POST", "/api/v1/procedures/import", c.portal, b.String(), "Content-Type", "application/x-ndjson"), http.StatusOK)
	if r.JSON["inserted"] != float64(n) {
		c.t.Fatalf("import %s: %s", module, r)
	}
	reg := p.must(p.req("POST", "/api/v1/appeals", c.admin, appeal(map[string]any{"module": module,
		"contact_email": "plan-" + module + "@example.kz"}), "Idempotency-Key", "plan-"+module), http.StatusCreated)
	c.acked.Store(reg.str("number"), "plan-"+module)
	c.keys.Store("plan-"+module, reg.str("number"))
	inc := fmt.Sprintf("/api/v1/incidents/%d/", int64(reg.JSON["incident_id"].(float64)))
	p.must(p.req("POST", inc+"analyse", c.admin, map[string]any{}), http.StatusOK)
	p.must(p.req("POST", inc+"confirm", c.admin, map[string]any{"criticality": "high", "cause": "operator_staff_error",
		"failure_started_at": now.Add(-time.Hour).Format(time.RFC3339), "planned_fix_at": now.Add(time.Hour).Format(time.RFC3339),
		"modules": []string{module}}), http.StatusOK)
	return inc
}

// bin is a valid BIN (control digit) made of n.
func bin(n int) string {
	for k := n; ; k += 1000000 {
		for d := '0'; d <= '9'; d++ {
			if s := fmt.Sprintf("98%09d%c", k, d); iin.Validate(s) == nil {
				return s
			}
		}
	}
}

// apply posts the incident's apply to process start (or the next live one
// after a connection error) and returns the answer's status.
func (c *cluster) apply(start int, inc string) int {
	r, ok := c.call(start, time.Now().Add(2*time.Minute), "POST", inc+"apply", c.admin, nil)
	if !ok {
		return 0
	}
	if r.Status != http.StatusCreated && r.Status != http.StatusOK {
		c.t.Errorf("apply %s: %s", inc, r)
	}
	return r.Status
}

func newCluster(t *testing.T, dsn, direct string, sink *notifytest.Sink) *cluster {
	db, err := sql.Open("pgx", direct)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := &cluster{t: t, dsn: dsn, direct: db, held: map[string]bool{}, flags: []string{"--smtp-relay", sink.URL(), "--mail-from", "support@desk.test",
		"--files-dir", t.TempDir(), "--clock-tick", "1s"}}
	for i := range 3 { // one after the other: the first makes the outbox key in the shared files directory
		c.start(i)
	}
	c.admin = c.procs[0].Admin
	c.procs[0].cli(0, "user", "add", "--login", "portal", "--role", "portal")
	c.portal = strings.TrimSpace(c.procs[0].cli(0, "token", "create", "--login", "portal", "--label", "multi"))
	return c
}

// drain lets the outbox finish: first the live processes deliver every
// row but the held ones; then the held rows still pending (a dead
// sender's, leased for 5 minutes, which the test does not wait for) are
// made due now, as if the 5 minutes had passed, and go out again.
func (c *cluster) drain(sink *notifytest.Sink) {
	c.t.Helper()
	sink.Slow(0)
	held := make([]string, 0, len(c.held))
	for id := range c.held {
		held = append(held, id)
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		var others, mine, failed int
		if err := c.direct.QueryRow(`SELECT count(*) FILTER (WHERE status = 'pending' AND NOT message_id = ANY($1)),
			count(*) FILTER (WHERE status = 'pending' AND message_id = ANY($1)), count(*) FILTER (WHERE status = 'failed')
			FROM outbox WHERE channel = 'email'`, held).Scan(&others, &mine, &failed); err != nil {
			c.t.Fatal(err)
		}
		if failed > 0 {
			c.t.Fatalf("%d email rows failed", failed)
		}
		if others+mine == 0 {
			return
		}
		if others == 0 && sink.InFlight() == 0 {
			if _, err := c.direct.Exec(`UPDATE outbox SET next_attempt_at = now() WHERE channel = 'email' AND status = 'pending' AND message_id = ANY($1)`, held); err != nil {
				c.t.Fatal(err)
			}
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("email rows still pending after the load: %d not held by a dead sender, %d held", others, mine)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// check is the list, on the database and the SMTP sink; inFlight
// is the Message-IDs a killed process held when it died.
func (c *cluster) check(sink *notifytest.Sink, plans []string) {
	t := c.t
	t.Helper()
	q := func(query string, args ...any) *sql.Rows {
		rows, err := c.direct.Query(query, args...)
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	// Every acknowledged appeal is in the Journal; numbers unique, gap-free.
	var numbers []string
	stored := map[string]bool{}
	rows := q(`SELECT number FROM appeals`)
	for rows.Next() {
		var n string
		rows.Scan(&n)
		numbers = append(numbers, n)
		stored[n] = true
	}
	rows.Close()
	acked := 0
	c.acked.Range(func(n, key any) bool {
		acked++
		if !stored[n.(string)] {
			t.Errorf("appeal %s (key %s) was answered 201 but is not in the Journal", n, key)
		}
		return true
	})
	assertGapFree(t, numbers, thisYear(t))
	// Each key made one appeal, the one it was answered with.
	rows = q(`SELECT k.key, count(*), min(a.number) FROM idempotency_keys k JOIN appeals a ON a.id = k.appeal_id GROUP BY k.key`)
	keyed := 0
	for rows.Next() {
		var key, n string
		var cnt int
		rows.Scan(&key, &cnt, &n)
		keyed++
		if cnt != 1 {
			t.Errorf("key %s: %d appeals", key, cnt)
		}
		if got, ok := c.keys.Load(key); ok && got != n {
			t.Errorf("key %s answered %s, stored %s", key, got, n)
		}
	}
	rows.Close()
	if keyed != len(numbers) {
		t.Errorf("%d appeals, %d with an idempotency key: every registration here sent one", len(numbers), keyed)
	}
	// Each plan applied once; no deadline moved twice; deadlines in force
	// are what the one plan set.
	var plans1, changes, moved int
	for _, inc := range plans {
		var id int64
		fmt.Sscanf(inc, "/api/v1/incidents/%d/", &id)
		var n int
		c.direct.QueryRow(`SELECT count(*) FROM applied_plans WHERE incident_id = $1 AND status = 'applied'`, id).Scan(&n)
		if n != 1 {
			t.Errorf("incident %d: %d applied plans, want 1", id, n)
		} else {
			plans1++
		}
	}
	rows = q(`SELECT procedure_id, kind, lot, supplier, count(*) FROM plan_changes WHERE new_at IS NOT NULL GROUP BY 1, 2, 3, 4 HAVING count(*) > 1`)
	for rows.Next() {
		var pid int64
		var kind, lot, sup string
		var n int
		rows.Scan(&pid, &kind, &lot, &sup, &n)
		t.Errorf("deadline %d/%s/%s/%s moved %d times", pid, kind, lot, sup, n)
	}
	rows.Close()
	c.direct.QueryRow(`SELECT count(*), count(*) FILTER (WHERE d.at = c.new_at) FROM plan_changes c JOIN procedure_deadlines d
		ON d.procedure_id = c.procedure_id AND d.kind = c.kind AND d.lot = c.lot AND d.supplier = c.supplier WHERE c.new_at IS NOT NULL`).Scan(&changes, &moved)
	if changes == 0 || moved != changes {
		t.Errorf("plan changes %d, deadlines in force at the planned value %d", changes, moved)
	}
	// Each email notice reached its recipient: once, or twice only for a
	// row a killed sender held (same Message-ID, docs/notifications.md).
	got := map[string]int{}
	for _, m := range sink.Messages() {
		got[strings.ToLower(m.To)+" "+m.MessageID]++
	}
	rows = q(`SELECT to_address, message_id FROM outbox WHERE channel = 'email'`)
	emails, twice := 0, 0
	want := map[string]bool{}
	for rows.Next() {
		var to, raw string
		rows.Scan(&to, &raw)
		id := strings.Trim(raw, "<>")
		k := strings.ToLower(to) + " " + id
		want[k] = true
		emails++
		switch n := got[k]; {
		case n == 1:
		case n == 2 && c.held[raw]:
			twice++
		default:
			t.Errorf("notice %s to %s: %d copies received (held by a dead sender: %v)", id, to, n, c.held[raw])
		}
	}
	rows.Close()
	for k, n := range got {
		if !want[k] {
			t.Errorf("the sink got %d messages %s that are no outbox row", n, k)
		}
	}
	t.Logf("checked: %d appeals (%d acknowledged to the clients), %d plans applied once, %d deadlines moved once, "+
		"%d email notices each received once (%d twice, held by a killed sender at its death; %d rows were held then); answers %v",
		len(numbers), acked, plans1, changes, emails-twice, twice, len(c.held), c.counts())
	if emails == 0 {
		t.Error("no email notices: the load delivered nothing")
	}
	_, p := c.pick(0)
	if out := p.cli(0, "audit", "verify"); !strings.Contains(out, "audit trail intact") {
		t.Errorf("audit verify: %s", out)
	}
}

// Three processes; one SIGKILLed while an apply is in flight (then
// restarted), another while deliveries are in flight (not restarted).
func TestThreeProcessesSurviveSIGKILL(t *testing.T) {
	t.Parallel()
	dsn := storetest.PostgresURL(t) // skips without TENDERDESK_TEST_POSTGRES (fails under CI)
	sink := notifytest.Start(t)
	c := newCluster(t, dsn, dsn, sink)
	plans := []string{c.planIncident("mk0", 1000), c.planIncident("mk1", 1000), c.planIncident("mk2", 1000)}
	sink.Slow(40 * time.Millisecond) // 8 conversations per process: deliveries stay in flight

	until := time.Now().Add(25 * time.Second)
	wg := c.load(8, 40, 150*time.Millisecond, until)

	// Mid-apply: process 1 gets the apply and dies while it runs (the
	// apply's batched INSERT INTO plan_changes seen in pg_stat_activity,
	// else after 2 s); the client retries on the next process.
	applied := make(chan int, 1)
	go func() { applied <- c.apply(1, plans[0]) }()
	midApply := false
	for end := time.Now().Add(2 * time.Second); time.Now().Before(end) && !midApply; time.Sleep(5 * time.Millisecond) {
		var n int
		c.direct.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state <> 'idle' AND query ILIKE 'INSERT INTO plan_changes%'`).Scan(&n)
		midApply = n > 0
	}
	c.kill(1)
	var committed int
	c.direct.QueryRow(`SELECT count(*) FROM applied_plans WHERE status = 'applied'`).Scan(&committed)
	status := <-applied
	t.Logf("SIGKILL of process 1 during the apply (its INSERT INTO plan_changes seen running: %v): %d plans committed at the kill; the retry on another process answered %d",
		midApply, committed, status)
	c.start(1) // restarted on a new port
	if s := c.apply(2, plans[0]); s != http.StatusOK {
		t.Errorf("applying plan 0 again: %d, want 200 (already in force)", s)
	}
	c.apply(0, plans[1])
	c.apply(1, plans[2])

	// Mid-delivery: process 2 dies while the sink holds messages.
	for end := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if sink.InFlight() >= 4 || time.Now().After(end) {
			t.Logf("SIGKILL of process 2 with %d messages in flight at the sink, %d received", sink.InFlight(), sink.Count())
			c.kill(2)
			break
		}
	}
	wg.Wait()
	c.drain(sink)
	c.check(sink, plans)
}

// Three processes under load; every connection to PostgreSQL cut for 20 s
// (storetest.PGProxy: the connections dropped and new ones refused, which
// is what the desks see when the server stops), then let through again.
// Meanwhile every request is answered (503 with Retry-After, within the
// client's timeout), /readyz of each process says the database is
// unreachable, and afterwards all three serve again without a restart.
// Each notice arrives exactly once: no sender died.
func TestThreeProcessesRideOutPostgresStop(t *testing.T) {
	t.Parallel()
	via, direct, proxy := storetest.ProxiedPostgres(t) // skips without TENDERDESK_TEST_POSTGRES
	sink := notifytest.Start(t)
	c := newCluster(t, via, direct, sink)
	plans := []string{c.planIncident("mo0", 1000), c.planIncident("mo1", 1000)}
	sink.Slow(40 * time.Millisecond)

	until := time.Now().Add(40 * time.Second)
	wg := c.load(8, 40, 500*time.Millisecond, until)
	c.apply(0, plans[0])
	time.Sleep(2 * time.Second)

	proxy.Cut()
	stopped := time.Now()
	// No sender dies here: a batch the relay accepted is recorded once the
	// database is back (notify.Worker waits for it while the lease lasts),
	// so no notice may arrive twice (c.held stays empty).
	t.Log("PostgreSQL unreachable (every desk connection cut, new ones refused) for 20 s")
	apply := make(chan int, 1)
	go func() { apply <- c.apply(1, plans[1]) }() // 503 until the database is back, then applied
	var wgReady sync.WaitGroup
	readyz := map[int]string{}
	var rmu sync.Mutex
	for i, p := range c.procs {
		wgReady.Add(1)
		go func() {
			defer wgReady.Done()
			for time.Since(stopped) < 18*time.Second {
				r, err := p.send("GET", "/readyz", "", nil)
				switch {
				case err != nil:
					t.Errorf("/readyz of process %d during the stop: %v", i, err)
					return
				case r.Status != http.StatusServiceUnavailable || !strings.Contains(string(r.Raw), `"reason":"database unreachable`):
					if time.Since(stopped) > 3*time.Second { // a ping may still win before the cut is seen
						t.Errorf("/readyz of process %d during the stop: %s", i, r)
						return
					}
				default:
					rmu.Lock()
					readyz[i] = string(r.Raw)
					rmu.Unlock()
				}
				time.Sleep(500 * time.Millisecond)
			}
		}()
	}
	wgReady.Wait()
	time.Sleep(time.Until(stopped.Add(20 * time.Second)))
	var during int
	c.direct.QueryRow(`SELECT count(*) FROM appeals`).Scan(&during)
	proxy.Restore()
	t.Logf("PostgreSQL back after %v; /readyz said %v", time.Since(stopped).Round(time.Second), readyz)
	if len(readyz) != 3 {
		t.Errorf("/readyz said why on %d of 3 processes", len(readyz))
	}
	for i, p := range c.procs { // the same processes, not restarted
		for end := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
			r, err := p.send("GET", "/readyz", "", nil)
			if err == nil && r.Status == http.StatusOK {
				break
			}
			if time.Now().After(end) {
				t.Fatalf("process %d not ready 30 s after the database came back: %v %s", i, err, r)
			}
		}
	}
	if s := <-apply; s != http.StatusCreated {
		t.Errorf("the apply sent during the stop answered %d after it, want 201", s)
	}
	wg.Wait()
	if c.hung.Load() > 0 {
		t.Errorf("%d requests not answered within %v", c.hung.Load(), clientTimeout)
	}
	if n := c.counts()["503"]; n == 0 {
		t.Error("no 503 during the stop: the load did not meet it")
	}
	c.drain(sink)
	c.check(sink, plans)
	t.Logf("%d appeals in the database when it came back", during)
}
