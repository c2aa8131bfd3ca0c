package app

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"tenderdesk/internal/clocks"
	"tenderdesk/internal/regulation"
	"tenderdesk/internal/sla"
)

// clocksTest lets this package's tests inject the scheduler's ticks and
// reach the service; nil outside tests.
var clocksTest struct {
	config func(*clocks.Config)
	wired  func(*App, *clocks.Service)
}

// The live clocks of issue 3: started and stopped by Journal events (a
// hook in their transaction), raised by a scheduler worker, shown and
// extended through the API, with calendar overrides from the database.
func init() {
	register("clocks", func(ctx context.Context, a *App) error {
		if err := a.DB.Check(ctx, clocks.Queries); err != nil {
			return err
		}
		cfg, err := clockConfig(a.Cfg.ClockWarn, a.Cfg.ClockTick)
		if err != nil {
			return err
		}
		if _, domain, ok := strings.Cut(a.Cfg.MailFrom, "@"); ok {
			cfg.MailDomain = domain
		}
		cfg.OnTick = func(n int, err error) {
			if err != nil {
				a.Log.Error("clock scan", "error", err.Error(), "raised", n)
			} else if n > 0 {
				a.Log.Info("clock scan", "raised", n)
			}
		}
		if clocksTest.config != nil {
			clocksTest.config(&cfg)
		}
		s := clocks.New(a.DB, func() time.Time { return a.Now() }, regulation.Default(), cfg)
		if err := s.Load(ctx); err != nil {
			return err
		}
		if err := s.Prepare(ctx); err != nil {
			return err
		}
		a.Clocks = s
		a.Closers = append(a.Closers, s.Close)
		if err := s.Register(a.Metrics.Reg); err != nil {
			return err
		}
		a.Journal.AddHooks(s)
		a.Web.Mounts = append(a.Web.Mounts, s.Mount)
		a.Workers = append(a.Workers, s.Run)
		if clocksTest.wired != nil {
			clocksTest.wired(a, s)
		}
		return nil
	})
}

// clockConfig reads --clock-warn ("20%": warn when a fifth of the term is
// left, the default; "30m": that long before the deadline, in the clock's
// base) and --clock-tick (scan interval, default 5s).
func clockConfig(warn, tick string) (clocks.Config, error) {
	var cfg clocks.Config
	if w := strings.TrimSpace(warn); w != "" {
		if pct, ok := strings.CutSuffix(w, "%"); ok {
			f, err := strconv.ParseFloat(pct, 64)
			if err != nil || f <= 0 || f >= 100 {
				return cfg, fmt.Errorf("--clock-warn %q: a percentage of the term left (0–100%%) or a duration before the deadline", w)
			}
			cfg.Warn = sla.Warn{Fraction: f / 100}
		} else {
			d, err := time.ParseDuration(w)
			if err != nil || d <= 0 {
				return cfg, fmt.Errorf("--clock-warn %q: a percentage of the term left (e.g. 20%%) or a duration before the deadline (e.g. 30m)", w)
			}
			cfg.Warn = sla.Warn{Before: d}
		}
	}
	if t := strings.TrimSpace(tick); t != "" {
		d, err := time.ParseDuration(t)
		if err != nil || d <= 0 {
			return cfg, fmt.Errorf("--clock-tick %q: a positive duration, e.g. 5s", t)
		}
		cfg.Tick = d
	}
	return cfg, nil
}
