package publicnotice

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/statuspage"
	"tenderdesk/internal/web"
)

// PublicRef is one announcement and its lots as a notice publishes them.
type PublicRef struct {
	Announcement string   `json:"announcement"`
	Lots         []string `json:"lots"` // empty: the whole announcement
}

// Preview is what an incident's notice publishes, or would once the
// failure is confirmed: staff read it before the public does (issue 9.9).
type Preview struct {
	IncidentID int64  `json:"incident_id"`
	Number     string `json:"number"`
	// Published: the notice is on /status now; otherwise WhyNot says why.
	Published    bool            `json:"published"`
	WhyNot       string          `json:"why_not,omitempty"`
	Title        statuspage.Text `json:"title"`
	Modules      statuspage.Text `json:"modules"`
	Hidden       bool            `json:"hidden"`
	Edited       bool            `json:"edited"` // the numbers are staff's edit, not the appeals'
	Procurements []PublicRef     `json:"procurements"`
}

// onPage are the states whose medium and high failures the page shows
// (the failures query; fixed ones while recent).
var onPage = []journal.State{journal.Confirmed, journal.Fixing, journal.InfoRequested, journal.Fixed, journal.Closed}

// PreviewNotice reads what the notice of incidentID publishes.
func (s *Service) PreviewNotice(ctx context.Context, incidentID int64) (Preview, error) {
	p := Preview{IncidentID: incidentID, Procurements: []PublicRef{}}
	var state, level, modules, title, pubModules string
	var refs sql.NullString
	err := s.DB.R.QueryRowContext(ctx, Q.NoticeOfIncident, incidentID).Scan(&state, &level, &modules, &title, &pubModules,
		&p.Hidden, &refs, &p.Number)
	if errors.Is(err, sql.ErrNoRows) {
		return p, apperr.New(apperr.NotFound, "no incident %d", incidentID)
	}
	if err != nil {
		return p, apperr.Wrap(err, "public notice")
	}
	p.Title, p.Modules, p.Edited = text(title), publicModules(pubModules, modules), refs.Valid
	procs, err := s.procurements(ctx, incidentID, refs)
	if err != nil {
		return p, apperr.Wrap(err, "public notice")
	}
	for _, x := range procs {
		p.Procurements = append(p.Procurements, PublicRef{Announcement: x.Announcement, Lots: x.Lots})
	}
	switch {
	case level != "medium" && level != "high":
		p.WhyNot = "only confirmed medium and high failures are published (Q36.1, Q37.3)"
	case !slices.Contains(onPage, journal.State(state)):
		p.WhyNot = fmt.Sprintf("published once confirmed; the incident is %s", state)
	case p.Hidden:
		p.WhyNot = "hidden by staff"
	default:
		p.Published = true
	}
	return p, nil
}

// checkRefs applies the portal's number formats to staff's edit too.
func (s *Service) checkRefs(v apperr.Validation, refs []PublicRef) {
	for _, r := range refs {
		if s.Announcement != nil && !s.Announcement.MatchString(r.Announcement) {
			v.Add("procurements", fmt.Sprintf("announcement %q is not a number of the portal (format %s)", r.Announcement, s.Announcement))
		}
		for _, l := range r.Lots {
			if s.Lot != nil && !s.Lot.MatchString(l) {
				v.Add("procurements", fmt.Sprintf("lot %q is not a number of the portal (format %s)", l, s.Lot))
			}
		}
	}
}

func (s *Service) getNotice(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	p, err := s.PreviewNotice(r.Context(), id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, p)
	return nil
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
