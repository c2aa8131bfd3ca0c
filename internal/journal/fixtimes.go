package journal

import (
	"context"
	"encoding/json"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/store"
)

// FixTimes are an incident's planned and actual fix.
type FixTimes struct{ Planned, Fixed *time.Time }

// FixTimesOf returns the planned and actual fix of the incidents ids in one
// query (a page of the cabinet's "my appeals": twenty incidents without
// loading each one whole).
func (s *Service) FixTimesOf(ctx context.Context, ids []int64) (map[int64]FixTimes, error) {
	out := map[int64]FixTimes{}
	if len(ids) == 0 {
		return out, nil
	}
	arg, _ := json.Marshal(ids)
	rows, err := s.DB.R.QueryContext(ctx, store.ByDialect(s.DB.Dialect, Q.FixTimesSQLite, Q.FixTimesPostgres), string(arg))
	if err != nil {
		return nil, apperr.Wrap(err, "fix times")
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var planned, fixed store.Time
		if err := rows.Scan(&id, &planned, &fixed); err != nil {
			return nil, apperr.Wrap(err, "fix times")
		}
		out[id] = FixTimes{planned.Ptr(), fixed.Ptr()}
	}
	return out, apperr.Wrap(rows.Err(), "fix times")
}
