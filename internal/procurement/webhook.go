package procurement

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/store"
)

// SignatureHeader carries "sha256=" + hex(HMAC-SHA256(secret, body)).
const SignatureHeader = "X-Tenderdesk-Signature"

// WebhookBatch is the number of feed entries per delivery.
const WebhookBatch = 500

// Sign returns the signature header value of body.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks a signature header in constant time (what the portal does).
func Verify(secret, body []byte, header string) bool {
	return hmac.Equal([]byte(header), []byte(Sign(secret, body)))
}

// WebhookStatus is the webhook's configuration (without the secret) and
// delivery state; Failing says deliveries are being retried.
type WebhookStatus struct {
	URL             string     `json:"url"`
	Configured      bool       `json:"configured"`
	DeliveredSeq    int64      `json:"delivered_seq"`
	FeedHead        int64      `json:"feed_head"`
	Pending         int64      `json:"pending"`
	Attempts        int        `json:"attempts"`
	Failing         bool       `json:"failing"`
	FailingSince    *time.Time `json:"failing_since,omitempty"`
	NextAttemptAt   *time.Time `json:"next_attempt_at,omitempty"`
	LastError       string     `json:"last_error,omitempty"`
	LastDeliveredAt *time.Time `json:"last_delivered_at,omitempty"`
}

type hookState struct {
	WebhookStatus
	secret string
}

func (s *Service) hookState(ctx context.Context, q queryer) (hookState, error) {
	var h hookState
	var next, since, last, upd store.Time
	err := q.QueryRowContext(ctx, Q.WebhookState).Scan(&h.URL, &h.secret, &h.DeliveredSeq, &h.Attempts, &next, &since, &h.LastError, &last, &upd)
	if err != nil {
		return h, err
	}
	if err := q.QueryRowContext(ctx, Q.FeedHead).Scan(&h.FeedHead); err != nil {
		return h, err
	}
	h.Configured = h.URL != ""
	h.Pending = max(h.FeedHead-h.DeliveredSeq, 0)
	h.NextAttemptAt, h.FailingSince, h.LastDeliveredAt = optTime(next), optTime(since), optTime(last)
	h.Failing = h.FailingSince != nil
	return h, nil
}

// WebhookStatus returns the webhook's state.
func (s *Service) WebhookStatus(ctx context.Context) (WebhookStatus, error) {
	h, err := s.hookState(ctx, s.DB.R)
	return h.WebhookStatus, apperr.Wrap(err, "webhook state")
}

// WebhookConfig sets or clears (empty URL) the webhook.
type WebhookConfig struct {
	URL    string `json:"url"`
	Secret string `json:"secret"`
	// FromStart: deliver the whole feed from its beginning; by default only
	// changes after this configuration are delivered.
	FromStart bool `json:"from_start"`
}

// ConfigureWebhook stores the webhook configuration (audited, without the
// secret) and resets its delivery state.
func (s *Service) ConfigureWebhook(ctx context.Context, c WebhookConfig, by audit.Actor) (WebhookStatus, error) {
	v := apperr.Validation{}
	if c.URL != "" {
		u, err := url.Parse(c.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			v.Add("url", "must be an absolute http(s) URL")
		}
		if len(c.Secret) < 16 {
			v.Add("secret", "required: at least 16 characters")
		}
	}
	if err := v.Err(); err != nil {
		return WebhookStatus{}, err
	}
	now := s.Now()
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var head int64
		if err := tx.QueryRowContext(ctx, Q.FeedHead).Scan(&head); err != nil {
			return err
		}
		if c.FromStart {
			head = 0
		}
		if _, err := tx.ExecContext(ctx, Q.WebhookConfigure, c.URL, c.Secret, store.T(now), head); err != nil {
			return err
		}
		_, err := audit.Append(ctx, tx, s.DB.Dialect, now, by, audit.Entry{Action: "procurement.webhook", ObjectType: "webhook", ObjectID: "1",
			After: map[string]any{"url": c.URL, "from_seq": head}})
		return err
	})
	if err != nil {
		return WebhookStatus{}, apperr.Wrap(err, "configure webhook")
	}
	return s.WebhookStatus(ctx)
}

// Backoff is the wait before retry n (1-based): 2^(n-1) seconds, at most 10 minutes.
func Backoff(n int) time.Duration {
	if n > 10 {
		return 10 * time.Minute
	}
	return min(time.Duration(1<<max(n-1, 0))*time.Second, 10*time.Minute)
}

// DeliverOnce makes at most one delivery attempt at now: when a webhook is
// configured, its retry time has come and the feed has undelivered changes,
// it POSTs the next batch. State is in the database, so a restart resumes
// where it stopped; delivery is at least once (the portal deduplicates by
// seq). It reports whether it delivered a batch.
func (s *Service) DeliverOnce(ctx context.Context, client *http.Client, now time.Time) (bool, error) {
	h, err := s.hookState(ctx, s.DB.R)
	if err != nil {
		return false, err
	}
	if !h.Configured || h.Pending == 0 || (h.NextAttemptAt != nil && now.Before(*h.NextAttemptAt)) {
		return false, nil
	}
	page, err := s.feed(ctx, s.DB.R, h.DeliveredSeq, WebhookBatch)
	if err != nil || len(page.Changes) == 0 {
		return false, err
	}
	body, err := json.Marshal(page)
	if err != nil {
		return false, err
	}
	derr := post(ctx, client, h.URL, []byte(h.secret), body, page)
	if derr != nil {
		n := h.Attempts + 1
		msg := derr.Error()
		if len(msg) > 500 {
			msg = msg[:500]
		}
		_, err := s.DB.W.ExecContext(ctx, Q.WebhookFailed, store.T(now.Add(Backoff(n))), msg, store.T(now))
		if err != nil {
			return false, err
		}
		s.Log.Warn("procurement webhook delivery failed", "url", h.URL, "attempt", n, "error", msg)
		return false, nil
	}
	last, _ := strconv.ParseInt(page.Next, 10, 64)
	_, err = s.DB.W.ExecContext(ctx, Q.WebhookDelivered, last, store.T(now))
	return err == nil, err
}

func post(ctx context.Context, client *http.Client, target string, secret, body []byte, page FeedPage) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SignatureHeader, Sign(secret, body))
	req.Header.Set("X-Tenderdesk-Delivery", fmt.Sprintf("%d-%d", page.Changes[0].Seq, page.Changes[len(page.Changes)-1].Seq))
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(snippet)))
	}
	return nil
}

// RunWebhook delivers until ctx ends, polling every interval and sending
// batches back to back while there is a backlog. now is the injected clock.
func (s *Service) RunWebhook(ctx context.Context, client *http.Client, now func() time.Time, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		for {
			ok, err := s.DeliverOnce(ctx, client, now())
			if err != nil && ctx.Err() == nil {
				s.Log.Error("procurement webhook", "error", err)
			}
			if !ok || ctx.Err() != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
