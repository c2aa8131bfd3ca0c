package analysis

import (
	"context"
	"time"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/calendar"
)

// RunOnce makes the analyses due at now: the daily analyses of the days the
// last working morning covers (Q43) and, from the first working morning of a
// year, the previous year's information (Q44). It returns what it stored;
// an analysis another desk stored first is not stored again.
func (s *Service) RunOnce(ctx context.Context) ([]string, error) {
	now := s.Now().UTC()
	p, err := s.Profile(now)
	if err != nil {
		return nil, err
	}
	var last calendar.Date
	var lastS string
	if err := s.DB.R.QueryRowContext(ctx, Q.LastDaily).Scan(&lastS); err != nil {
		return nil, err
	}
	if lastS != "" {
		if last, err = calendar.ParseDate(lastS); err != nil {
			return nil, err
		}
	}
	var made []string
	for _, d := range DueDays(now, p.Calendar(), s.At, last) {
		_, ok, err := s.Generate(ctx, audit.System, "daily", d.String())
		if err != nil {
			return made, err
		}
		if ok {
			made = append(made, "daily:"+d.String())
		}
	}
	if y, ok := DueYear(now, p.Calendar(), s.At); ok {
		period := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC).Format("2006")
		if _, err := s.Get(ctx, "annual", period); err != nil {
			_, ok, err := s.Generate(ctx, audit.System, "annual", period)
			if err != nil {
				return made, err
			}
			if ok {
				made = append(made, "annual:"+period)
			}
		}
	}
	return made, nil
}

// Run looks every Tick (or at each of Ticks) until ctx ends; it looks once
// at start, so a desk that was down catches up.
func (s *Service) Run(ctx context.Context) {
	ticks := s.Ticks
	if ticks == nil {
		t := time.NewTicker(max(s.Tick, time.Minute))
		defer t.Stop()
		ticks = t.C
		s.look(ctx)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticks:
			s.look(ctx)
		}
	}
}

func (s *Service) look(ctx context.Context) {
	made, err := s.RunOnce(ctx)
	if s.OnRun != nil {
		s.OnRun(made, err)
	}
	if s.Log != nil {
		if err != nil {
			s.Log.Error("analysis run", "error", err.Error())
		} else if len(made) > 0 {
			s.Log.Info("analysis run", "made", made)
		}
	}
}
