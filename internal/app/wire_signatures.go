package app

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/registers"
	"tenderdesk/internal/retention"
	"tenderdesk/internal/signature"
)

// openSignatures builds issue 12: the EDS verifier from the trust store,
// CRLs, OCSP and the external GOST verifier; the signature store and its
// policy; the desk's own key; the registers; the retention job (daily).
func (a *App) openSignatures() error {
	s := a.Cfg.Signatures
	a.Registers = &registers.Service{DB: a.DB, Now: a.Now}
	if s.RegisterFields != "" {
		f, err := registers.ParseFields(s.RegisterFields)
		if err != nil {
			return err
		}
		a.Registers.Public = f
	}
	policy, err := signature.ParsePolicy(s.Policy)
	if err != nil {
		return err
	}
	if s.TrustDir != "" {
		ts, err := signature.LoadTrustDir(s.TrustDir)
		if err != nil {
			return err
		}
		crls, err := signature.LoadCRLs(s.CRLFiles)
		if err != nil {
			return err
		}
		v := &signature.Verifier{Roots: ts.Roots, Intermediates: ts.Intermediates, CRLs: crls, RequireRevocation: s.RequireRevocation, Now: a.Now}
		switch s.OCSP {
		case "", "off":
		case "on":
			v.OCSP = signature.HTTPOCSP{Client: &http.Client{Timeout: 5 * time.Second}}
		default:
			v.OCSP = signature.HTTPOCSP{URL: s.OCSP, Client: &http.Client{Timeout: 5 * time.Second}}
		}
		if s.NCANodeURL != "" {
			v.External = signature.NCANode{URL: s.NCANodeURL, Client: &http.Client{Timeout: 10 * time.Second}}
		}
		a.Signatures = &signature.Service{DB: a.DB, Verifier: v, Policy: policy, Now: a.Now}
		a.Journal.AddHooks(registers.SignatureHook{Sig: a.Signatures})
	} else {
		a.Warnings = append(a.Warnings, "no --trust-dir: EDS signatures cannot be verified, signing is off (Q4, E10, E12, E31)")
		for _, act := range signature.Actions {
			if policy.Mode(act) == signature.Required {
				return fmt.Errorf("--signature-policy requires a signature for %s, but there is no --trust-dir to verify it", act)
			}
		}
	}
	var sign audit.Sign
	if s.DeskKey != "" {
		k, err := signature.LoadPKCS12(s.DeskKey, s.DeskKeyPassword)
		if err != nil {
			return err
		}
		sign = k.Sign
	} else {
		a.Warnings = append(a.Warnings, "no --desk-key: audit checkpoints and the daily witness are stored unsigned")
	}
	terms := retention.Terms{AccessLogYears: s.AccessLogYears, AuditYears: s.AuditYears}
	if terms.AccessLogYears == 0 && terms.AuditYears == 0 {
		terms = retention.DefaultTerms
	}
	if err := terms.Validate(); err != nil {
		return err
	}
	a.Retention = &retention.Service{DB: a.DB, Now: a.Now, Terms: terms, Sign: sign, Log: a.Log.With("component", "retention"),
		WitnessEmail: a.witnessEmail(), MailDomain: a.Cfg.MailFrom.Domain, Zone: a.Cfg.Zone.String()}
	if a.Retention.WitnessEmail == "" {
		a.Warnings = append(a.Warnings, "no --witness-email nor --authority-email: the daily signed witness of the audit chain is stored and published, but not mailed to the authorized body")
	}
	if a.Files != nil {
		a.Retention.ContentPath = a.Files.ContentPath
	}
	a.workers = append(a.workers, a.lead("retention", a.runRetention))
	return nil
}

// witnessEmail is where the daily witness goes: --witness-email, else the
// authorized body's notice address.
func (a *App) witnessEmail() string {
	if !a.Cfg.WitnessEmail.IsZero() {
		return a.Cfg.WitnessEmail.Address
	}
	return a.Cfg.AuthorityEmail.Address
}

func (a *App) mountSignatures() {
	a.registerActs = &registers.API{Sig: a.Signatures, Registers: a.Registers, Retention: a.Retention, Auth: a.Auth, Journal: a.Journal}
	a.Web.Mounts = append(a.Web.Mounts, a.registerActs.Mount)
}

// runRetention runs the job once a day (first an hour after start).
func (a *App) runRetention(ctx context.Context) {
	t := time.NewTicker(24 * time.Hour)
	defer t.Stop()
	first := time.NewTimer(time.Hour)
	defer first.Stop()
	ticks := make(chan time.Time, 1)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case v := <-first.C:
				ticks <- v
			case v := <-t.C:
				select {
				case ticks <- v:
				default:
				}
			}
		}
	}()
	a.Retention.Loop(ctx, ticks, func(r retention.Report, err error) {
		if err != nil {
			a.Log.Error("retention", "error", err.Error())
			return
		}
		a.Log.Info("retention", "recordings_destroyed", r.RecordingsDestroyed, "recordings_kept_by_dispute", r.RecordingsKept,
			"audit_deleted", r.Purge.Deleted, "witness_seq", r.Witness.Seq, "witness_mailed", !r.WitnessUnmailed)
	})
}
