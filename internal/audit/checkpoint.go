package audit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"time"

	"tenderdesk/internal/store"
)

// Checkpoint is a signed statement of the chain at one record: its seq and
// hash, and (for a purge) a digest of the records kept from before it. A
// purge checkpoint is where Verify starts after the records before it were
// deleted; a witness checkpoint is the daily head the desk signs and sends
// to the authorized body (issue 12), so a database rewritten end to end
// still disagrees with what the outside holds.
type Checkpoint struct {
	ID          int64     `json:"id,omitempty"`
	Kind        string    `json:"kind"` // purge, witness
	At          time.Time `json:"at"`
	Seq         int64     `json:"seq"`
	Hash        string    `json:"hash"`
	KeptCount   int64     `json:"kept_count"`
	KeptDigest  string    `json:"kept_digest,omitempty"`
	PurgedCount int64     `json:"purged_count"`
	Document    []byte    `json:"document,omitempty"` // the canonical document signed
	CMS         []byte    `json:"cms,omitempty"`      // the desk's signature over Document
}

// Sign signs a canonical document with the desk's own key (nil: unsigned).
type Sign func(doc []byte) ([]byte, error)

// Document is the canonical JSON the checkpoint's signature covers.
func (c Checkpoint) document() ([]byte, error) {
	return json.Marshal(struct {
		Action     string `json:"action"`
		At         string `json:"at"`
		Desk       string `json:"desk"`
		Hash       string `json:"hash"`
		KeptCount  int64  `json:"kept_count"`
		KeptDigest string `json:"kept_digest"`
		Kind       string `json:"kind"`
		Seq        int64  `json:"seq"`
	}{"audit.checkpoint", c.At.UTC().Format(time.RFC3339), "tenderdesk", c.Hash, c.KeptCount, c.KeptDigest, c.Kind, c.Seq})
}

// ParseCheckpoint reads a checkpoint document (as sent to the authorized
// body) for Against.
func ParseCheckpoint(doc []byte) (Checkpoint, error) {
	var c Checkpoint
	if err := json.Unmarshal(doc, &c); err != nil {
		return c, fmt.Errorf("checkpoint: %w", err)
	}
	if c.Seq <= 0 || len(c.Hash) != 64 {
		return c, errors.New("checkpoint: needs seq > 0 and a 64-hex hash")
	}
	return c, nil
}

func scanCheckpoint(r interface{ Scan(...any) error }) (Checkpoint, error) {
	var c Checkpoint
	var at store.Time
	err := r.Scan(&c.ID, &c.Kind, &at, &c.Seq, &c.Hash, &c.KeptCount, &c.KeptDigest, &c.PurgedCount, &c.Document, &c.CMS)
	c.At = at.Time
	return c, err
}

func latestPurge(ctx context.Context, db *store.DB) (Checkpoint, error) {
	c, err := scanCheckpoint(db.R.QueryRowContext(ctx, Q.LatestPurge))
	if errors.Is(err, sql.ErrNoRows) {
		return Checkpoint{}, nil
	}
	if err != nil {
		return c, fmt.Errorf("audit checkpoint: %w", err)
	}
	return c, nil
}

// LatestWitness is the newest daily witness checkpoint (zero if none).
func LatestWitness(ctx context.Context, db *store.DB) (Checkpoint, error) {
	c, err := scanCheckpoint(db.R.QueryRowContext(ctx, Q.LatestWitness))
	if errors.Is(err, sql.ErrNoRows) {
		return Checkpoint{}, nil
	}
	return c, err
}

// keptDigest is SHA-256 over "seq:hash\n" of the kept records in order.
type keptDigest struct {
	h hash.Hash
	n int64
}

func newKeptDigest() *keptDigest { return &keptDigest{h: sha256.New()} }

func (k *keptDigest) add(r Record) { fmt.Fprintf(k.h, "%d:%s\n", r.Seq, r.Hash); k.n++ }

func (k *keptDigest) sum() string { return hex.EncodeToString(k.h.Sum(nil)) }

func (k *keptDigest) check(base Checkpoint) error {
	if k.n != base.KeptCount || k.sum() != base.KeptDigest {
		return &Problem{Seq: base.Seq, Reason: fmt.Sprintf("the records kept from before the purge checkpoint (%d found, %d signed) do not match its digest: one was removed, added or rewritten", k.n, base.KeptCount)}
	}
	return nil
}

// Keep says whether a record past the purge boundary must stay: its term
// is not over, or the Journal keeps it (appeal and incident history).
type Keep func(r Record, now time.Time) bool

// PurgeResult is what a purge did.
type PurgeResult struct {
	Checkpoint Checkpoint
	Deleted    int64
	Batches    int
	// MaxBatch is the longest delete transaction: how long the purge held
	// the (SQLite) writer at most (issue 12: ≤ 100 ms).
	MaxBatch time.Duration
	// MaxDeletes is the longest run of a transaction's deletes, without
	// its commit (the commit may run SQLite's WAL checkpoint).
	MaxDeletes time.Duration
}

// purgeBudget bounds one delete transaction of the purge by time as well
// as by count: on a loaded machine 1,000 deletes held SQLite's writer up
// to 237 ms (issue 12: ≤ 100 ms); the commit comes after the budget.
const purgeBudget = 40 * time.Millisecond

// Purge deletes the records older than cutoff that keep does not keep. It
// first stores a checkpoint of the boundary record (seq, hash, digest of
// the kept records), signed with sign, then deletes in batches of batch
// records, each its own short transaction, so the SQLite writer is never
// held long. A purge interrupted halfway leaves a chain that still verifies
// from the checkpoint only once finished: Purge is re-run to completion.
func Purge(ctx context.Context, db *store.DB, now, cutoff time.Time, keep Keep, sign Sign, batch int) (PurgeResult, error) {
	if batch <= 0 {
		batch = 1000
	}
	base, err := latestPurge(ctx, db)
	if err != nil {
		return PurgeResult{}, err
	}
	var s int64
	if err := db.R.QueryRowContext(ctx, Q.LastBefore, store.T(cutoff)).Scan(&s); err != nil {
		return PurgeResult{}, fmt.Errorf("audit purge: %w", err)
	}
	if s <= base.Seq {
		return PurgeResult{Checkpoint: base}, nil
	}
	boundary, err := scan(db.R.QueryRowContext(ctx, Q.RecordAt, s))
	if err != nil {
		return PurgeResult{}, fmt.Errorf("audit purge: boundary record %d: %w", s, err)
	}
	// Pass 1: which records up to the boundary stay (those kept by
	// earlier purges are judged again: their term may be over now).
	kept := newKeptDigest()
	var doomed []int64
	var last int64
	for {
		rows, err := db.R.QueryContext(ctx, Q.ScanUpto, last, s, 5000)
		if err != nil {
			return PurgeResult{}, err
		}
		got := 0
		for rows.Next() {
			r, err := scan(rows)
			if err != nil {
				rows.Close()
				return PurgeResult{}, err
			}
			got++
			last = r.Seq
			if keep(r, now) {
				kept.add(r)
			} else {
				doomed = append(doomed, r.Seq)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return PurgeResult{}, err
		}
		if got < 5000 {
			break
		}
	}
	cp := Checkpoint{Kind: "purge", At: now.UTC().Truncate(time.Second), Seq: s, Hash: boundary.Hash, KeptCount: kept.n, KeptDigest: kept.sum()}
	if cp.Document, err = cp.document(); err != nil {
		return PurgeResult{}, err
	}
	if sign != nil {
		if cp.CMS, err = sign(cp.Document); err != nil {
			return PurgeResult{}, fmt.Errorf("audit purge: sign checkpoint: %w", err)
		}
	}
	if err := db.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, Q.InsertCheckpoint, cp.Kind, store.T(cp.At), cp.Seq, cp.Hash, cp.KeptCount, cp.KeptDigest, 0,
			cp.Document, cp.CMS).Scan(&cp.ID); err != nil {
			return err
		}
		_, err := Append(ctx, tx, db.Dialect, now, System, Entry{Action: "audit.purge", ObjectType: "audit_checkpoint", ObjectID: fmt.Sprint(cp.ID),
			After: map[string]any{"seq": cp.Seq, "hash": cp.Hash, "kept": cp.KeptCount, "to_delete": len(doomed), "cutoff": cutoff.UTC()}})
		return err
	}); err != nil {
		return PurgeResult{}, fmt.Errorf("audit purge: checkpoint: %w", err)
	}
	res := PurgeResult{Checkpoint: cp}
	for i := 0; i < len(doomed); {
		part := doomed[i:min(i+batch, len(doomed))]
		var began time.Time // from the writer's first statement to the commit, not the wait for the writer
		done := 0
		if err := db.Tx(ctx, func(tx *sql.Tx) error {
			began = time.Now()
			st, err := tx.PrepareContext(ctx, Q.DeleteRecord)
			if err != nil {
				return err
			}
			defer st.Close()
			done = 0
			for _, seq := range part {
				if _, err := st.ExecContext(ctx, seq); err != nil {
					return err
				}
				done++
				if time.Since(began) > purgeBudget {
					break // the rest in the next transaction: registrations wait for this writer
				}
			}
			res.MaxDeletes = max(res.MaxDeletes, time.Since(began))
			return nil
		}); err != nil {
			return res, fmt.Errorf("audit purge: delete: %w", err)
		}
		res.MaxBatch = max(res.MaxBatch, time.Since(began))
		i += done
		res.Deleted += int64(done)
		res.Batches++
	}
	if _, err := db.W.ExecContext(ctx, Q.SetCheckpointPurged, cp.ID, res.Deleted); err != nil {
		return res, err
	}
	res.Checkpoint.PurgedCount = res.Deleted
	return res, nil
}

// Witness signs the current head and stores it as a witness checkpoint;
// the caller sends Document and CMS to the authorized body.
func Witness(ctx context.Context, db *store.DB, now time.Time, sign Sign) (Checkpoint, error) {
	return WitnessThen(ctx, db, now, sign, nil)
}

// WitnessThen is Witness with then run in the transaction that stores the
// checkpoint (then may be nil): the mail to the authorized body is queued
// in the outbox with it, so a stored witness is never left unsent nor a
// sent one unstored.
func WitnessThen(ctx context.Context, db *store.DB, now time.Time, sign Sign, then func(*sql.Tx, Checkpoint) error) (Checkpoint, error) {
	var cp Checkpoint
	if err := db.R.QueryRowContext(ctx, Q.Head).Scan(&cp.Seq, &cp.Hash); err != nil {
		return cp, fmt.Errorf("audit head: %w", err)
	}
	cp.Kind, cp.At = "witness", now.UTC().Truncate(time.Second)
	var err error
	if cp.Document, err = cp.document(); err != nil {
		return cp, err
	}
	if sign != nil {
		if cp.CMS, err = sign(cp.Document); err != nil {
			return cp, fmt.Errorf("audit witness: sign: %w", err)
		}
	}
	err = db.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, Q.InsertCheckpoint, cp.Kind, store.T(cp.At), cp.Seq, cp.Hash, 0, "", 0, cp.Document, cp.CMS).Scan(&cp.ID); err != nil {
			return err
		}
		if then != nil {
			return then(tx, cp)
		}
		return nil
	})
	return cp, err
}

// Against checks the chain (Verify) and that it agrees with a checkpoint
// held outside: the record at the checkpoint's seq still has its hash, or,
// when that record was purged since, the purge checkpoint covers it.
func Against(ctx context.Context, db *store.DB, cp Checkpoint) (int64, error) {
	n, err := Verify(ctx, db)
	if err != nil {
		return n, err
	}
	r, err := scan(db.R.QueryRowContext(ctx, Q.RecordAt, cp.Seq))
	switch {
	case err == nil && r.Hash == cp.Hash:
		return n, nil
	case err == nil:
		return n, &Problem{Seq: cp.Seq, Reason: "differs from the outside checkpoint of " + cp.At.UTC().Format(time.RFC3339) + ": the chain was rewritten from this record on"}
	case !errors.Is(err, sql.ErrNoRows):
		return n, err
	}
	base, err := latestPurge(ctx, db)
	if err != nil {
		return n, err
	}
	if cp.Seq > base.Seq {
		return n, &Problem{Seq: cp.Seq, Reason: "missing, yet newer than the purge checkpoint: deleted"}
	}
	if cp.Seq == base.Seq && cp.Hash != base.Hash {
		return n, &Problem{Seq: cp.Seq, Reason: "the purge checkpoint disagrees with the outside checkpoint: rewritten"}
	}
	return n, nil
}
