package app_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"tenderdesk/internal/auth"
	"tenderdesk/internal/store/storetest"
)

// Issue 15: while PostgreSQL is unreachable every answer is a 503 with
// Retry-After (the API's error code "unavailable", the console's own page),
// never a 500 and never a panic; /healthz stays 200 and /readyz says why.
// When the database is back the same process serves again within seconds,
// without a restart. An appeal retried with the same Idempotency-Key across
// the outage is registered once, also when the commit happened and only
// its acknowledgement was lost. The database is the real one, behind a TCP
// proxy the test cuts (storetest.PGProxy).
func TestPostgresOutageAnswers503AndRecovers(t *testing.T) {
	via, dsn, proxy := storetest.ProxiedPostgres(t) // skips without TENDERDESK_TEST_POSTGRES
	d := boot(t, via)
	direct, err := sql.Open("pgx", dsn) // the test's own view, around the proxy
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()
	appeals := func() int {
		var n int
		if err := direct.QueryRow("SELECT count(*) FROM appeals").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	byKey := func(key string) (int, string) {
		var n int
		var number sql.NullString
		if err := direct.QueryRow(`SELECT count(*), max(a.number) FROM idempotency_keys k JOIN appeals a ON a.id = k.appeal_id WHERE k.key = $1`, key).Scan(&n, &number); err != nil {
			t.Fatal(err)
		}
		return n, number.String
	}

	op := d.user("op", auth.RoleOperator, "", "")
	var number string
	for i := 0; i < 5; i++ {
		number, _ = d.register(op, map[string]any{"channel": "phone", "description": fmt.Sprintf("Не открывается лот %d", i)})
	}
	session, _, err := d.App.Auth.Login(context.Background(), "admin", adminPassword, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	console := func(lang string) (reply, error) {
		return d.send("GET", "/?lang="+lang, "", nil, "Cookie", "td_session="+session)
	}
	if r, err := console("ru"); err != nil || r.Status >= 500 {
		t.Fatalf("console before the outage: %v %v", r.Status, err)
	}
	before := appeals()

	// The outage: every connection cut, new ones refused.
	keyA := "outage-retry-" + number
	bodyA := appeal(map[string]any{"channel": "phone", "description": "Повтор через отказ базы данных"})
	proxy.Cut()
	counts := map[string]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	end := time.Now().Add(3 * time.Second)
	type call struct {
		name, method, path string
		body               any
		hdr                []string
	}
	calls := []call{
		{"POST appeal (same key)", "POST", "/api/v1/appeals", bodyA, []string{"Idempotency-Key", keyA}},
		{"POST appeal (no key)", "POST", "/api/v1/appeals", appeal(nil), nil},
		{"GET appeal", "GET", "/api/v1/appeals/" + number, nil, nil},
		{"GET journal", "GET", "/api/v1/journal", nil, nil},
		{"GET /readyz", "GET", "/readyz", nil, nil},
	}
	slowest := time.Duration(0)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := g; time.Now().Before(end); i++ {
				var r reply
				var err error
				start := time.Now()
				name := ""
				switch k := i % (len(calls) + 2); {
				case k < len(calls):
					c := calls[k]
					name = c.name
					tok := op
					if c.path == "/readyz" {
						tok = ""
					}
					r, err = d.send(c.method, c.path, tok, c.body, c.hdr...)
				case k == len(calls):
					name = "console page"
					r, err = console([]string{"ru", "kk", "en"}[i%3])
				default:
					name = "GET /healthz"
					r, err = d.send("GET", "/healthz", "", nil)
				}
				took := time.Since(start)
				mu.Lock()
				if took > slowest {
					slowest = took
				}
				switch {
				case err != nil:
					counts["transport error"]++
					t.Errorf("%s during the outage: %v", name, err)
				case name == "GET /healthz":
					counts[fmt.Sprintf("%s %d", name, r.Status)]++
					if r.Status != http.StatusOK {
						t.Errorf("/healthz during the outage: %s", r)
					}
				default:
					counts[fmt.Sprintf("%s %d", name, r.Status)]++
					counts[fmt.Sprintf("%d", r.Status)]++
					if r.Status != http.StatusServiceUnavailable || r.Header.Get("Retry-After") != "5" {
						t.Errorf("%s during the outage: want 503 with Retry-After 5, got %s (Retry-After %q)", name, r, r.Header.Get("Retry-After"))
					} else if strings.HasPrefix(name, "GET /readyz") {
						if !strings.Contains(string(r.Raw), `"reason":"database unreachable`) {
							t.Errorf("/readyz does not say why: %s", r.Raw)
						}
					} else if name == "console page" {
						if !strings.Contains(string(r.Raw), "База данных недоступна") && !strings.Contains(string(r.Raw), "Дерекқор қолжетімсіз") &&
							!strings.Contains(string(r.Raw), "The database is unavailable") {
							t.Errorf("console page during the outage does not say the database is unavailable: %.300s", r.Raw)
						}
					} else if e, _ := r.JSON["error"].(map[string]any); e["code"] != "unavailable" {
						t.Errorf("%s during the outage: error code %v, want unavailable: %s", name, e["code"], r)
					}
				}
				mu.Unlock()
			}
		}(g)
	}
	wg.Wait()
	total := counts["503"] + counts["500"] + counts["GET /healthz 200"] + counts["transport error"]
	t.Logf("outage (refused), 3 s, 4 clients: %d answers %v; slowest %v", total, counts, slowest.Round(time.Millisecond))
	if counts["500"] != 0 || counts["503"] == 0 {
		t.Errorf("during the outage: %v", counts)
	}
	if n := appeals(); n != before {
		t.Errorf("appeals during the outage: %d → %d", before, n)
	}

	// Back: the same process serves again, the retried key registers once.
	proxy.Restore()
	back := time.Now()
	first := untilAnswered(t, d, op, bodyA, keyA)
	recovered := time.Since(back)
	t.Logf("recovered %v after the database came back", recovered.Round(time.Millisecond))
	if first.Status != http.StatusCreated {
		t.Errorf("first success after the outage: want 201 (nothing was registered during it), got %s", first)
	}
	again := d.must(d.req("POST", "/api/v1/appeals", op, bodyA, "Idempotency-Key", keyA), http.StatusOK)
	if again.Header.Get("Idempotent-Replayed") != "true" || again.str("number") != first.str("number") {
		t.Errorf("the retried key: %s, first %s", again, first)
	}
	if n, _ := byKey(keyA); n != 1 {
		t.Errorf("key %s: %d appeals, want 1", keyA, n)
	}
	d.must(d.req("GET", "/api/v1/appeals/"+number, op, nil), http.StatusOK)
	d.must(d.req("GET", "/readyz", "", nil), http.StatusOK)
	if r, err := console("en"); err != nil || r.Status >= 500 {
		t.Errorf("console after the outage: %v %v", r.Status, err)
	}

	// The commit happens, its acknowledgement is lost: the desk answers
	// 503 (it cannot know), the client retries with the same key.
	keyB := "outage-commit-lost-" + number
	bodyB := appeal(map[string]any{"channel": "phone", "description": "Ответ о фиксации потерян"})
	cutDone := proxy.Arm(keyB)
	lost := d.req("POST", "/api/v1/appeals", op, bodyB, "Idempotency-Key", keyB)
	select {
	case <-cutDone:
	case <-time.After(2 * time.Second):
		t.Fatalf("the proxy never saw the COMMIT of key %s; answer %s", keyB, lost)
	}
	if lost.Status != http.StatusServiceUnavailable || lost.Header.Get("Retry-After") != "5" {
		t.Errorf("the answer whose commit acknowledgement was lost: want 503 with Retry-After, got %s", lost)
	}
	committed, numberB := byKey(keyB)
	if committed != 1 {
		t.Fatalf("the cut came before the commit (%d appeals with key %s): the case is not the lost acknowledgement", committed, keyB)
	}
	if r := d.req("POST", "/api/v1/appeals", op, bodyB, "Idempotency-Key", keyB); r.Status != http.StatusServiceUnavailable {
		t.Errorf("retry while still down: %s", r)
	}
	proxy.Restore()
	back = time.Now()
	retried := untilAnswered(t, d, op, bodyB, keyB)
	t.Logf("commit-lost retry answered %d %s after %v", retried.Status, retried.str("number"), time.Since(back).Round(time.Millisecond))
	if retried.Status != http.StatusOK || retried.Header.Get("Idempotent-Replayed") != "true" || retried.str("number") != numberB {
		t.Errorf("retry of the committed appeal: want 200 replay of %s, got %s", numberB, retried)
	}
	if n, _ := byKey(keyB); n != 1 {
		t.Errorf("key %s: %d appeals, want 1", keyB, n)
	}

	// A dead host that accepts and never answers: the desk gives up after
	// connect_timeout (5 s) with a 503 instead of hanging the request.
	proxy.Hang()
	// The connections still pooled fail at once (the proxy closed them);
	// the first request that has to dial waits for connect_timeout.
	var took time.Duration
	for i := 0; i < 60 && took < time.Second; i++ {
		start := time.Now()
		r := d.req("GET", "/api/v1/journal", op, nil)
		took = time.Since(start)
		if r.Status != http.StatusServiceUnavailable || r.Header.Get("Retry-After") != "5" {
			t.Errorf("against a hanging database: %s", r)
		}
	}
	t.Logf("hanging database: the request that dialed answered 503 after %v", took.Round(time.Millisecond))
	if took < 4*time.Second || took > 12*time.Second {
		t.Errorf("a request against a hanging database took %v; want connect_timeout, 5 s", took)
	}
	proxy.Restore()
	deadline := time.Now().Add(15 * time.Second)
	for {
		r := d.req("GET", "/api/v1/journal", op, nil)
		if r.Status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not recovered after the hang: %s", r)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n := appeals(); n != before+2 {
		t.Errorf("appeals: %d before, %d after; want exactly 2 more (one per key)", before, n)
	}
}

// untilAnswered posts body with key until the desk answers anything but
// 503 (the database is back), failing on a transport error, on any other
// 5xx, or after 15 s.
func untilAnswered(t *testing.T, d *desk, token string, body any, key string) reply {
	t.Helper()
	start := time.Now()
	for {
		r := d.req("POST", "/api/v1/appeals", token, body, "Idempotency-Key", key)
		switch {
		case r.Status < 500:
			return r
		case r.Status != http.StatusServiceUnavailable:
			t.Fatalf("after the restore: %s", r)
		case time.Since(start) > 15*time.Second:
			t.Fatalf("not recovered 15 s after the database came back: %s", r)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Issue 15: a full SQLite database (PRAGMA max_page_count caps the file as
// a full disk would; a real size-limited file system needs a mount, i.e.
// root) refuses registration with 503 naming unavailable, never a 500;
// reading goes on; once there is room again the same process registers.
func TestSQLiteFullAnswers503AndRecovers(t *testing.T) {
	d := boot(t, filepath.Join(t.TempDir(), "data"))
	op := d.user("op", auth.RoleOperator, "", "")
	number, _ := d.register(op, map[string]any{"channel": "phone"})
	ctx := context.Background()
	w := d.App.DB.W // one connection: the pragma holds for every write
	var pages int
	if err := w.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := w.ExecContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", pages)); err != nil {
		t.Fatal(err)
	}
	// Free room inside the file's pages is used up first; then it is full.
	created, full := 0, 0
	statuses := map[int]int{}
	key := "full-disk-" + number
	body := appeal(map[string]any{"channel": "phone", "description": "Диск заполнен"})
	for i := 0; i < 400 && full < 5; i++ {
		var r reply
		if full > 0 {
			r = d.req("POST", "/api/v1/appeals", op, body, "Idempotency-Key", key) // the same request, retried
		} else {
			r = d.req("POST", "/api/v1/appeals", op, appeal(map[string]any{"channel": "phone", "description": fmt.Sprintf("Заполнение %d: %s", i, strings.Repeat("текст ", 100))}))
		}
		statuses[r.Status]++
		switch r.Status {
		case http.StatusCreated:
			if full > 0 {
				t.Fatalf("registered after the database was full: %s", r)
			}
			created++
		case http.StatusServiceUnavailable:
			full++
			if e, _ := r.JSON["error"].(map[string]any); e["code"] != "unavailable" || r.Header.Get("Retry-After") != "5" {
				t.Errorf("full database: want code unavailable with Retry-After 5, got %s (Retry-After %q)", r, r.Header.Get("Retry-After"))
			}
		default:
			t.Fatalf("full database: %s", r)
		}
	}
	t.Logf("capped at %d pages: %d registered, then %v", pages, created, statuses)
	if full == 0 || statuses[http.StatusInternalServerError] != 0 {
		t.Fatalf("the capped database never filled: %v", statuses)
	}
	// Reads do not need room.
	d.must(d.req("GET", "/api/v1/appeals/"+number, op, nil), http.StatusOK)
	d.must(d.req("GET", "/api/v1/journal", op, nil), http.StatusOK)
	d.must(d.req("GET", "/healthz", "", nil), http.StatusOK)

	// Room again: the retried request registers, once.
	if _, err := w.ExecContext(ctx, "PRAGMA max_page_count = 1073741823"); err != nil {
		t.Fatal(err)
	}
	r := d.must(d.req("POST", "/api/v1/appeals", op, body, "Idempotency-Key", key), http.StatusCreated)
	again := d.must(d.req("POST", "/api/v1/appeals", op, body, "Idempotency-Key", key), http.StatusOK)
	if again.str("number") != r.str("number") {
		t.Errorf("the retried key: %s then %s", r, again)
	}
	d.register(op, map[string]any{"channel": "phone"})
}
