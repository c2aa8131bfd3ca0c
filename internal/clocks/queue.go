package clocks

import (
	"context"
	"encoding/json"

	"tenderdesk/internal/store"
)

// OfQueue lists, in one query, the clocks the console's queue shows for a
// page of appeals: the running, breached and paused clocks of the
// incidents ids and of the appeals numbers, by incident.
func (s *Service) OfQueue(ctx context.Context, ids []int64, numbers []string) (map[int64][]View, error) {
	out := map[int64][]View{}
	if len(ids) == 0 {
		return out, nil
	}
	idList, _ := json.Marshal(ids)
	numList, _ := json.Marshal(numbers)
	rows, err := queryRows(ctx, s.DB.R, store.ByDialect(s.DB.Dialect, Q.OfQueueSQLite, Q.OfQueuePostgres), string(idList), string(numList))
	if err != nil {
		return nil, wrap(err, "clocks")
	}
	views, err := s.views(rows)
	if err != nil {
		return nil, err
	}
	for _, v := range views {
		out[v.IncidentID] = append(out[v.IncidentID], v)
	}
	return out, nil
}
