package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"tenderdesk/internal/app"
	"tenderdesk/internal/config"
)

func init() {
	register(command{name: "serve", summary: "run the desk (HTTP API; SQLite in ./tenderdesk-data by default)", run: runServe})
	register(command{name: "migrate", summary: "apply the database migrations and exit", run: runMigrate})
}

// flags parses the command line into a Config; only names the flags this
// command takes (all when empty).
func flags(name string, args []string, stderr io.Writer, extra func(*flag.FlagSet), only ...string) (config.Config, int, bool) {
	var cfg config.Config
	fs := flag.NewFlagSet("tenderdesk "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	bound := config.Bind(fs, only...)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return cfg, 0, false
		}
		return cfg, 2, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "tenderdesk %s: unexpected argument %q\n", name, fs.Arg(0))
		return cfg, 2, false
	}
	cfg, err := bound.Load()
	if err != nil {
		fmt.Fprintf(stderr, "tenderdesk %s: %v\n", name, err)
		return cfg, 2, false
	}
	return cfg, 0, true
}

func logger(cfg config.Config, w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: cfg.LogLevel}))
}

// open opens the desk's database for a CLI command.
func open(name string, args []string, stderr io.Writer, extra func(*flag.FlagSet)) (*app.App, int) {
	cfg, code, ok := flags(name, args, stderr, extra, "db", "zone", "profile", "log-level")
	if !ok {
		return nil, code
	}
	a, err := app.Open(context.Background(), cfg, logger(cfg, stderr))
	if err != nil {
		fmt.Fprintf(stderr, "tenderdesk %s: %v\n", name, err)
		return nil, 1
	}
	return a, 0
}

func runServe(args []string, stdout, stderr io.Writer) int {
	cfg, code, ok := flags("serve", args, stderr, nil)
	if !ok {
		return code
	}
	log := logger(cfg, stderr)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		fmt.Fprintf(stderr, "tenderdesk serve: %v\n", err)
		return 1
	}
	defer a.Close()
	pw, err := a.Bootstrap(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "tenderdesk serve: create administrator: %v\n", err)
		return 1
	}
	if pw != "" {
		fmt.Fprintf(stdout, "First start: administrator %q created with password: %s\n(shown once; change it or set TENDERDESK_ADMIN_PASSWORD before the first start)\n", cfg.AdminLogin, pw)
	}
	if err := a.Listen(); err != nil {
		fmt.Fprintf(stderr, "tenderdesk serve: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "tenderdesk listening on http://%s\n", a.Addr())
	if err := a.Serve(ctx); err != nil {
		fmt.Fprintf(stderr, "tenderdesk serve: %v\n", err)
		return 1
	}
	return 0
}

func runMigrate(args []string, stdout, stderr io.Writer) int {
	a, code := open("migrate", args, stderr, nil)
	if a == nil {
		return code
	}
	defer a.Close()
	fmt.Fprintf(stdout, "migrations applied on %s (%s)\n", a.DB.Dialect, a.DB.Where)
	return 0
}
