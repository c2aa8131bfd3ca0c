package app

import (
	"context"
	"errors"
	"net/http"
	"time"

	"tenderdesk/internal/intake/monitor"
	"tenderdesk/internal/triggers"
)

// openIntake builds the monitoring and system-log intake (issue 14, Q27):
// its routes, the worker that applies events left pending by a crash, the
// probe scheduler, and the syslog receivers when configured.
func (a *App) openIntake(ctx context.Context) error {
	a.Monitor = monitor.New(a.DB, a.Journal, a.Now, a.Log.With("component", "intake"))
	a.Monitor.ProbeClient = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if err := a.Monitor.LoadRules(ctx); err != nil {
		return err
	}
	a.Web.Mounts = append(a.Web.Mounts, a.Monitor.Mount)
	// Appeals that trigger point rules feed the planner (issue 14).
	a.Triggers = &triggers.Service{DB: a.DB, Now: a.Now}
	a.Procurement.Triggers = a.Triggers.Inputs
	a.Web.Mounts = append(a.Web.Mounts, a.Triggers.Mount)
	a.workers = append(a.workers, a.Monitor.Run, a.lead("probes", a.Monitor.RunProbes))
	if a.Cfg.SyslogListen != "" || a.Cfg.SyslogUDP != "" {
		if a.Cfg.SyslogTLS && a.Cfg.TLSCert == "" {
			return errors.New("config: --syslog-tls needs --tls-cert and --tls-key")
		}
		a.workers = append(a.workers, a.runSyslog)
	}
	return nil
}

// runSyslog serves the syslog receivers until ctx ends, then stores what
// they read; a port that cannot be bound is retried (logged), like SMTP.
func (a *App) runSyslog(ctx context.Context) {
	cfg := monitor.SyslogConfig{TCP: a.Cfg.SyslogListen, UDP: a.Cfg.SyslogUDP}
	if a.Cfg.SyslogTLS {
		certs, err := newCertReloader(a.Cfg.TLSCert, a.Cfg.TLSKey)
		if err != nil {
			a.Log.Error("syslog TLS: no certificate; the receiver is off", "err", err)
			return
		}
		cfg.TLS = certs.config()
	}
	for {
		y, err := a.Monitor.ListenSyslog(cfg)
		if err == nil {
			a.syslogMu.Lock()
			a.syslog = y
			a.syslogMu.Unlock()
			a.Log.Info("syslog listening", "tcp", y.TCPAddr(), "udp", y.UDPAddr(), "tls", cfg.TLS != nil)
			<-ctx.Done()
			cctx, cancel := context.WithTimeout(context.Background(), a.Cfg.ShutdownGrace)
			if err := y.Close(cctx); err != nil {
				a.Log.Error("syslog: lines not stored at shutdown", "err", err)
			}
			cancel()
			return
		}
		a.Log.Error("syslog receiver cannot start; retrying in 5s", "tcp", cfg.TCP, "udp", cfg.UDP, "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(5 * time.Second):
		}
	}
}

// Syslog is the running syslog receivers, nil until they listen.
func (a *App) Syslog() *monitor.Syslog {
	a.syslogMu.Lock()
	defer a.syslogMu.Unlock()
	return a.syslog
}
