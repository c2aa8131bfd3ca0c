// Package app assembles the desk. Open reads top to bottom as the assembly:
// the database, then each feature in the order its Journal hooks must run
// inside the registration transaction, then the HTTP routes and the
// background workers. A new feature is built here, by hand, into a typed
// field of App; the CLI reuses those fields.
package app

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"tenderdesk/internal/analysis"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/clocks"
	"tenderdesk/internal/config"
	"tenderdesk/internal/console"
	"tenderdesk/internal/convo"
	"tenderdesk/internal/dbcopy"
	"tenderdesk/internal/files"
	"tenderdesk/internal/forcemajeure"
	"tenderdesk/internal/intake/email"
	"tenderdesk/internal/intake/mailin"
	"tenderdesk/internal/intake/monitor"
	"tenderdesk/internal/invite"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/kb"
	"tenderdesk/internal/notify"
	"tenderdesk/internal/notify/events"
	mailer "tenderdesk/internal/notify/mail"
	"tenderdesk/internal/procurement"
	"tenderdesk/internal/profiles"
	"tenderdesk/internal/publicnotice"
	"tenderdesk/internal/registers"
	"tenderdesk/internal/regulation"
	"tenderdesk/internal/reports"
	"tenderdesk/internal/retention"
	"tenderdesk/internal/secret"
	"tenderdesk/internal/signature"
	"tenderdesk/internal/statuspage"
	"tenderdesk/internal/store"
	"tenderdesk/internal/textmod"
	"tenderdesk/internal/triggers"
	"tenderdesk/internal/web"
)

// App is the assembled desk.
type App struct {
	Cfg config.Config
	Log *slog.Logger
	DB  *store.DB
	// Now is the desk's one clock: every service is given this function.
	Now func() time.Time

	Metrics      *web.Metrics
	Profiles     *profiles.Service // the regulation catalogue with the administrator's recorded version dates
	Auth         *auth.Service
	Journal      *journal.Service
	Clocks       *clocks.Service
	Outbox       *notify.Worker // delivers the outbox; Sender nil without --smtp-relay
	Notices      *notify.API    // cabinet notifications and the staff's outbox view
	Procurement  *procurement.Service
	PublicNotice *publicnotice.Service // what /status shows; maintenance announcements
	Status       *statuspage.Handler   // /status and its feeds
	MailIn       *mailin.Service       // inbound mail into the Journal
	Convo        *convo.Service        // the conversation of appeals, tracking (issue 11)
	Files        *files.Service        // uploads, scanned (issue 11)
	KB           *kb.Service           // the knowledge base (Q21)
	Analysis     *analysis.Service     // daily/annual analyses, written reports, Q19/Q46/Q47 (issue 13)
	Reports      *reports.Service      // the Journal extract and the compliance report (issue 13)
	Signatures   *signature.Service    // EDS signatures (issue 12); nil without --trust-dir
	Registers    *registers.Service    // E34 role register, Q25/Q39/Q23
	Retention    *retention.Service    // E20–E21, E32–E33 retention job
	registerActs *registers.API        // issue 12's actions, for the API and the console alike
	TextModules  *textmod.Service      // the console's reply templates (issue 10)
	Secrets      *secret.Box           // seals access codes and invitation links in the outbox
	Invites      *invite.Service       // invitations of colleagues with the consents of E6–E7 (issue 11)
	Console      *console.Console      // the operator console at /
	Monitor      *monitor.Service      // monitoring and system-log intake (issue 14)
	Triggers     *triggers.Service     // appeals that trigger point rules (issue 14)
	ForceMajeure *forcemajeure.Service // force majeure on a failure (issue 14, Q17, Q37.10)
	Web          *web.Server

	// Warnings are said when the desk starts serving and shown in /readyz
	// (settings the desk runs without, profile versions past their end).
	Warnings []string

	syslogMu sync.Mutex
	syslog   *monitor.Syslog // the syslog receivers, once listening (Syslog)

	workers []func(ctx context.Context)
	closers []func()
	ln      net.Listener
	srv     *http.Server
}

// Option injects what is not a setting: the clock, test hooks.
type Option func(*options)

type options struct {
	now        func() time.Time
	clockTicks <-chan time.Time
	clockScan  func(int, error)
}

// WithClock gives every service of the desk this clock (tests).
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithClockScans drives the clock scheduler by ticks and reports each scan
// (tests: a scan happens exactly when the test says).
func WithClockScans(ticks <-chan time.Time, onScan func(fired int, err error)) Option {
	return func(o *options) { o.clockTicks, o.clockScan = ticks, onScan }
}

// Open connects and migrates the database and builds every feature. It
// starts nothing: Listen and Serve do, so CLI commands reuse the same parts.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger, opts ...Option) (a *App, err error) {
	o := options{now: time.Now}
	for _, f := range opts {
		f(&o)
	}
	if cfg.Zone == nil {
		return nil, errors.New("config: no zone (build the config with config.Parse or config.Default)")
	}
	db, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	a = &App{Cfg: cfg, Log: log, DB: db, Now: o.now}
	opened := a // "return nil, err" clears a before the deferred Close runs
	defer func() {
		if err != nil {
			opened.Close()
		}
	}()
	// a half-copied database (db copy, issue 15) has its foreign keys and
	// triggers off: refused before anything writes to it
	if err := dbcopy.Unfinished(ctx, db); err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		return nil, err
	}
	if err := checkQueries(ctx, db); err != nil {
		return nil, err
	}
	now := a.Now
	a.Metrics = web.NewMetrics()

	// Profiles: a bare name resolves to the version in force, by the
	// catalogue's dates with those an administrator recorded laid over; a
	// family whose last version has ended still takes appeals on it, flagged
	// (defect 3), and /readyz says so.
	a.Profiles = profiles.New(db, now, regulation.Default())
	ws, err := a.Profiles.Load(ctx)
	if err != nil {
		return nil, err
	}
	a.Warnings = append(a.Warnings, ws...)
	a.Auth = auth.New(db, now)
	a.Auth.Gate = auth.NewGate(auth.GateSlots(cmp.Or(cfg.HashMemory, auth.DefaultHashMemory), auth.HashCost))
	a.Journal = journal.New(db, now, cfg.Zone, a.profileResolver(cfg.DefaultProfile), a.Metrics)
	a.Journal.Lapsed = func(id string, at time.Time) bool { return a.Profiles.Registry().LapsedAt(id, at) }
	a.Journal.Announcement, a.Journal.Lot = cfg.AnnouncementPattern, cfg.LotPattern

	// The hooks run inside the registration transaction in this order:
	// clocks start, then notices are queued (they read the clocks' terms),
	// then the public notice's version moves.
	if err := a.openClocks(ctx, o); err != nil {
		return nil, err
	}
	a.Journal.AddHooks(a.Clocks)
	if a.Secrets, err = secret.Load(a.secretFile()); err != nil {
		return nil, err
	}
	a.Journal.AddHooks(events.New(events.Config{Domain: cfg.MailFrom.Domain, Seal: a.Secrets.Seal,
		AuthorityEmail: cfg.AuthorityEmail.Address, AuthoritySecurityEmail: cfg.AuthoritySecurityEmail.Address}))
	a.Journal.AddHooks(publicnotice.Hooks{})
	if err := a.openConvo(); err != nil {
		return nil, err
	}
	a.openAnalysis() // its hook drafts the written report at the fix (Q36.10, Q37.13)

	if err := a.openOutbox(); err != nil {
		return nil, err
	}
	a.Notices = &notify.API{DB: db, Now: now}
	a.Procurement = procurement.New(db, now, a.Journal, log, cfg.MailFrom.Domain)
	// Issue 15: a staged plan apply a crash interrupted is finished or
	// deleted before anyone reads the mirror (SQLite; nothing on PostgreSQL).
	if err := a.Procurement.Resume(ctx); err != nil {
		return nil, errors.Join(errors.New("procurement: resume interrupted plan applies"), err)
	}
	if err := a.openStatus(); err != nil {
		return nil, err
	}
	a.Reports = &reports.Service{DB: db, Now: now, Zone: cfg.Zone, Profile: a.Clocks.Profile, Cause: console.CauseLabel}
	a.MailIn = &mailin.Service{DB: db, Journal: a.Journal, Now: now, Log: log.With("component", "mailin"), Profiles: cfg.MailProfile}

	a.Web = &web.Server{Log: log, DB: db, Auth: a.Auth, Journal: a.Journal, Metrics: a.Metrics,
		Warnings: func() []string { return append(slices.Clone(a.Warnings), a.Profiles.Registry().Lapsed(a.Now())...) },
		Security: web.Security{PublicHTTPS: cfg.SecurePublic(), MetricsAccess: cfg.MetricsAccess, MetricsToken: cfg.MetricsToken},
		Extra:    map[string]http.Handler{"/status": a.Status, "/status/": a.Status},
		Mounts:   []func(*web.Server){a.Profiles.Mount, a.Clocks.Mount, a.Notices.Mount, a.Procurement.Mount, a.PublicNotice.Mount, a.MailIn.Mount, a.Analysis.Mount, a.Reports.Mount}}
	a.mountConvo()
	if err := a.openSignatures(); err != nil {
		return nil, err
	}
	a.mountSignatures()
	a.Analysis.Signatures, a.Analysis.Extract = a.Signatures, a.signedExtract // Q44, Q36.10, Q37.13 with an EDS (sign12.go)
	if err := a.openIntake(ctx); err != nil {
		return nil, err
	}
	a.openForceMajeure()

	a.TextModules = textmod.New(db, now)
	// The operator console at "/" (the API's more specific patterns win);
	// its live queue hears the Journal after the other hooks.
	a.Console, err = console.New(console.Deps{Log: log.With("component", "console"), DB: db, Auth: a.Auth, Journal: a.Journal,
		Clocks: a.Clocks, Procurement: a.Procurement, Notices: a.PublicNotice, Convo: a.Convo, Files: a.Files, Analysis: a.Analysis, Reports: a.Reports, Registers: a.Registers, Acts: a.registerActs, Zone: cfg.Zone, Now: now,
		Signatures: a.Signatures, NCALayerURL: cfg.Signatures.NCALayerURL,
		Status: a.Status, Profiles: a.Profiles, MailIn: a.MailIn, TextModules: a.TextModules, Intake: a.Monitor, Triggers: a.Triggers, ForceMajeure: a.ForceMajeure, Cabinet: a.cabinetDeps()})
	if err != nil {
		return nil, err
	}
	a.Journal.AddHooks(a.Console.Broker)
	a.Clocks.OnFired(a.Console.Broker.ClockFired) // warnings and breaches live on every console
	a.Web.Extra["/"] = a.Console.Handler()
	a.openCluster() // live updates across desk processes on PostgreSQL

	// Background workers, started by Serve.
	// Clocks and outbox claim rows (SKIP LOCKED); profiles reload in every
	// process; the others lead (docs/multiprocess.md).
	a.workers = append(a.workers, a.Clocks.Run, a.Outbox.Run, a.lead("analysis", a.Analysis.Run),
		func(ctx context.Context) { a.Profiles.Run(ctx, time.Minute, func(w string) { a.Log.Warn(w) }) },
		a.lead("webhook", func(ctx context.Context) {
			a.Procurement.RunWebhook(ctx, &http.Client{Timeout: 30 * time.Second}, now, 5*time.Second)
		}))
	if cfg.SMTPListen != "" {
		a.workers = append(a.workers, a.runMailListener)
	}
	if cfg.AuthorityEmail.IsZero() || cfg.AuthoritySecurityEmail.IsZero() {
		a.Warnings = append(a.Warnings, "the authorized body's addresses are not set (--authority-email, --authority-security-email): medium/high failure notices (Q37.1, Q42) reach only the cabinets of authority users")
	}
	return a, nil
}

// checkQueries prepares every package's statements against the migrated
// schema, so a broken query fails the boot, not a request.
func checkQueries(ctx context.Context, db *store.DB) error {
	for _, q := range store.Registered() {
		if err := db.Check(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// profileResolver turns the profile an appeal names (or the default) into
// the version in force at its registration; past the family's last
// version's end that version is used, and the appeal flagged by the Journal.
func (a *App) profileResolver(def string) journal.ProfileResolver {
	return func(name string, at time.Time) (string, error) {
		if name == "" {
			name = def
		}
		r, err := a.Profiles.Registry().ResolveLenient(name, at)
		if err != nil {
			return "", err
		}
		return r.Profile.ID(), nil
	}
}

func (a *App) openClocks(ctx context.Context, o options) error {
	cfg := clocks.Config{Warn: a.Cfg.ClockWarn, Tick: a.Cfg.ClockTick, MailDomain: a.Cfg.MailFrom.Domain,
		Ticks: o.clockTicks, OnTick: o.clockScan}
	if cfg.OnTick == nil {
		cfg.OnTick = func(n int, err error) {
			if err != nil {
				a.Log.Error("clock scan", "error", err.Error(), "raised", n)
			} else if n > 0 {
				a.Log.Info("clock scan", "raised", n)
			}
		}
	}
	a.Clocks = clocks.New(a.DB, a.Now, regulation.Default(), cfg)
	if err := a.Clocks.Load(ctx); err != nil {
		return err
	}
	if err := a.Clocks.Prepare(ctx); err != nil {
		return err
	}
	a.closers = append(a.closers, a.Clocks.Close)
	return a.Clocks.Register(a.Metrics.Reg)
}

func (a *App) openOutbox() error {
	m, err := notify.NewMetrics(a.Metrics.Reg, a.DB, a.Now)
	if err != nil {
		return err
	}
	a.Outbox = &notify.Worker{DB: a.DB, Now: a.Now, Log: a.Log.With("worker", "outbox"), Metrics: m, ReplyTo: a.Cfg.MailFrom.String(), Open: a.Secrets.Open,
		OpenFile: a.Files.Open} // openConvo made a.Files
	if a.Cfg.PublicURL != nil {
		a.Outbox.StatusURL = a.Cfg.PublicURL.String() + "/status"
		a.Outbox.PublicURL = a.Cfg.PublicURL.String()
	}
	if a.Cfg.SMTPRelay == nil {
		a.Warnings = append(a.Warnings, "no --smtp-relay: email notices wait in the outbox, due, until one is set")
		return nil
	}
	s, err := mailer.NewSender(mailer.Config{RelayURL: a.Cfg.SMTPRelay.String(), From: a.Cfg.MailFrom.String(), HELO: a.Cfg.MailFrom.Domain, Now: a.Now})
	if err != nil {
		return err
	}
	a.Outbox.Sender = s
	return nil
}

// openStatus builds the public notice (its data, from the database) and the
// page serving it; a committed change re-renders the page at once.
func (a *App) openStatus() error {
	a.PublicNotice = &publicnotice.Service{DB: a.DB, Now: a.Now, NoticeBy: publicnotice.NoticeDeadline(a.Cfg.DefaultProfile),
		Announcement: a.Cfg.AnnouncementPattern, Lot: a.Cfg.LotPattern}
	opt := statuspage.Options{Now: a.Now, Location: a.Cfg.Zone, Logger: a.Log.With("component", "statuspage")}
	if a.Cfg.PublicURL != nil {
		opt.BaseURL = a.Cfg.PublicURL.String()
	}
	h, err := statuspage.New(a.PublicNotice, opt)
	if err != nil {
		return err
	}
	a.PublicNotice.Changed = h.Invalidate
	a.Status = h
	return nil
}

// runMailListener serves SMTP for the support addresses (--mail-from and
// those of --mail-profile) until ctx ends; every message is registered,
// threaded or ignored and committed before the client hears 250. A port
// that cannot be bound is retried (logged as an error) rather than
// silently dropping inbound mail. It runs as a worker, not in Open: CLI
// commands open the app too and must not take the SMTP port.
func (a *App) runMailListener(ctx context.Context) {
	accept := []string{a.Cfg.MailFrom.Address}
	for addr := range a.Cfg.MailProfile {
		accept = append(accept, addr)
	}
	cfg := email.ListenerConfig{Addr: a.Cfg.SMTPListen, Now: a.Now, Logger: a.Log.With("component", "smtp"),
		Domain: a.Cfg.MailFrom.Domain, Accept: accept}
	for {
		l, err := email.Listen(cfg, a.MailIn)
		if err == nil {
			a.Log.Info("smtp listening", "addr", l.Addr().String(), "accept", cfg.Accept)
			<-ctx.Done()
			cctx, cancel := context.WithTimeout(context.Background(), a.Cfg.ShutdownGrace)
			if err := l.Close(cctx); err != nil {
				a.Log.Warn("smtp listener close", "err", err)
			}
			cancel()
			return
		}
		a.Log.Error("smtp listener cannot start; retrying in 5s", "addr", cfg.Addr, "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(5 * time.Second):
		}
	}
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
	if a.Cfg.TLSCert != "" {
		certs, err := newCertReloader(a.Cfg.TLSCert, a.Cfg.TLSKey)
		if err != nil {
			ln.Close()
			return err
		}
		ln = tls.NewListener(ln, certs.config())
	}
	a.ln = ln
	a.srv = &http.Server{Handler: a.Web.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second, ErrorLog: slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn)}
	return nil
}

func (a *App) Addr() string { return a.ln.Addr().String() }

// Serve runs the workers and the HTTP server until ctx is cancelled, then
// stops taking connections and finishes in-flight requests (their appeals
// commit) before returning.
func (a *App) Serve(ctx context.Context) error {
	for _, w := range a.Web.Warnings() {
		a.Log.Warn(w)
	}
	wctx, stopWorkers := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	for _, w := range a.workers {
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

// Close releases what Open took, last taken first.
func (a *App) Close() error {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
	if a.Journal != nil {
		a.Journal.Close()
	}
	return a.DB.Close()
}
