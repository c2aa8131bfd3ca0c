package journal

import (
	"context"
	"encoding/json"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/store"
)

// Assignees is who works on each of the incidents ids (absent: nobody), in
// one query (the console's queue page).
func (s *Service) Assignees(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	list, _ := json.Marshal(ids)
	rows, err := s.DB.R.QueryContext(ctx, store.ByDialect(s.DB.Dialect, Q.AssigneesOfSQLite, Q.AssigneesOfPostgres), string(list))
	if err != nil {
		return nil, apperr.Wrap(err, "assignees")
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var login string
		if err := rows.Scan(&id, &login); err != nil {
			return nil, apperr.Wrap(err, "assignees")
		}
		out[id] = login
	}
	return out, apperr.Wrap(rows.Err(), "assignees")
}
