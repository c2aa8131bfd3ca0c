package procurement

import (
	"context"
	"encoding/json"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/store"
)

// Granted is one deadline an applied plan moved (Q36.3–7, Q37.2–10).
type Granted struct {
	ExternalID, Announcement, Lot string
	Kind                          string // engine deadline kind (vocab.DeadlineKind)
	Supplier                      string
	Action                        string // extend or hold
	Rule                          string // the requirement that moved it
	Old, New                      time.Time
}

// GrantedTo lists the deadlines incidentID's applied plans moved in the
// procedures of the organization bin: where it is the customer or a
// participant, or the supplier of a per-supplier deadline (issue 11: "my
// appeals" shows the extensions granted to our procedures). Reverted plans
// are left out. An empty bin has no procedures.
func (s *Service) GrantedTo(ctx context.Context, incidentID int64, bin string) ([]Granted, error) {
	if bin == "" {
		return nil, nil
	}
	quoted, _ := json.Marshal(bin) // participants are JSON: {"supplier":"<bin>",…}
	rows, err := s.DB.R.QueryContext(ctx, Q.ExtensionsOfOrganization, incidentID, bin, `%"supplier":`+string(quoted)+`%`)
	if err != nil {
		return nil, apperr.Wrap(err, "extensions")
	}
	defer rows.Close()
	var out []Granted
	for rows.Next() {
		var g Granted
		var old, nw store.Time
		if err := rows.Scan(&g.ExternalID, &g.Announcement, &g.Lot, &g.Kind, &g.Supplier, &g.Action, &g.Rule, &old, &nw); err != nil {
			return nil, apperr.Wrap(err, "extensions")
		}
		g.Old, g.New = old.Time, nw.Time
		out = append(out, g)
	}
	return out, apperr.Wrap(rows.Err(), "extensions")
}
