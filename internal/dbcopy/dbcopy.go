// Package dbcopy moves a SQLite desk onto PostgreSQL (issue 15, "Moving
// over"): every table of the SQLite data directory into an empty PostgreSQL
// database migrated with the project's own PostgreSQL migrations, the file
// store into the directory the PostgreSQL desk will use, the numbering
// counters and the identity sequences so new rows do not collide, and at
// the end a check: row counts per table and the audit chain (audit verify)
// on the target.
//
// The copy is resumable. Its progress lives in the target (dbcopy_state,
// dbcopy_progress, dbcopy_constraints): each batch of rows is written with
// COPY and recorded (the table's last source key) in one PostgreSQL
// transaction, so an interrupted copy continues with the next batch and
// never writes a row twice. A finished copy is recorded too: running it
// again says so and does nothing. A target holding anything else is
// refused.
//
// While copying, the target's foreign keys are dropped (their definitions
// kept in dbcopy_constraints) and its own triggers disabled: the rows come
// with the values those triggers derive (the queue urgency of
// 0015_queue_urgency) and would otherwise be recomputed per row, and rows
// referring to rows of a later batch would be refused. Both come back
// before the check; adding the foreign keys back validates every row.
package dbcopy

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/files"
	"tenderdesk/internal/store"
)

// DBFile is the SQLite database's name in a data directory.
const DBFile = "tenderdesk.db"

// DefaultBatch is how many rows one COPY (and one progress record) holds.
const DefaultBatch = 10000

// lockKey is the advisory lock one copy holds on the target (the migrator
// uses 7140925).
const lockKey = 7140926

// Seeded are the tables the PostgreSQL migrations fill with a row of their
// own (singletons); a target holding only those rows is empty, and the
// copy replaces them with the source's. TestSeededTables keeps the list
// true to the migrations.
var Seeded = []string{"audit_head", "procurement_lock", "procurement_webhook", "public_version"}

// skipTables are copied by no one: each backend keeps its own record of
// the migrations applied.
var skipTables = []string{"schema_migrations"}

// Options of one copy.
type Options struct {
	From      string // the SQLite data directory (as serve's --db)
	FilesFrom string // its file store; "" is From/files
	To        string // postgres:// URL of the target database
	FilesTo   string // the PostgreSQL desk's file store (serve's --files-dir); "" is ./tenderdesk-files
	Batch     int    // rows per COPY and progress record; 0 is DefaultBatch
	Now       func() time.Time
	// Progress, when set, hears of each batch written (the table, its rows
	// copied so far and its rows in the source); an error from it stops
	// the copy there, as an interruption would.
	Progress func(table string, copied, total int64) error
}

// Table is one table's outcome.
type Table struct {
	Name string `json:"name"`
	Rows int64  `json:"rows"`
}

// Result of a copy.
type Result struct {
	AlreadyDone  bool      `json:"already_done"` // the target held this finished copy: nothing was done
	Resumed      bool      `json:"resumed"`      // an unfinished copy was continued
	StartedAt    time.Time `json:"started_at"`
	FinishedAt   time.Time `json:"finished_at"`
	Tables       []Table   `json:"tables"`
	Files        int       `json:"files"`
	FileBytes    int64     `json:"file_bytes"`
	AuditRecords int64     `json:"audit_records"`
	// TargetOnly are PostgreSQL tables with no SQLite counterpart: left as
	// the migrations made them.
	TargetOnly []string `json:"target_only,omitempty"`
}

// Rows is the total of rows copied.
func (r Result) Rows() int64 {
	var n int64
	for _, t := range r.Tables {
		n += t.Rows
	}
	return n
}

// NotEmptyError: the target holds something other than this copy.
type NotEmptyError struct {
	Table  string
	Reason string
}

func (e *NotEmptyError) Error() string {
	return fmt.Sprintf("the target database is not empty: %s %s; db copy only fills an empty database (or continues its own unfinished copy)", e.Table, e.Reason)
}

type copier struct {
	opt    Options
	src    *store.DB
	snap   *sql.Tx // one read transaction: the source as of one commit for this run
	pg     *pgx.Conn
	dst    *store.DB
	schema string
	fp     string // the source's audit head in the snapshot
	res    Result
}

// Copy copies the SQLite desk of opt.From into the PostgreSQL database
// opt.To (see the package comment).
func Copy(ctx context.Context, opt Options) (Result, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Batch <= 0 {
		opt.Batch = DefaultBatch
	}
	if opt.FilesFrom == "" {
		opt.FilesFrom = filepath.Join(opt.From, "files")
	}
	if opt.FilesTo == "" {
		opt.FilesTo = "tenderdesk-files"
	}
	if !strings.HasPrefix(opt.To, "postgres://") && !strings.HasPrefix(opt.To, "postgresql://") {
		return Result{}, fmt.Errorf("--to must be a postgres:// URL, not %q", opt.To)
	}
	if _, err := os.Stat(filepath.Join(opt.From, DBFile)); err != nil {
		return Result{}, fmt.Errorf("no SQLite desk at %s: %w", opt.From, err)
	}
	c := &copier{opt: opt}
	defer c.close()
	var err error
	if c.src, err = store.Open(ctx, opt.From); err != nil {
		return Result{}, err
	}
	if err := c.sourceMigrated(ctx); err != nil {
		return Result{}, err
	}
	if c.pg, err = pgx.Connect(ctx, opt.To); err != nil {
		return Result{}, fmt.Errorf("postgres: %w", err)
	}
	// A batch and its progress record commit together, so a commit lost
	// to a server crash loses both and the next run writes the batch
	// again: the copy need not wait for each WAL flush. The indexes are
	// built at the end with room to sort.
	if _, err := c.pg.Exec(ctx, "SET synchronous_commit = off; SET maintenance_work_mem = '256MB'"); err != nil {
		return Result{}, fmt.Errorf("postgres session: %w", err)
	}
	if _, err := c.pg.Exec(ctx, "SELECT pg_advisory_lock($1)", lockKey); err != nil {
		return Result{}, fmt.Errorf("copy lock: %w", err)
	}
	if err := c.pg.QueryRow(ctx, "SELECT current_schema()").Scan(&c.schema); err != nil {
		return Result{}, err
	}
	snap, err := c.src.R.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return Result{}, err
	}
	c.snap = snap
	fp, err := c.fingerprint(ctx)
	if err != nil {
		return Result{}, err
	}
	c.fp = fp
	st, err := c.state(ctx)
	if err != nil {
		return Result{}, err
	}
	switch {
	case st == nil:
		if err := c.refuseNonEmpty(ctx); err != nil {
			return Result{}, err
		}
	case st.source != fp:
		return Result{}, fmt.Errorf("the target holds a copy begun %s from a source in another state (audit head then %s, now %s): the desk must stay stopped while it moves; start again into an empty database",
			st.started.Format(time.RFC3339), st.source, fp)
	case !st.finished.IsZero():
		c.res = Result{AlreadyDone: true, StartedAt: st.started, FinishedAt: st.finished}
		return c.res, c.countsDone(ctx)
	default:
		c.res.Resumed = true
	}
	if c.dst, err = store.Open(ctx, opt.To); err != nil {
		return Result{}, err
	}
	if _, err := c.dst.Migrate(ctx); err != nil {
		return Result{}, fmt.Errorf("migrate the target: %w", err)
	}
	if st == nil {
		c.res.StartedAt = opt.Now().UTC()
		if err := c.begin(ctx, fp); err != nil {
			return Result{}, err
		}
	} else {
		c.res.StartedAt = st.started
	}
	if c.res.Files, c.res.FileBytes, err = files.CopyStore(opt.FilesFrom, opt.FilesTo); err != nil {
		return c.res, fmt.Errorf("files: %w", err)
	}
	tables, err := c.plan(ctx)
	if err != nil {
		return c.res, err
	}
	if err := c.loosen(ctx, tables); err != nil {
		return c.res, err
	}
	for _, t := range tables {
		if err := c.copyTable(ctx, t); err != nil {
			return c.res, fmt.Errorf("table %s: %w", t.name, err)
		}
	}
	if err := c.finish(ctx, tables); err != nil {
		return c.res, err
	}
	return c.res, nil
}

func (c *copier) close() {
	if c.snap != nil {
		_ = c.snap.Rollback()
	}
	if c.pg != nil {
		_ = c.pg.Close(context.Background())
	}
	if c.dst != nil {
		c.dst.Close()
	}
	if c.src != nil {
		c.src.Close()
	}
}

// sourceMigrated refuses a source with migrations pending: its tables
// would not match the migrated target's.
func (c *copier) sourceMigrated(ctx context.Context) error {
	ms, err := store.Migrations(store.SQLite)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	rows, err := c.src.R.QueryContext(ctx, "SELECT key FROM schema_migrations")
	if err != nil {
		return fmt.Errorf("the source at %s is no migrated desk: %w", c.opt.From, err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return err
		}
		have[k] = true
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, m := range ms {
		if !have[m.Key()] {
			return fmt.Errorf("the source lacks migration %s: run `tenderdesk migrate --db %s` with this version first", m.Key(), c.opt.From)
		}
	}
	return nil
}

// fingerprint names the source's state: its audit head. Every change a
// desk makes writes an audit record, so a source that changed between two
// runs of one copy shows here.
func (c *copier) fingerprint(ctx context.Context) (string, error) {
	var seq int64
	var hash string
	if err := c.snap.QueryRowContext(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&seq, &hash); err != nil {
		return "", fmt.Errorf("source audit head: %w", err)
	}
	return fmt.Sprintf("%d:%s", seq, hash), nil
}

type copyState struct {
	source            string
	started, finished time.Time
}

func (c *copier) tableExists(ctx context.Context, name string) (bool, error) {
	var ok bool
	err := c.pg.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2)`,
		c.schema, name).Scan(&ok)
	return ok, err
}

// state reads the target's record of a copy, nil when there is none.
func (c *copier) state(ctx context.Context) (*copyState, error) {
	ok, err := c.tableExists(ctx, "dbcopy_state")
	if err != nil || !ok {
		return nil, err
	}
	var st copyState
	var fin *time.Time
	err = c.pg.QueryRow(ctx, "SELECT source, started_at, finished_at FROM dbcopy_state WHERE id = 1").Scan(&st.source, &st.started, &fin)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, &NotEmptyError{Table: "dbcopy_state", Reason: "exists without its record"}
	}
	if err != nil {
		return nil, err
	}
	if fin != nil {
		st.finished = fin.UTC()
	}
	st.started = st.started.UTC()
	return &st, nil
}

// refuseNonEmpty: a target without a copy's record must hold no table but
// the migrations' own (with nothing but their seeded rows).
func (c *copier) refuseNonEmpty(ctx context.Context) error {
	tables, err := c.targetTables(ctx)
	if err != nil {
		return err
	}
	for _, t := range tables {
		if slices.Contains(Seeded, t) || slices.Contains(skipTables, t) {
			continue
		}
		var any bool
		if err := c.pg.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM "+pgx.Identifier{t}.Sanitize()+")").Scan(&any); err != nil {
			return fmt.Errorf("look into %s: %w", t, err)
		}
		if any {
			return &NotEmptyError{Table: "table " + t, Reason: "holds rows"}
		}
	}
	return nil
}

func (c *copier) targetTables(ctx context.Context) ([]string, error) {
	rows, err := c.pg.Query(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = $1 AND table_type = 'BASE TABLE' AND table_name NOT LIKE 'dbcopy\_%' ORDER BY table_name`, c.schema)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

const stateDDL = `
CREATE TABLE dbcopy_state (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    source      TEXT NOT NULL,
    source_dir  TEXT NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ
);
CREATE TABLE dbcopy_progress (
    table_name TEXT PRIMARY KEY,
    last_key   TEXT NOT NULL DEFAULT '',
    rows       BIGINT NOT NULL DEFAULT 0,
    done       BOOLEAN NOT NULL DEFAULT false
);
CREATE TABLE dbcopy_constraints (
    table_name TEXT NOT NULL,
    name       TEXT NOT NULL,
    def        TEXT NOT NULL,
    PRIMARY KEY (table_name, name)
);
CREATE TABLE dbcopy_triggers (
    table_name TEXT PRIMARY KEY
);
CREATE TABLE dbcopy_indexes (
    name TEXT PRIMARY KEY,
    def  TEXT NOT NULL
);`

// begin records the copy in the target: from now on it is this copy's.
func (c *copier) begin(ctx context.Context, fp string) error {
	tx, err := c.pg.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, stateDDL); err != nil {
		return fmt.Errorf("record the copy: %w", err)
	}
	abs, _ := filepath.Abs(c.opt.From)
	if _, err := tx.Exec(ctx, "INSERT INTO dbcopy_state (id, source, source_dir, started_at) VALUES (1, $1, $2, $3)",
		fp, abs, c.res.StartedAt); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// table is one table to copy: its columns in the source and their types
// in the target, and how the source is paged.
type table struct {
	name   string
	cols   []string // copied columns (source and target names agree)
	types  []string // target data_type per column
	key    []string // keyset columns in the source: rowid, or the primary key of a WITHOUT ROWID table
	rowid  bool
	total  int64
	serial []string // target columns with a sequence
}

// plan pairs every SQLite table with its PostgreSQL counterpart, failing
// loudly where a table or column has none.
func (c *copier) plan(ctx context.Context) ([]table, error) {
	rows, err := c.snap.QueryContext(ctx, "SELECT name, wr FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("source tables: %w", err)
	}
	type srcTable struct {
		name  string
		rowid bool
	}
	var srcs []srcTable
	for rows.Next() {
		var s srcTable
		var wr int
		if err := rows.Scan(&s.name, &wr); err != nil {
			rows.Close()
			return nil, err
		}
		s.rowid = wr == 0
		if !slices.Contains(skipTables, s.name) {
			srcs = append(srcs, s)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	targets, err := c.targetTables(ctx)
	if err != nil {
		return nil, err
	}
	var plan []table
	var missing []string
	for _, s := range srcs {
		if !slices.Contains(targets, s.name) {
			missing = append(missing, s.name)
			continue
		}
		t, err := c.pair(ctx, s.name, s.rowid)
		if err != nil {
			return nil, err
		}
		plan = append(plan, t)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("SQLite tables with no PostgreSQL counterpart: %s (their rows would be lost; a table needs its PostgreSQL migration)", strings.Join(missing, ", "))
	}
	for _, t := range targets {
		if !slices.ContainsFunc(srcs, func(s srcTable) bool { return s.name == t }) && !slices.Contains(skipTables, t) {
			c.res.TargetOnly = append(c.res.TargetOnly, t)
		}
	}
	return plan, nil
}

func (c *copier) pair(ctx context.Context, name string, rowid bool) (table, error) {
	t := table{name: name, rowid: rowid}
	type pgCol struct{ typ, generated string }
	pgCols := map[string]pgCol{}
	rows, err := c.pg.Query(ctx, `SELECT column_name, data_type, is_generated,
		pg_get_serial_sequence(quote_ident(table_schema) || '.' || quote_ident(table_name), column_name) IS NOT NULL
		FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2`, c.schema, name)
	if err != nil {
		return t, err
	}
	for rows.Next() {
		var col string
		var pc pgCol
		var seq bool
		if err := rows.Scan(&col, &pc.typ, &pc.generated, &seq); err != nil {
			rows.Close()
			return t, err
		}
		pgCols[col] = pc
		if seq {
			t.serial = append(t.serial, col)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return t, err
	}
	srows, err := c.snap.QueryContext(ctx, "SELECT name, pk FROM pragma_table_info(?) ORDER BY cid", name)
	if err != nil {
		return t, err
	}
	type pkCol struct {
		name string
		pos  int
	}
	var pks []pkCol
	var unmatched []string
	for srows.Next() {
		var col string
		var pk int
		if err := srows.Scan(&col, &pk); err != nil {
			srows.Close()
			return t, err
		}
		pc, ok := pgCols[col]
		switch {
		case !ok:
			unmatched = append(unmatched, col)
		case pc.generated == "ALWAYS":
			// computed by PostgreSQL itself
		default:
			t.cols = append(t.cols, col)
			t.types = append(t.types, pc.typ)
		}
		if pk > 0 {
			pks = append(pks, pkCol{col, pk})
		}
	}
	srows.Close()
	if err := srows.Err(); err != nil {
		return t, err
	}
	if len(unmatched) > 0 {
		return t, fmt.Errorf("table %s: SQLite columns with no PostgreSQL counterpart: %s", name, strings.Join(unmatched, ", "))
	}
	if rowid {
		t.key = []string{"rowid"}
	} else {
		slices.SortFunc(pks, func(a, b pkCol) int { return a.pos - b.pos })
		for _, p := range pks {
			t.key = append(t.key, p.name)
		}
	}
	if err := c.snap.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+quoteSQLite(name)).Scan(&t.total); err != nil {
		return t, err
	}
	return t, nil
}

// loosen drops the target's foreign keys (kept in dbcopy_constraints for
// finish) and disables its user triggers on the tables copied into.
func (c *copier) loosen(ctx context.Context, tables []table) error {
	tx, err := c.pg.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	fks, err := queryDefs(ctx, tx, `SELECT cl.relname, co.conname, pg_get_constraintdef(co.oid)
		FROM pg_constraint co JOIN pg_class cl ON cl.oid = co.conrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
		WHERE co.contype = 'f' AND n.nspname = $1 ORDER BY 1, 2`, c.schema)
	if err != nil {
		return err
	}
	for _, f := range fks {
		if _, err := tx.Exec(ctx, "INSERT INTO dbcopy_constraints (table_name, name, def) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", f.table, f.name, f.sql); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "ALTER TABLE "+pgx.Identifier{f.table}.Sanitize()+" DROP CONSTRAINT "+pgx.Identifier{f.name}.Sanitize()); err != nil {
			return fmt.Errorf("drop foreign key %s of %s: %w", f.name, f.table, err)
		}
	}
	// Secondary indexes (none backing a constraint: primary keys stay, so
	// a row copied twice is still refused) are built once at the end
	// instead of row by row.
	idx, err := queryDefs(ctx, tx, `SELECT '', ic.relname, pg_get_indexdef(i.indexrelid)
		FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_namespace n ON n.oid = ic.relnamespace
		WHERE n.nspname = $1 AND NOT i.indisprimary
		AND NOT EXISTS (SELECT 1 FROM pg_constraint co WHERE co.conindid = i.indexrelid)
		AND (SELECT relname FROM pg_class WHERE oid = i.indrelid) NOT LIKE 'dbcopy\_%' ORDER BY 2`, c.schema)
	if err != nil {
		return err
	}
	for _, x := range idx {
		if _, err := tx.Exec(ctx, "INSERT INTO dbcopy_indexes (name, def) VALUES ($1, $2) ON CONFLICT DO NOTHING", x.name, x.sql); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DROP INDEX "+pgx.Identifier{x.name}.Sanitize()); err != nil {
			return fmt.Errorf("drop index %s: %w", x.name, err)
		}
	}
	for _, t := range tables {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM pg_trigger tg JOIN pg_class cl ON cl.oid = tg.tgrelid JOIN pg_namespace ns ON ns.oid = cl.relnamespace
			WHERE ns.nspname = $1 AND cl.relname = $2 AND NOT tg.tgisinternal`, c.schema, t.name).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			continue
		}
		if _, err := tx.Exec(ctx, "INSERT INTO dbcopy_triggers (table_name) VALUES ($1) ON CONFLICT DO NOTHING", t.name); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "ALTER TABLE "+pgx.Identifier{t.name}.Sanitize()+" DISABLE TRIGGER USER"); err != nil {
			return fmt.Errorf("disable the triggers of %s: %w", t.name, err)
		}
	}
	return tx.Commit(ctx)
}

// def is a foreign key or an index the copy takes off and puts back.
type def struct{ table, name, sql string }

func queryDefs(ctx context.Context, tx pgx.Tx, q string, args ...any) ([]def, error) {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (def, error) {
		var d def
		return d, r.Scan(&d.table, &d.name, &d.sql)
	})
}

// copyTable copies t from where its progress record stopped, one batch per
// PostgreSQL transaction holding the rows and the record.
func (c *copier) copyTable(ctx context.Context, t table) error {
	var lastKey string
	var copied int64
	var done bool
	err := c.pg.QueryRow(ctx, "SELECT last_key, rows, done FROM dbcopy_progress WHERE table_name = $1", t.name).Scan(&lastKey, &copied, &done)
	if errors.Is(err, pgx.ErrNoRows) {
		if _, err := c.pg.Exec(ctx, "INSERT INTO dbcopy_progress (table_name) VALUES ($1)", t.name); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	if done {
		c.res.Tables = append(c.res.Tables, Table{Name: t.name, Rows: copied})
		return nil
	}
	var after []any
	if lastKey != "" {
		if err := json.Unmarshal([]byte(lastKey), &after); err != nil {
			return fmt.Errorf("progress record %q: %w", lastKey, err)
		}
		after = jsonKey(after)
	}
	// The next batch is read from SQLite while the last one is written:
	// the reader runs ahead by one batch.
	type batch struct {
		rows [][]any
		key  []any
		err  error
	}
	rctx, stopReading := context.WithCancel(ctx)
	defer stopReading()
	batches := make(chan batch, 1)
	go func() {
		defer close(batches)
		for from := after; ; {
			rows, key, err := c.readBatch(rctx, t, c.selectQuery(t, from != nil), append(slices.Clone(from), c.opt.Batch))
			select {
			case batches <- batch{rows, key, err}:
			case <-rctx.Done():
				return
			}
			if err != nil || len(rows) < c.opt.Batch {
				return
			}
			from = key
		}
	}()
	ident := pgx.Identifier{t.name}
	for b := range batches {
		if b.err != nil {
			return b.err
		}
		tx, err := c.pg.Begin(ctx)
		if err != nil {
			return err
		}
		if copied == 0 && lastKey == "" {
			// the migrations' own rows (Seeded) give way to the source's
			if _, err := tx.Exec(ctx, "TRUNCATE "+ident.Sanitize()); err != nil {
				tx.Rollback(ctx)
				return err
			}
		}
		if len(b.rows) > 0 {
			n, err := tx.CopyFrom(ctx, ident, t.cols, pgx.CopyFromRows(b.rows))
			if err != nil {
				tx.Rollback(ctx)
				return fmt.Errorf("COPY after key %s: %w", lastKey, err)
			}
			copied += n
			k, _ := json.Marshal(b.key)
			lastKey = string(k)
		}
		last := len(b.rows) < c.opt.Batch
		if _, err := tx.Exec(ctx, "UPDATE dbcopy_progress SET last_key = $2, rows = $3, done = $4 WHERE table_name = $1",
			t.name, lastKey, copied, last); err != nil {
			tx.Rollback(ctx)
			return err
		}
		if err := tx.Commit(ctx); err != nil {
			return err
		}
		if c.opt.Progress != nil && len(b.rows) > 0 {
			if err := c.opt.Progress(t.name, copied, t.total); err != nil {
				return err
			}
		}
		if last {
			c.res.Tables = append(c.res.Tables, Table{Name: t.name, Rows: copied})
			return nil
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return fmt.Errorf("the source's rows ended early (after key %s)", lastKey)
}

// jsonKey turns JSON numbers back into integers (keys are rowids or
// integer/text primary keys).
func jsonKey(k []any) []any {
	for i, v := range k {
		if f, ok := v.(float64); ok && f == float64(int64(f)) {
			k[i] = int64(f)
		}
	}
	return k
}

func (c *copier) selectQuery(t table, after bool) string {
	sel := make([]string, 0, len(t.key)+len(t.cols))
	for _, k := range t.key {
		sel = append(sel, quoteSQLite(k))
	}
	for _, col := range t.cols {
		sel = append(sel, quoteSQLite(col))
	}
	keys := make([]string, len(t.key))
	marks := make([]string, len(t.key))
	for i, k := range t.key {
		keys[i], marks[i] = quoteSQLite(k), "?"
	}
	q := "SELECT " + strings.Join(sel, ", ") + " FROM " + quoteSQLite(t.name)
	if after {
		q += " WHERE (" + strings.Join(keys, ", ") + ") > (" + strings.Join(marks, ", ") + ")"
	}
	return q + " ORDER BY " + strings.Join(keys, ", ") + " LIMIT ?"
}

func (c *copier) readBatch(ctx context.Context, t table, query string, args []any) ([][]any, []any, error) {
	rows, err := c.snap.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	nk := len(t.key)
	var out [][]any
	var key []any
	for rows.Next() {
		vals := make([]any, nk+len(t.cols))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, nil, err
		}
		row := vals[nk:]
		for i, v := range row {
			cv, err := convert(v, t.types[i])
			if err != nil {
				return nil, nil, fmt.Errorf("row with key %v, column %s (%s): %w", vals[:nk], t.cols[i], t.types[i], err)
			}
			row[i] = cv
		}
		out = append(out, row)
		key = vals[:nk:nk]
	}
	return out, key, rows.Err()
}

// finish sets the sequences past the copied ids, brings the foreign keys
// and triggers back, checks the counts and the audit chain, and records
// the copy finished.
func (c *copier) finish(ctx context.Context, tables []table) error {
	tx, err := c.pg.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	for _, t := range tables {
		for _, col := range t.serial {
			q := fmt.Sprintf("SELECT setval(pg_get_serial_sequence($1, $2), COALESCE(MAX(%s), 0) + 1, false) FROM %s",
				pgx.Identifier{col}.Sanitize(), pgx.Identifier{t.name}.Sanitize())
			if _, err := tx.Exec(ctx, q, pgx.Identifier{c.schema, t.name}.Sanitize(), col); err != nil {
				return fmt.Errorf("sequence of %s.%s: %w", t.name, col, err)
			}
		}
	}
	trig, err := tx.Query(ctx, "SELECT table_name FROM dbcopy_triggers ORDER BY 1")
	if err != nil {
		return err
	}
	names, err := pgx.CollectRows(trig, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, n := range names {
		if _, err := tx.Exec(ctx, "ALTER TABLE "+pgx.Identifier{n}.Sanitize()+" ENABLE TRIGGER USER"); err != nil {
			return fmt.Errorf("enable the triggers of %s: %w", n, err)
		}
	}
	idx, err := queryDefs(ctx, tx, "SELECT '', name, def FROM dbcopy_indexes ORDER BY 2")
	if err != nil {
		return err
	}
	for _, x := range idx {
		if _, err := tx.Exec(ctx, x.sql); err != nil {
			return fmt.Errorf("index %s does not build on the copied rows: %w", x.name, err)
		}
	}
	fks, err := queryDefs(ctx, tx, "SELECT table_name, name, def FROM dbcopy_constraints ORDER BY 1, 2")
	if err != nil {
		return err
	}
	for _, f := range fks {
		if _, err := tx.Exec(ctx, "ALTER TABLE "+pgx.Identifier{f.table}.Sanitize()+" ADD CONSTRAINT "+pgx.Identifier{f.name}.Sanitize()+" "+f.sql); err != nil {
			return fmt.Errorf("foreign key %s of %s does not hold on the copied rows: %w", f.name, f.table, err)
		}
	}
	if _, err := tx.Exec(ctx, "DELETE FROM dbcopy_constraints; DELETE FROM dbcopy_triggers; DELETE FROM dbcopy_indexes"); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	if _, err := c.pg.Exec(ctx, "ANALYZE"); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	if err := c.counts(ctx, tables); err != nil {
		return err
	}
	n, err := audit.Verify(ctx, c.dst)
	if err != nil {
		return fmt.Errorf("audit verify on the target: %w", err)
	}
	c.res.AuditRecords = n
	// The copy is the source as of its snapshot: a desk that kept running
	// wrote after it, and that would be lost.
	var seq int64
	var hash string
	if err := c.src.R.QueryRowContext(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&seq, &hash); err != nil {
		return fmt.Errorf("source audit head: %w", err)
	}
	if now := fmt.Sprintf("%d:%s", seq, hash); now != c.fp {
		return fmt.Errorf("the source changed while it was copied (audit head %s, now %s): is the desk still running? Stop it and copy again into an empty database", c.fp, now)
	}
	c.res.FinishedAt = c.opt.Now().UTC()
	_, err = c.pg.Exec(ctx, "UPDATE dbcopy_state SET finished_at = $1 WHERE id = 1", c.res.FinishedAt)
	return err
}

// counts compares the rows of every table in the source snapshot and the
// target.
func (c *copier) counts(ctx context.Context, tables []table) error {
	var bad []string
	for _, t := range tables {
		var n int64
		if err := c.pg.QueryRow(ctx, "SELECT COUNT(*) FROM "+pgx.Identifier{t.name}.Sanitize()).Scan(&n); err != nil {
			return err
		}
		if n != t.total {
			bad = append(bad, fmt.Sprintf("%s: %d in SQLite, %d in PostgreSQL", t.name, t.total, n))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("row counts differ: %s", strings.Join(bad, "; "))
	}
	return nil
}

// countsDone checks a finished copy still agrees with its source, table by
// table, so "already done" is a statement about the rows.
func (c *copier) countsDone(ctx context.Context) error {
	rows, err := c.pg.Query(ctx, "SELECT table_name, rows FROM dbcopy_progress ORDER BY 1")
	if err != nil {
		return err
	}
	type pr struct {
		name string
		rows int64
	}
	prs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (pr, error) {
		var p pr
		return p, r.Scan(&p.name, &p.rows)
	})
	if err != nil {
		return err
	}
	for _, p := range prs {
		var n int64
		if err := c.snap.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+quoteSQLite(p.name)).Scan(&n); err != nil {
			return err
		}
		if n != p.rows {
			return fmt.Errorf("the finished copy's %s has %d rows, the source now %d", p.name, p.rows, n)
		}
		c.res.Tables = append(c.res.Tables, Table{Name: p.name, Rows: p.rows})
	}
	return nil
}

// Unfinished reports an unfinished copy in db (PostgreSQL): a desk must
// not start on one (its foreign keys and triggers may be off).
func Unfinished(ctx context.Context, db *store.DB) error {
	if db.Dialect != store.Postgres {
		return nil
	}
	var has bool
	if err := db.R.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_name = 'dbcopy_state')`).Scan(&has); err != nil || !has {
		return err
	}
	var started store.Time
	err := db.R.QueryRowContext(ctx, "SELECT started_at FROM dbcopy_state WHERE id = 1 AND finished_at IS NULL").Scan(&started)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	return fmt.Errorf("this database holds an unfinished db copy begun %s: run `tenderdesk db copy` again to finish it before starting the desk", started.Format(time.RFC3339))
}

func quoteSQLite(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }
