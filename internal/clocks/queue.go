package clocks

import (
	"context"
	"encoding/json"

	"tenderdesk/internal/store"
)

// OfIncidents lists the clocks of several incidents in one query, by
// incident (the console's queue page shows a clock on each of its rows).
func (s *Service) OfIncidents(ctx context.Context, ids []int64) (map[int64][]View, error) {
	out := map[int64][]View{}
	if len(ids) == 0 {
		return out, nil
	}
	list, _ := json.Marshal(ids)
	rows, err := queryRows(ctx, s.DB.R, store.ByDialect(s.DB.Dialect, Q.OfIncidentsSQLite, Q.OfIncidentsPostgres), string(list))
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
