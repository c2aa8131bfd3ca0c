package app_test

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"
)

// postMany has clients goroutines post per appeals each through post and
// returns the numbers answered 201; any other answer fails the test.
func postMany(t *testing.T, clients, per int, post func(client, i int) (reply, error)) []string {
	t.Helper()
	var mu sync.Mutex
	var numbers []string
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				r, err := post(c, i)
				if err != nil || r.Status != http.StatusCreated {
					t.Errorf("client %d appeal %d: %v %s", c, i, err, r)
					return
				}
				mu.Lock()
				numbers = append(numbers, r.str("number"))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return numbers
}

// assertGapFree asserts numbers are exactly year-000001 … year-<len>.
func assertGapFree(t *testing.T, numbers []string, year int) {
	t.Helper()
	got := slices.Clone(numbers)
	slices.Sort(got)
	for i, n := range got {
		if want := fmt.Sprintf("%d-%06d", year, i+1); n != want {
			t.Fatalf("sorted number %d is %s, want %s: a gap or a duplicate (%d numbers)", i, n, want, len(got))
		}
	}
}

// 64 clients × 100 appeals over HTTP to the real binary: 6,400 distinct
// numbers without a gap, and the audit chain intact after.
func TestConcurrentRegistrationNumbering(t *testing.T) {
	const clients, per = 64, 100
	backends(t, func(t *testing.T, dsn string) {
		d := serve(t, dsn).desk
		year := thisYear(t)
		numbers := postMany(t, clients, per, func(c, i int) (reply, error) {
			return d.send("POST", "/api/v1/appeals", d.Admin, appeal(map[string]any{
				"description": fmt.Sprintf("Нагрузка: клиент %d, обращение %d", c, i)}))
		})
		if t.Failed() {
			return
		}
		if len(numbers) != clients*per {
			t.Fatalf("%d numbers, want %d", len(numbers), clients*per)
		}
		assertGapFree(t, numbers, year)
		d.verifyAudit()
		r := d.must(d.req("GET", "/api/v1/audit/verify", d.Admin, nil), http.StatusOK)
		// at least one record per appeal (features may add their own)
		if n, _ := r.JSON["records"].(float64); n < clients*per {
			t.Errorf("audit records: %s", r)
		}
	})
}

// thisYear is the numbering year now, in the desk's zone.
func thisYear(t *testing.T) int {
	zone, err := time.LoadLocation("Asia/Almaty")
	if err != nil {
		t.Fatal(err)
	}
	return time.Now().In(zone).Year()
}
