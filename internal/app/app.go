// Package app assembles the desk from its parts: it opens and migrates the
// database, checks every named query, creates the first administrator, and
// runs the HTTP server with an orderly shutdown.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/clocks"
	"tenderdesk/internal/config"
	"tenderdesk/internal/console"
	"tenderdesk/internal/convo"
	"tenderdesk/internal/files"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/notify"
	"tenderdesk/internal/procurement"
	"tenderdesk/internal/publicnotice"
	"tenderdesk/internal/regulation"
	"tenderdesk/internal/store"
	"tenderdesk/internal/web"
)

type App struct {
	Cfg     config.Config
	Log     *slog.Logger
	DB      *store.DB
	Auth    *auth.Service
	Journal *journal.Service
	Metrics *web.Metrics
	Web     *web.Server
	Now     func() time.Time
	// Convo and Files are the conversation and uploads (issue 11).
	Convo *convo.Service
	Files *files.Service

	// Services features build (set by their wirings, read by the console).
	Clocks      *clocks.Service
	Procurement *procurement.Service
	Notices     *publicnotice.Service
	Console     *console.Console

	// Workers run beside the HTTP server from Serve until shutdown, which
	// cancels their context and waits for them (schedulers, outbox, mail
	// listener). Closers run in Close, last added first.
	Workers []func(ctx context.Context)
	Closers []func()

	ln  net.Listener
	srv *http.Server
}

// Wiring adds a feature to the app (its services, routes through
// a.Web.Mounts, workers). Each feature registers one from an init() in its
// own file of this package (wire_*.go), so features do not edit one shared
// function; they run in file-name order at the end of Open.
type Wiring func(ctx context.Context, a *App) error

var wirings []struct {
	name string
	fn   Wiring
}

func register(name string, fn Wiring) {
	wirings = append(wirings, struct {
		name string
		fn   Wiring
	}{name, fn})
}

// Open connects and migrates the database and checks the named queries; the
// smallest useful app for CLI commands that do not serve.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	zone, err := time.LoadLocation(cfg.Zone)
	if err != nil {
		return nil, fmt.Errorf("zone: %w", err)
	}
	db, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	a := &App{Cfg: cfg, Log: log, DB: db, Now: time.Now}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	for _, q := range []store.Queries{audit.Queries, auth.Queries, journal.Queries, notify.Queries} {
		if err := db.Check(ctx, q); err != nil {
			db.Close()
			return nil, err
		}
	}
	// The default profile must resolve now, or every appeal would fail later.
	if _, err := regulation.Resolve(cfg.DefaultProfile, a.Now()); err != nil {
		db.Close()
		return nil, fmt.Errorf("profile: %w", err)
	}
	a.Auth = auth.New(db, a.Now)
	a.Metrics = web.NewMetrics()
	resolve := func(name string, at time.Time) (string, error) {
		if name == "" {
			name = cfg.DefaultProfile
		}
		p, err := regulation.Resolve(name, at)
		if err != nil {
			return "", err
		}
		return p.ID(), nil
	}
	a.Journal = journal.New(db, a.Now, zone, resolve, a.Metrics)
	a.Web = &web.Server{Log: log, DB: db, Auth: a.Auth, Journal: a.Journal, Metrics: a.Metrics, Extra: map[string]http.Handler{}}
	for _, w := range wirings {
		if err := w.fn(ctx, a); err != nil {
			a.Close()
			return nil, fmt.Errorf("%s: %w", w.name, err)
		}
	}
	return a, nil
}

// Bootstrap creates the first administrator; it returns the generated
// password when one was generated.
func (a *App) Bootstrap(ctx context.Context) (string, error) {
	created, pw, err := a.Auth.Bootstrap(ctx, a.Cfg.AdminLogin, a.Cfg.AdminPassword)
	if err != nil || !created {
		return "", err
	}
	if a.Cfg.AdminPassword != "" {
		a.Log.Info("administrator created", "login", a.Cfg.AdminLogin, "password", "from TENDERDESK_ADMIN_PASSWORD")
		return "", nil
	}
	return pw, nil
}

// Listen binds the HTTP address (":0" picks a free port; Addr tells which).
func (a *App) Listen() error {
	ln, err := net.Listen("tcp", a.Cfg.Addr)
	if err != nil {
		return err
	}
	a.ln = ln
	a.srv = &http.Server{Handler: a.Web.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second, ErrorLog: slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn)}
	return nil
}

func (a *App) Addr() string { return a.ln.Addr().String() }

// Serve runs until ctx is cancelled, then stops taking connections and
// finishes in-flight requests (their appeals commit) before returning.
func (a *App) Serve(ctx context.Context) error {
	wctx, stopWorkers := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	for _, w := range a.Workers {
		wg.Add(1)
		go func() { defer wg.Done(); w(wctx) }()
	}
	defer func() { stopWorkers(); wg.Wait() }()
	errc := make(chan error, 1)
	go func() { errc <- a.srv.Serve(a.ln) }()
	a.Log.Info("listening", "addr", a.Addr(), "database", string(a.DB.Dialect), "where", a.DB.Where)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.Log.Info("shutting down: finishing in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), a.Cfg.ShutdownGrace)
	defer cancel()
	err := a.srv.Shutdown(sctx)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

func (a *App) Close() error {
	for i := len(a.Closers) - 1; i >= 0; i-- {
		a.Closers[i]()
	}
	if a.Journal != nil {
		a.Journal.Close()
	}
	return a.DB.Close()
}
