package app_test

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/auth"
	"tenderdesk/internal/files/clamdtest"
)

// procKB reads a field (VmRSS, VmHWM) of /proc/self/status in KB.
func procKB(t *testing.T, field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status")
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

// TestMeasureUploadRSS is a measurement, not a check: it uploads a 100 MB
// file in five 20 MB parts, scanned by the real clamd, and logs the
// throughput and how far the process's peak RSS rose above its RSS before
// (target ≤ 64 MB: parts are streamed, never held whole). The client
// streams its parts from a generator, so the figure is the desk's. Run
// with TENDERDESK_MEASURE=1 (docs/BENCHMARKS.md).
func TestMeasureUploadRSS(t *testing.T) {
	if os.Getenv("TENDERDESK_MEASURE") == "" {
		t.Skip("a measurement: set TENDERDESK_MEASURE=1 to run it")
	}
	clamd := clamdtest.Addr(t)
	d := bootClamd(t, t.TempDir(), clamd)
	alfa := d.user("alfa", auth.RoleApplicant, "123456789013", "ТОО «Альфа»")
	const size, part = 100 << 20, 20 << 20
	runtime.GC()
	debug.FreeOSMemory()
	// VmHWM is the peak since start; reset it (Linux ≥ 4.0) so it measures this upload.
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	rss0 := procKB(t, "VmRSS")
	start := time.Now()
	c := d.must(d.tusCreate(alfa, "big.bin", size), http.StatusCreated)
	path := c.Header.Get("Location")
	rng := rand.NewChaCha8([32]byte{7})
	var last *http.Response
	for off := int64(0); off < size; off += part {
		rq, _ := http.NewRequest("PATCH", d.Base+path, io.LimitReader(rng, part))
		rq.ContentLength = part
		rq.Header.Set("Authorization", "Bearer "+alfa)
		rq.Header.Set("Tus-Resumable", "1.0.0")
		rq.Header.Set("Upload-Offset", strconv.FormatInt(off, 10))
		rq.Header.Set("Content-Type", "application/offset+octet-stream")
		resp, err := http.DefaultClient.Do(rq)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("part at %d: %d", off, resp.StatusCode)
		}
		last = resp
	}
	el := time.Since(start)
	if last.Header.Get("Upload-File-Id") == "" {
		t.Fatal("no file id")
	}
	hwm := procKB(t, "VmHWM")
	msg := fmt.Sprintf("100 MB in 5 parts of 20 MB, scanned: %.1fs (%.1f MB/s); RSS before %d MB, peak %d MB, growth %d MB",
		el.Seconds(), 100/el.Seconds(), rss0>>10, hwm>>10, (hwm-rss0)>>10)
	t.Log(msg)
	if (hwm-rss0)>>10 > 64 {
		t.Errorf("peak RSS grew by more than 64 MB: %s", msg)
	}
}
