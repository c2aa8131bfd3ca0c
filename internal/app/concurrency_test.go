package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// postMany has clients goroutines post per appeals each (body gives the
// JSON) and returns the numbers answered 201; any other answer fails the
// test. It decodes only the number: the clients run under -race too.
func (d *desk) postMany(clients, per int, body func(client, i int) string) []string {
	t := d.t
	t.Helper()
	var mu sync.Mutex
	var numbers []string
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				rq, _ := http.NewRequest("POST", d.Base+"/api/v1/appeals", strings.NewReader(body(c, i)))
				rq.Header.Set("Content-Type", "application/json")
				rq.Header.Set("Authorization", "Bearer "+d.Admin)
				resp, err := d.hc.Do(rq)
				if err != nil {
					t.Errorf("client %d appeal %d: %v", c, i, err)
					return
				}
				var reg struct{ Number string }
				err = json.NewDecoder(resp.Body).Decode(&reg)
				resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusCreated {
					t.Errorf("client %d appeal %d: status %d %v", c, i, resp.StatusCode, err)
					return
				}
				mu.Lock()
				numbers = append(numbers, reg.Number)
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
	t.Parallel()
	const clients, per = 64, 100
	backends(t, func(t *testing.T, dsn string) {
		d := serve(t, dsn).desk
		year := thisYear(t)
		// One body template: the clients run under -race, where encoding a
		// map for each of 6,400 requests costs more than the server.
		tmpl, _ := json.Marshal(appeal(map[string]any{"description": "DESCRIPTION"}))
		numbers := d.postMany(clients, per, func(c, i int) string {
			return strings.Replace(string(tmpl), "DESCRIPTION", fmt.Sprintf("Нагрузка: клиент %d, обращение %d", c, i), 1)
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
