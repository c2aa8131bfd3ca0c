// Command tdload measures appeal registration over HTTP: C clients post
// appeals for D seconds (or N requests in all) and it prints throughput and
// p50/p99 latency. With -ceiling it measures instead the raw single-row
// INSERT loop on the same database with the same durability (the ceiling a
// registration can be compared with).
//
//	tdload -url http://127.0.0.1:8080 -token tdk_… -c 64 -d 10s
//	tdload -ceiling -db ./tenderdesk-data -d 10s
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"tenderdesk/internal/store"
)

func main() {
	var o options
	flag.StringVar(&o.url, "url", "http://127.0.0.1:8080", "base URL of the desk")
	flag.StringVar(&o.token, "token", os.Getenv("TENDERDESK_TOKEN"), "bearer token (env TENDERDESK_TOKEN)")
	flag.IntVar(&o.clients, "c", 16, "concurrent clients")
	flag.DurationVar(&o.dur, "d", 10*time.Second, "how long to run (ignored when -n is set)")
	flag.IntVar(&o.n, "n", 0, "total requests (0: run for -d)")
	flag.BoolVar(&o.ceiling, "ceiling", false, "measure a raw single-row INSERT loop on -db instead of HTTP")
	flag.StringVar(&o.db, "db", "", "with -ceiling: the database (directory for SQLite or postgres:// URL)")
	flag.BoolVar(&o.asJSON, "json", false, "print the result as JSON")
	flag.Parse()
	var r result
	var err error
	if o.ceiling {
		r, err = ceiling(context.Background(), o)
	} else {
		r, err = load(context.Background(), o)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tdload:", err)
		os.Exit(1)
	}
	if o.asJSON {
		json.NewEncoder(os.Stdout).Encode(r)
		return
	}
	fmt.Println(r)
}

type options struct {
	url, token, db string
	clients, n     int
	dur            time.Duration
	ceiling        bool
	asJSON         bool
}

type result struct {
	Mode       string  `json:"mode"`
	Clients    int     `json:"clients"`
	OK         int     `json:"ok"`
	Failed     int     `json:"failed"`
	Seconds    float64 `json:"seconds"`
	PerSecond  float64 `json:"per_second"`
	P50ms      float64 `json:"p50_ms"`
	P99ms      float64 `json:"p99_ms"`
	MaxMs      float64 `json:"max_ms"`
	FirstError string  `json:"first_error,omitempty"`
}

func (r result) String() string {
	s := fmt.Sprintf("%s clients=%d ok=%d failed=%d in %.2fs: %.0f/s p50=%.2fms p99=%.2fms max=%.2fms",
		r.Mode, r.Clients, r.OK, r.Failed, r.Seconds, r.PerSecond, r.P50ms, r.P99ms, r.MaxMs)
	if r.FirstError != "" {
		s += "\nfirst error: " + r.FirstError
	}
	return s
}

// run calls op from c goroutines until n calls in all (n > 0) or until d
// has passed, and summarizes the latencies of the successful calls.
func run(mode string, c, n int, d time.Duration, op func(client, i int) error) result {
	var (
		mu       sync.Mutex
		lat      []time.Duration
		failed   atomic.Int64
		firstErr atomic.Value
		issued   atomic.Int64
		wg       sync.WaitGroup
	)
	deadline := time.Now().Add(d)
	start := time.Now()
	for k := range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for {
				i := int(issued.Add(1))
				if (n > 0 && i > n) || (n == 0 && time.Now().After(deadline)) {
					break
				}
				t0 := time.Now()
				if err := op(k, i); err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	el := time.Since(start)
	slices.Sort(lat)
	q := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	r := result{Mode: mode, Clients: c, OK: len(lat), Failed: int(failed.Load()), Seconds: el.Seconds(),
		PerSecond: float64(len(lat)) / el.Seconds(), P50ms: q(0.50), P99ms: q(0.99), MaxMs: q(1)}
	if e, ok := firstErr.Load().(string); ok {
		r.FirstError = e
	}
	return r
}

// load posts appeals to the desk.
func load(ctx context.Context, o options) (result, error) {
	if o.token == "" {
		return result{}, errors.New("-token (or TENDERDESK_TOKEN) is required: tenderdesk token create --login …")
	}
	tr := &http.Transport{MaxIdleConnsPerHost: o.clients, MaxConnsPerHost: o.clients}
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	received := time.Now().Add(-time.Minute).Format(time.RFC3339)
	// One warm-up request checks the token and the URL before measuring.
	if err := postAppeal(ctx, hc, o, received, 0, 0); err != nil {
		return result{}, fmt.Errorf("warm-up: %w", err)
	}
	return run("http-register", o.clients, o.n, o.dur, func(client, i int) error {
		return postAppeal(ctx, hc, o, received, client, i)
	}), nil
}

func postAppeal(ctx context.Context, hc *http.Client, o options, received string, client, i int) error {
	body, _ := json.Marshal(map[string]any{
		"channel": "cabinet", "received_at": received, "organization": "ТОО «Нагрузка»", "bin": "123456789013",
		"contact_email": "load@example.kz", "description": fmt.Sprintf("Портал не принимает ценовое предложение, клиент %d, запрос %d", client, i),
		"module": "tenders", "announcements": []string{fmt.Sprintf("%d-1", 100000+i)}, "lots": []string{"1"},
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.url+"/api/v1/appeals", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+o.token)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("status %d: %s", resp.StatusCode, bytes.TrimSpace(b))
	}
	return nil
}

// ceiling is a raw single-row INSERT loop through the desk's own store
// (same pragmas: SQLite WAL with synchronous=FULL; PostgreSQL as configured,
// fsync on by default), each row its own committed transaction.
func ceiling(ctx context.Context, o options) (result, error) {
	if o.db == "" {
		return result{}, errors.New("-ceiling needs -db")
	}
	db, err := store.Open(ctx, o.db)
	if err != nil {
		return result{}, err
	}
	defer db.Close()
	if _, err := db.W.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS tdload_ceiling (id INTEGER PRIMARY KEY, at TEXT NOT NULL, payload TEXT NOT NULL)`); err != nil {
		return result{}, err
	}
	defer db.W.ExecContext(context.WithoutCancel(ctx), `DROP TABLE tdload_ceiling`)
	payload := "Портал не принимает ценовое предложение: ошибка подписи ЭЦП при подаче заявки на участие"
	return run("raw-insert-"+string(db.Dialect), o.clients, o.n, o.dur, func(client, i int) error {
		_, err := db.W.ExecContext(ctx, `INSERT INTO tdload_ceiling (id, at, payload) VALUES ($1, $2, $3)`,
			i, time.Now().UTC().Format(time.RFC3339Nano), payload)
		return err
	}), nil
}
