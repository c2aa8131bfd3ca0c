package notify

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"tenderdesk/internal/store"
)

// Metrics of the outbox. Pending, failed and overdue are read from the
// database at each scrape (every node sees the same figures); attempts and
// latency count what this node did.
type Metrics struct {
	attempts *prometheus.CounterVec
	latency  prometheus.Histogram
	pending  *prometheus.Desc
	failed   *prometheus.Desc
	overdue  *prometheus.Desc
	bounced  *prometheus.Desc
	db       *store.DB
	now      func() time.Time
}

// NewMetrics registers the outbox metrics on reg.
func NewMetrics(reg prometheus.Registerer, db *store.DB, now func() time.Time) (*Metrics, error) {
	m := &Metrics{db: db, now: now,
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tenderdesk_outbox_deliveries_total",
			Help: "Email delivery attempts by result: sent, temporary (will retry), failed (permanent or out of retries)."}, []string{"result"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "tenderdesk_outbox_delivery_latency_seconds",
			Help:    "From the event's commit to the relay accepting the message.",
			Buckets: []float64{.1, .5, 1, 5, 15, 60, 300, 900, 1800, 3600, 7200}}),
		pending: prometheus.NewDesc("tenderdesk_outbox_pending", "Email notifications waiting to be sent.", nil, nil),
		failed:  prometheus.NewDesc("tenderdesk_outbox_failed", "Email notifications that failed (GET /api/v1/notifications?status=failed).", nil, nil),
		overdue: prometheus.NewDesc("tenderdesk_outbox_overdue", "Pending email notifications past the term they serve (due_by).", nil, nil),
		bounced: prometheus.NewDesc("tenderdesk_outbox_bounced", "Sent email notifications that bounced (GET /api/v1/notifications?status=bounced).", nil, nil),
	}
	for _, r := range []string{"sent", "temporary", "failed"} {
		m.attempts.WithLabelValues(r)
	}
	for _, c := range []prometheus.Collector{m.attempts, m.latency, m} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	ch <- m.pending
	ch <- m.failed
	ch <- m.overdue
	ch <- m.bounced
}

func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var pending, failed, overdue, bounced float64
	if err := m.db.R.QueryRowContext(ctx, Queries["counts"], store.T(m.now())).Scan(&pending, &failed, &overdue, &bounced); err != nil {
		ch <- prometheus.NewInvalidMetric(m.pending, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(m.pending, prometheus.GaugeValue, pending)
	ch <- prometheus.MustNewConstMetric(m.failed, prometheus.GaugeValue, failed)
	ch <- prometheus.MustNewConstMetric(m.overdue, prometheus.GaugeValue, overdue)
	ch <- prometheus.MustNewConstMetric(m.bounced, prometheus.GaugeValue, bounced)
}
