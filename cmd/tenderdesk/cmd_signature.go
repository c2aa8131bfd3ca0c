package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"tenderdesk/internal/app"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/signature"
)

func init() {
	register(command{name: "signature verify", summary: "re-check an EDS signature: a stored one (--id) or a .cms file over a document, offline", run: runSignatureVerify})
	register(command{name: "retention run", summary: "apply the retention rules once now (recordings, audit purge behind a checkpoint, the day's witness)", run: runRetention})
}

var trustFlags = []string{"trust-dir", "crl-files", "require-revocation", "ocsp", "ncanode-url", "log-level"}

func runSignatureVerify(args []string, stdout, stderr io.Writer) int {
	var id int64
	var cmsPath, contentPath, iin, bin string
	extra := func(fs *flagSet) {
		fs.Int64Var(&id, "id", 0, "a stored signature's id (needs --db)")
		fs.StringVar(&cmsPath, "cms", "", "a CMS / PKCS#7 file (DER or PEM)")
		fs.StringVar(&contentPath, "content", "", "the signed document (for a detached signature)")
		fs.StringVar(&iin, "iin", "", "the IIN the signer must have")
		fs.StringVar(&bin, "bin", "", "the BIN the signer's certificate must carry")
	}
	cfg, code, ok := flags("signature verify", args, stderr, extra, append([]string{"db"}, trustFlags...)...)
	if !ok {
		return code
	}
	if (id == 0) == (cmsPath == "") {
		fmt.Fprintln(stderr, "tenderdesk signature verify: give --id (a stored signature) or --cms (a file), one of them")
		return 2
	}
	if cfg.Signatures.TrustDir == "" {
		fmt.Fprintln(stderr, "tenderdesk signature verify: --trust-dir (the NCA root and intermediate certificates) is required")
		return 2
	}
	ctx := context.Background()
	var v *signature.Verifier
	var doc, cms []byte
	want := signature.Expect{IIN: iin, BIN: bin}
	if id != 0 {
		a, err := app.Open(ctx, cfg, logger(cfg, stderr))
		if err != nil {
			fmt.Fprintf(stderr, "tenderdesk signature verify: %v\n", err)
			return 1
		}
		defer a.Close()
		rec, err := a.Signatures.Get(ctx, id)
		if err != nil {
			fmt.Fprintf(stderr, "tenderdesk signature verify: %v\n", describe(err))
			return 1
		}
		v, doc, cms = a.Signatures.Verifier, rec.Document, rec.CMS
		if want == (signature.Expect{}) {
			want = signature.Expect{IIN: rec.SignerIIN, BIN: rec.SignerBIN}
		}
		fmt.Fprintf(stdout, "signature %d: %s of %s %s, stored %s by %s\n", rec.ID, rec.Action, rec.ObjectType, rec.ObjectID,
			rec.VerifiedAt.Format("2006-01-02 15:04:05Z07:00"), rec.Login)
	} else {
		var err error
		if v, err = verifierOf(cfg.Signatures.TrustDir, cfg.Signatures.CRLFiles, cfg.Signatures.RequireRevocation); err != nil {
			fmt.Fprintf(stderr, "tenderdesk signature verify: %v\n", err)
			return 1
		}
		if cms, err = os.ReadFile(cmsPath); err != nil {
			fmt.Fprintf(stderr, "tenderdesk signature verify: %v\n", err)
			return 1
		}
		if contentPath != "" {
			if doc, err = os.ReadFile(contentPath); err != nil {
				fmt.Fprintf(stderr, "tenderdesk signature verify: %v\n", err)
				return 1
			}
		}
	}
	res, _, err := v.Verify(ctx, cms, doc, want)
	var r *signature.Refusal
	switch {
	case errors.As(err, &r):
		fmt.Fprintf(stdout, "signature REFUSED (%s): %s\n", r.Code, r.Reason)
		return 1
	case err != nil:
		fmt.Fprintf(stderr, "tenderdesk signature verify: %v\n", err)
		return 2
	}
	ids := []string{}
	if res.Signer.IIN != "" {
		ids = append(ids, "IIN "+res.Signer.IIN)
	}
	if res.Signer.BIN != "" {
		ids = append(ids, "BIN "+res.Signer.BIN)
	}
	fmt.Fprintf(stdout, "signature valid: %s (%s), signed %s, serial %s\n  chain: %s\n  revocation: %s\n", res.Signer.CommonName,
		strings.Join(ids, ", "), res.SignedAt.Format("2006-01-02 15:04:05Z"), res.Serial, strings.Join(res.Chain, " → "), res.Revocation)
	return 0
}

func verifierOf(dir string, crlFiles []string, require bool) (*signature.Verifier, error) {
	ts, err := signature.LoadTrustDir(dir)
	if err != nil {
		return nil, err
	}
	crls, err := signature.LoadCRLs(crlFiles)
	if err != nil {
		return nil, err
	}
	return &signature.Verifier{Roots: ts.Roots, Intermediates: ts.Intermediates, CRLs: crls, RequireRevocation: require}, nil
}

func runRetention(args []string, stdout, stderr io.Writer) int {
	cfg, code, ok := flags("retention run", args, stderr, nil, "db", "zone", "log-level", "files-dir", "desk-key", "desk-key-password",
		"access-log-retention", "audit-retention", "clamd", "witness-email", "authority-email", "mail-from")
	if !ok {
		return code
	}
	a, err := app.Open(context.Background(), cfg, logger(cfg, stderr))
	if err != nil {
		fmt.Fprintf(stderr, "tenderdesk retention run: %v\n", err)
		return 1
	}
	defer a.Close()
	rep, err := a.Retention.Run(context.Background())
	if err != nil {
		fmt.Fprintf(stderr, "tenderdesk retention run: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "call recordings destroyed: %d (kept by an open dispute: %d)\naudit records deleted: %d in %d batches (checkpoint at record %d)\nwitness: record %d, hash %s\n",
		rep.RecordingsDestroyed, rep.RecordingsKept, rep.Purge.Deleted, rep.Purge.Batches, rep.Purge.Checkpoint.Seq, rep.Witness.Seq, rep.Witness.Hash)
	if rep.WitnessUnmailed {
		fmt.Fprintln(stdout, "witness NOT mailed: no --witness-email nor --authority-email")
	} else {
		// queued, not sent: the outbox of the running desk delivers it
		fmt.Fprintf(stdout, "witness queued in the outbox for %s\n", a.Retention.WitnessEmail)
	}
	return 0
}

// verifyAgainst reads a checkpoint file (issue 12's outside witness) and
// checks the chain agrees with it.
func verifyAgainst(a *app.App, path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	cp, err := audit.ParseCheckpoint(b)
	if err != nil {
		return 0, err
	}
	return audit.Against(context.Background(), a.DB, cp)
}
