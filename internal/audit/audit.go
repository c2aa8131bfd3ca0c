// Package audit is the tamper-evident record of every state-changing action
// (E32–E34). Each record is appended in the same transaction as the change it
// records and carries the SHA-256 of its predecessor, so a modified, deleted
// or reordered record breaks the chain that Verify walks.
package audit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"tenderdesk/internal/store"
)

//go:embed queries.sql
var queriesSQL string

var Queries = store.MustParse(queriesSQL)

// Actor is who did something, from where.
type Actor struct {
	ID         int64  // 0 for the system
	Login      string // "system" for the desk itself
	Role       string
	ClientAddr string
}

var System = Actor{Login: "system", Role: "system"}

// Record is one audit entry.
type Record struct {
	Seq        int64           `json:"seq"`
	At         time.Time       `json:"at"`
	ActorID    int64           `json:"actor_id,omitempty"`
	Actor      string          `json:"actor"`
	Role       string          `json:"role"`
	Action     string          `json:"action"`
	ObjectType string          `json:"object_type"`
	ObjectID   string          `json:"object_id"`
	Before     json.RawMessage `json:"before,omitempty"`
	After      json.RawMessage `json:"after,omitempty"`
	ClientAddr string          `json:"client_addr,omitempty"`
	PrevHash   string          `json:"prev_hash"`
	Hash       string          `json:"hash"`
}

// Entry is what a caller records.
type Entry struct {
	Action     string // e.g. "appeal.register", "incident.confirm"
	ObjectType string
	ObjectID   string
	Before     any // marshalled to JSON; nil for none
	After      any
}

// Append writes e in tx, chained to the current head. The head row lock
// serializes concurrent appends on PostgreSQL; SQLite has one writer anyway.
func Append(ctx context.Context, tx *sql.Tx, d store.Dialect, now time.Time, a Actor, e Entry) (Record, error) {
	c, err := Begin(ctx, tx, d, nil)
	if err != nil {
		return Record{}, err
	}
	r, err := c.Append(ctx, now, a, e)
	if err != nil {
		return Record{}, err
	}
	return r, c.Save(ctx)
}

// Stmts are the chain's statements prepared once on a database, for a
// writer that appends many records (the registration group commit).
type Stmts struct{ lockHead, insert, setHead *sql.Stmt }

// Prepare prepares the chain's statements on db (call it outside any
// transaction: on SQLite the write pool has one connection).
func Prepare(ctx context.Context, db *sql.DB, d store.Dialect) (*Stmts, error) {
	lock := Q.LockHeadPostgres
	if d == store.SQLite {
		lock = Q.LockHeadSQLite
	}
	var s Stmts
	var err error
	for _, p := range []struct {
		dst **sql.Stmt
		q   string
	}{{&s.lockHead, lock}, {&s.insert, Q.Insert}, {&s.setHead, Q.SetHead}} {
		if *p.dst, err = db.PrepareContext(ctx, p.q); err != nil {
			s.Close()
			return nil, fmt.Errorf("audit: prepare: %w", err)
		}
	}
	return &s, nil
}

func (s *Stmts) Close() {
	for _, st := range []*sql.Stmt{s.lockHead, s.insert, s.setHead} {
		if st != nil {
			st.Close()
		}
	}
}

// Chain appends several records in one transaction: it locks and reads the
// head once (Begin), keeps it in memory while records are appended, and
// writes it back once (Save) before the commit. Mark and Reset let a caller
// that rolls back to a savepoint forget the records appended after it.
type Chain struct {
	tx        *sql.Tx
	st        *Stmts
	seq       int64
	hash      string
	dirty     bool
	markSeq   int64
	markHash  string
	markDirty bool
}

// Begin locks the head of the chain in tx. st may be nil (statements are
// then prepared by the driver on each use).
func Begin(ctx context.Context, tx *sql.Tx, d store.Dialect, st *Stmts) (*Chain, error) {
	c := &Chain{tx: tx, st: st}
	var row *sql.Row
	if st != nil {
		row = tx.StmtContext(ctx, st.lockHead).QueryRowContext(ctx)
	} else if d == store.SQLite {
		row = tx.QueryRowContext(ctx, Q.LockHeadSQLite)
	} else {
		row = tx.QueryRowContext(ctx, Q.LockHeadPostgres)
	}
	if err := row.Scan(&c.seq, &c.hash); err != nil {
		return nil, fmt.Errorf("audit head: %w", err)
	}
	return c, nil
}

func (c *Chain) exec(ctx context.Context, st func(*Stmts) *sql.Stmt, query string, args ...any) error {
	var err error
	if c.st != nil {
		_, err = c.tx.StmtContext(ctx, st(c.st)).ExecContext(ctx, args...)
	} else {
		_, err = c.tx.ExecContext(ctx, query, args...)
	}
	return err
}

// Append inserts one record after the head kept in memory.
func (c *Chain) Append(ctx context.Context, now time.Time, a Actor, e Entry) (Record, error) {
	r := Record{
		Seq: c.seq + 1, At: now.UTC().Truncate(time.Microsecond), ActorID: a.ID, Actor: a.Login, Role: a.Role,
		Action: e.Action, ObjectType: e.ObjectType, ObjectID: e.ObjectID, ClientAddr: a.ClientAddr, PrevHash: c.hash,
	}
	var err error
	if r.Before, err = raw(e.Before); err != nil {
		return Record{}, err
	}
	if r.After, err = raw(e.After); err != nil {
		return Record{}, err
	}
	r.Hash = r.computeHash()
	var actorID any
	if a.ID != 0 {
		actorID = a.ID
	}
	if err := c.exec(ctx, func(s *Stmts) *sql.Stmt { return s.insert }, Q.Insert, r.Seq, store.T(r.At), actorID, r.Actor, r.Role, r.Action,
		r.ObjectType, r.ObjectID, nullable(r.Before), nullable(r.After), r.ClientAddr, r.PrevHash, r.Hash); err != nil {
		return Record{}, fmt.Errorf("audit insert: %w", err)
	}
	c.seq, c.hash, c.dirty = r.Seq, r.Hash, true
	return r, nil
}

// Mark remembers the head (at a savepoint); Reset returns to it (after a
// rollback to that savepoint).
func (c *Chain) Mark()  { c.markSeq, c.markHash, c.markDirty = c.seq, c.hash, c.dirty }
func (c *Chain) Reset() { c.seq, c.hash, c.dirty = c.markSeq, c.markHash, c.markDirty }

// Save writes the head back; the transaction may then commit.
func (c *Chain) Save(ctx context.Context) error {
	if !c.dirty {
		return nil
	}
	if err := c.exec(ctx, func(s *Stmts) *sql.Stmt { return s.setHead }, Q.SetHead, c.seq, c.hash); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	c.dirty = false
	return nil
}

func raw(v any) (json.RawMessage, error) {
	if v == nil {
		return nil, nil
	}
	if m, ok := v.(json.RawMessage); ok {
		return m, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("audit: marshal: %w", err)
	}
	return b, nil
}

func nullable(m json.RawMessage) any {
	if m == nil {
		return nil
	}
	return string(m)
}

// computeHash covers every field but the hash itself, in a fixed layout that
// does not depend on how a backend renders values.
func (r Record) computeHash() string {
	h := sha256.New()
	fmt.Fprintf(h, "%d\x1f%s\x1f%d\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s",
		r.Seq, r.At.UTC().Format("2006-01-02T15:04:05.000000Z"), r.ActorID, r.Actor, r.Role, r.Action,
		r.ObjectType, r.ObjectID, r.Before, r.After, r.ClientAddr, r.PrevHash)
	return hex.EncodeToString(h.Sum(nil))
}

// Problem describes the first break in the chain.
type Problem struct {
	Seq    int64
	Reason string
}

func (p *Problem) Error() string { return fmt.Sprintf("audit record %d: %s", p.Seq, p.Reason) }

// Verify walks the whole chain in order. It returns the number of records
// checked and a *Problem naming the first bad record, or nil.
func Verify(ctx context.Context, db *store.DB) (int64, error) {
	var headSeq int64
	var headHash string
	if err := db.R.QueryRowContext(ctx, Q.Head).Scan(&headSeq, &headHash); err != nil {
		return 0, fmt.Errorf("audit head: %w", err)
	}
	var n, last int64
	prev := ""
	// Retention (issue 12): the newest purge checkpoint is where the chain
	// now starts; records kept from before it are checked one by one and,
	// together, against the digest the checkpoint signed.
	base, err := latestPurge(ctx, db)
	if err != nil {
		return 0, err
	}
	kept := newKeptDigest()
	const page = 5000
	for {
		rows, err := db.R.QueryContext(ctx, Q.Scan, last, page)
		if err != nil {
			return n, err
		}
		got := 0
		for rows.Next() {
			r, err := scan(rows)
			if err != nil {
				rows.Close()
				return n, err
			}
			got++
			n++
			if r.Seq <= base.Seq {
				if r.computeHash() != r.Hash {
					rows.Close()
					return n, &Problem{Seq: r.Seq, Reason: "content does not match its hash: modified (a record kept from before the purge checkpoint)"}
				}
				kept.add(r)
				last = r.Seq
				continue
			}
			if base.Seq > 0 && prev == "" && last <= base.Seq {
				if err := kept.check(base); err != nil {
					rows.Close()
					return n, err
				}
				last, prev = base.Seq, base.Hash
			}
			switch {
			case r.Seq != last+1:
				rows.Close()
				return n, &Problem{Seq: last + 1, Reason: fmt.Sprintf("missing (next present record is %d): deleted or reordered", r.Seq)}
			case r.PrevHash != prev:
				rows.Close()
				return n, &Problem{Seq: r.Seq, Reason: "does not follow its predecessor (prev_hash mismatch): a record before it was changed, removed or swapped"}
			case r.computeHash() != r.Hash:
				rows.Close()
				return n, &Problem{Seq: r.Seq, Reason: "content does not match its hash: modified"}
			}
			last, prev = r.Seq, r.Hash
		}
		if err := rows.Err(); err != nil {
			rows.Close()
			return n, err
		}
		rows.Close()
		if got < page {
			break
		}
	}
	if base.Seq > 0 && last <= base.Seq {
		if err := kept.check(base); err != nil {
			return n, err
		}
		last, prev = base.Seq, base.Hash
	}
	if last != headSeq || prev != headHash {
		return n, &Problem{Seq: last + 1, Reason: fmt.Sprintf("chain ends at %d but the head records %d: records at the end were deleted, or the head was altered", last, headSeq)}
	}
	return n, nil
}

type scanner interface{ Scan(...any) error }

func scan(s scanner) (Record, error) {
	var r Record
	var at store.Time
	var actorID sql.NullInt64
	var before, after sql.NullString
	if err := s.Scan(&r.Seq, &at, &actorID, &r.Actor, &r.Role, &r.Action, &r.ObjectType, &r.ObjectID,
		&before, &after, &r.ClientAddr, &r.PrevHash, &r.Hash); err != nil {
		return r, err
	}
	r.At, r.ActorID = at.Time, actorID.Int64
	if before.Valid {
		r.Before = json.RawMessage(before.String)
	}
	if after.Valid {
		r.After = json.RawMessage(after.String)
	}
	return r, nil
}

// ForObject lists the records about one object, oldest first: its history,
// without the access log's reads of it (ActionRead; see Reads); typ "" is
// any type (the console's "any": an appeal and a user may share a
// number-like id, both are listed).
func ForObject(ctx context.Context, db *store.DB, typ, id string) ([]Record, error) {
	if typ == "" {
		return records(db.R.QueryContext(ctx, Q.ListObjectID, id))
	}
	return records(db.R.QueryContext(ctx, Q.ListObject, typ, id))
}

// records reads the rows of a query of whole records.
func records(rows *sql.Rows, err error) ([]Record, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		r, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
