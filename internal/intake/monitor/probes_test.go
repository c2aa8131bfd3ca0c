package monitor

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

// portal is a test HTTP server that answers 200 "ok" until broken, then
// 503, then recovers.
type portal struct {
	srv    *httptest.Server
	broken atomic.Bool
}

func newPortal(t *testing.T, tls bool) *portal {
	p := &portal{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p.broken.Load() {
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("status: ok"))
	})
	if tls {
		p.srv = httptest.NewTLSServer(h)
	} else {
		p.srv = httptest.NewServer(h)
	}
	t.Cleanup(p.srv.Close)
	return p
}

// Q27 (probes): consecutive failures at the threshold open an incident on
// the monitoring channel whose failure start is the first failed check;
// fewer do not; the first success after it records the fix-time
// candidate; every check is kept as a time series.
func TestQ27ProbeThresholdOpensAndRecoveryRecordsFix(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		r := newRig(t, db, mustTime("2026-11-20T04:00:00Z"))
		ctx := context.Background()
		p := newPortal(t, false)
		pr, err := r.s.SaveProbe(ctx, admin, 0, ProbeInput{Module: "Личный кабинет", URL: p.srv.URL + "/health", IntervalMS: 10000,
			ExpectBody: "ok", Threshold: 3})
		if err != nil {
			t.Fatal(err)
		}
		check := func() ProbeResult {
			t.Helper()
			res, err := r.s.CheckProbe(ctx, pr.ID)
			if err != nil {
				t.Fatal(err)
			}
			r.clk.Add(10 * time.Second)
			return res
		}
		if res := check(); !res.OK || res.Status != 200 {
			t.Fatalf("healthy: %+v", res)
		}
		p.broken.Store(true)
		firstFail := r.clk.Now()
		check()
		check()
		if n := r.count("SELECT count(*) FROM incidents"); n != 0 {
			t.Fatalf("two failures of threshold 3 opened %d incidents", n)
		}
		if res := check(); res.OK || !strings.Contains(res.Error, "503") {
			t.Fatalf("third failure: %+v", res)
		}
		g := r.signals()["probe/Личный кабинет"]
		if g.ID == 0 || !g.FirstAt.Equal(firstFail) || g.Status != Firing {
			t.Fatalf("signal %+v, first failure %v", g, firstFail)
		}
		as := r.appealsOf(g.IncidentID)
		if len(as) != 1 || as[0].Channel != "monitoring" || !as[0].DetectedAt.Equal(firstFail) {
			t.Fatalf("appeal %+v", as)
		}
		check() // a fourth failure: no second event
		if n := r.count("SELECT count(*) FROM intake_events"); n != 1 {
			t.Fatalf("%d events while failing, want 1", n)
		}
		p.broken.Store(false)
		recovered := r.clk.Now()
		check()
		g = r.signals()["probe/Личный кабинет"]
		if g.Status != Resolved || g.ResolvedAt == nil || !g.ResolvedAt.Equal(recovered) {
			t.Fatalf("after recovery %+v, recovered at %v", g, recovered)
		}
		rs, err := r.s.ProbeResults(ctx, pr.ID, time.Time{}, 100)
		if err != nil || len(rs) != 6 {
			t.Fatalf("%d results %v", len(rs), err)
		}
		if u := Uptime(rs); u != 2.0/6 {
			t.Fatalf("uptime %v", u)
		}
		// a new outage of the same module while the incident is open is
		// counted on the same signal: no second appeal
		p.broken.Store(true)
		check()
		check()
		check()
		if n := r.count("SELECT count(*) FROM appeals"); n != 1 {
			t.Fatalf("%d appeals after a second outage of an open incident", n)
		}
		if g := r.signals()["probe/Личный кабинет"]; g.Status != Firing || g.Count != 3 {
			t.Fatalf("second outage: %+v", g)
		}
	})
}

// Issue 14 (TLS certificate expiry): a certificate closer to its end than
// cert_min_days fails the check though the page answers 200.
func TestProbeCertificateExpiry(t *testing.T) {
	db := storetest.SQLite(t)
	p := newPortal(t, true)
	cert := p.srv.Certificate()
	r := newRig(t, db, cert.NotAfter.Add(-10*24*time.Hour))
	r.s.ProbeClient = p.srv.Client()
	ctx := context.Background()
	pr, err := r.s.SaveProbe(ctx, admin, 0, ProbeInput{Module: "Портал", URL: p.srv.URL, CertMinDays: 30, Threshold: 1})
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.s.CheckProbe(ctx, pr.ID)
	if err != nil {
		t.Fatal(err)
	}
	if res.OK || res.CertExpiry == nil || !strings.Contains(res.Error, "certificate expires") {
		t.Fatalf("10 days left of 30: %+v", res)
	}
	pr.CertMinDays = 5
	if _, err := r.s.SaveProbe(ctx, admin, pr.ID, ProbeInput{Module: "Портал", URL: p.srv.URL, CertMinDays: 5, Threshold: 1}); err != nil {
		t.Fatal(err)
	}
	if res, _ := r.s.CheckProbe(ctx, pr.ID); !res.OK {
		t.Fatalf("10 days left of 5: %+v", res)
	}
}

// Bad probe settings are refused naming the field.
func TestProbeInputNamesField(t *testing.T) {
	db := storetest.SQLite(t)
	r := newRig(t, db, mustTime("2026-11-20T04:00:00Z"))
	for field, in := range map[string]ProbeInput{
		"url":           {Module: "m", URL: "ftp://x"},
		"module":        {Module: "", URL: "http://x"},
		"interval_ms":   {Module: "m", URL: "http://x", IntervalMS: 10},
		"timeout_ms":    {Module: "m", URL: "http://x", IntervalMS: 2000, TimeoutMS: 5000},
		"expect_status": {Module: "m", URL: "http://x", ExpectStatus: 700},
		"threshold":     {Module: "m", URL: "http://x", Threshold: -1},
		"cert_min_days": {Module: "m", URL: "http://x", CertMinDays: 1000},
	} {
		_, err := r.s.SaveProbe(context.Background(), admin, 0, in)
		var ae *apperr.Error
		if !asErr(err, &ae) || ae.Fields[field] == "" {
			t.Errorf("%s: %v", field, err)
		}
	}
}

// The scheduler runs enabled probes by itself (no check is asked for).
func TestProbeSchedulerRuns(t *testing.T) {
	db := storetest.SQLite(t)
	r := newRig(t, db, mustTime("2026-11-20T04:00:00Z"))
	p := newPortal(t, false)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.s.RunProbes(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	pr, err := r.s.SaveProbe(ctx, admin, 0, ProbeInput{Module: "m", URL: p.srv.URL, IntervalMS: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		rs, err := r.s.ProbeResults(ctx, pr.ID, time.Time{}, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) >= 2 {
			break
		}
		if i > 300 {
			t.Fatalf("the scheduler ran %d checks in 30 s", len(rs))
		}
		time.Sleep(100 * time.Millisecond)
	}
}
