package convo

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/store"
	"tenderdesk/internal/web"
)

// Tracked is all tracking by number shows (R7): no description, no
// organization, no contacts.
type Tracked struct {
	Number        string     `json:"number"`
	State         string     `json:"state"`
	FailureNumber string     `json:"failure_number"`
	Level         string     `json:"level,omitempty"`
	PlannedFixAt  *time.Time `json:"planned_fix_at,omitempty"`
	FixedAt       *time.Time `json:"fixed_at,omitempty"`
}

// errNotFound is the one answer for an unknown number and a wrong code, so
// the two cannot be told apart.
var errNotFound = apperr.New(apperr.NotFound, "no appeal with this number and access code")

// Track looks an appeal up by number and access code.
func (s *Service) Track(ctx context.Context, number, code string) (Tracked, error) {
	var t Tracked
	var hash string
	var paused, level sql.NullString
	var id int64
	var planned, fixed store.Time
	err := s.DB.R.QueryRowContext(ctx, Queries["track"], number).Scan(&t.Number, &hash, &t.State, &paused, &id, &level, &planned, &fixed)
	if errors.Is(err, sql.ErrNoRows) {
		HashCode(code) // the same work as a wrong code
		return Tracked{}, errNotFound
	}
	if err != nil {
		return Tracked{}, apperr.Wrap(err, "track")
	}
	if !codeMatches(code, hash) {
		return Tracked{}, errNotFound
	}
	t.FailureNumber = "INC-" + itoa(id)
	t.Level, t.PlannedFixAt, t.FixedAt = level.String, planned.Ptr(), fixed.Ptr()
	return t, nil
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

// limiter allows each client address a burst of attempts, refilled at a
// steady rate (R7: attempts are rate-limited, so codes cannot be guessed).
type limiter struct {
	mu    sync.Mutex
	now   func() time.Time
	burst float64
	rate  float64 // tokens per second
	by    map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// Track attempts: 10 at once, then one every 6 seconds per address.
func newLimiter(now func() time.Time) *limiter {
	return &limiter{now: now, burst: 10, rate: 1.0 / 6, by: map[string]*bucket{}}
}

func (l *limiter) allow(addr string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.by[addr]
	if !ok {
		if len(l.by) > 100000 { // forget everyone rather than grow without bound
			l.by = map[string]*bucket{}
		}
		b = &bucket{tokens: l.burst, at: now}
		l.by[addr] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	if b.tokens < 1 {
		return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	}
	b.tokens--
	return true, 0
}

func (s *Service) getTrack(w http.ResponseWriter, r *http.Request) error {
	if ok, wait := s.track.allow(web.ClientAddr(r)); !ok {
		w.Header().Set("Retry-After", itoa(int64(wait/time.Second)+1))
		return apperr.New(apperr.TooMany, "too many attempts from your address; try again in %d s", int64(wait/time.Second)+1)
	}
	q := r.URL.Query()
	v := apperr.Validation{}
	if q.Get("number") == "" {
		v.Add("number", "required: the registration number, e.g. 2026-000123")
	}
	if q.Get("code") == "" {
		v.Add("code", "required: the access code printed in the acknowledgement")
	}
	if err := v.Err(); err != nil {
		return err
	}
	t, err := s.Track(r.Context(), q.Get("number"), q.Get("code"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, t)
	return nil
}
