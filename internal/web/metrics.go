package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"tenderdesk/internal/audit"
)

// Metrics is the desk's Prometheus registry; it also implements
// journal.Metrics.
type Metrics struct {
	Reg         *prometheus.Registry
	requests    *prometheus.HistogramVec
	appeals     prometheus.Counter
	batchSize   prometheus.Histogram
	transitions *prometheus.CounterVec
}

func NewMetrics() *Metrics {
	m := &Metrics{Reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "tenderdesk_http_request_duration_seconds",
		Help: "HTTP requests by route and status.", Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}},
		[]string{"route", "code"})
	m.appeals = prometheus.NewCounter(prometheus.CounterOpts{Name: "tenderdesk_appeals_registered_total", Help: "Appeals registered in the Journal."})
	m.batchSize = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "tenderdesk_registration_batch_size",
		Help: "Appeals sharing one commit (group commit).", Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256}})
	m.transitions = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tenderdesk_incident_transitions_total", Help: "Incident transitions by action."}, []string{"action"})
	m.Reg.MustRegister(m.requests, m.appeals, m.batchSize, m.transitions,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *Metrics) Handler() http.Handler { return promhttp.HandlerFor(m.Reg, promhttp.HandlerOpts{}) }

func (m *Metrics) AppealsRegistered(n, batch int) {
	m.appeals.Add(float64(n))
	m.batchSize.Observe(float64(batch))
}

func (m *Metrics) IncidentTransition(action string) { m.transitions.WithLabelValues(action).Inc() }

func (m *Metrics) observe(route string, w http.ResponseWriter, start time.Time) {
	code := 200
	if sw, ok := w.(interface{ Status() int }); ok {
		code = sw.Status()
	}
	m.requests.WithLabelValues(route, strconv.Itoa(code)).Observe(time.Since(start).Seconds())
}

func asProblem(err error, p **audit.Problem) bool { return errors.As(err, p) }
