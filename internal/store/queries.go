package store

import (
	"bufio"
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Queries are named SQL statements read from a .sql file where each statement
// follows a line "-- name: <name>".
type Queries map[string]string

// ParseQueries parses src; a duplicate or empty name is an error.
func ParseQueries(src string) (Queries, error) {
	q := Queries{}
	var name string
	var b strings.Builder
	flush := func() error {
		if name == "" {
			return nil
		}
		s := strings.TrimSpace(b.String())
		if s == "" {
			return fmt.Errorf("query %q is empty", name)
		}
		if _, dup := q[name]; dup {
			return fmt.Errorf("query %q defined twice", name)
		}
		q[name] = strings.TrimSuffix(s, ";")
		b.Reset()
		return nil
	}
	sc := bufio.NewScanner(strings.NewReader(src))
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "-- name:"); ok {
			if err := flush(); err != nil {
				return nil, err
			}
			name = strings.TrimSpace(rest)
			continue
		}
		if name != "" {
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return q, nil
}

// MustParse is ParseQueries for embedded files, where a broken file is a
// programming error caught by every test run.
func MustParse(src string) Queries {
	q, err := ParseQueries(src)
	if err != nil {
		panic(err)
	}
	return q
}

// Check prepares every query (but those named "…-sqlite" or "…-postgres" for
// the other dialect) against the migrated schema so a broken
// statement fails the boot, not a request.
func (db *DB) Check(ctx context.Context, q Queries) error {
	for name, sql := range q {
		if other := map[Dialect]string{SQLite: "-postgres", Postgres: "-sqlite"}[db.Dialect]; strings.HasSuffix(name, other) {
			continue // written for the other dialect
		}
		st, err := db.W.PrepareContext(ctx, sql)
		if err != nil {
			return fmt.Errorf("query %s does not prepare on %s: %w", name, db.Dialect, err)
		}
		st.Close()
	}
	return nil
}

// registered are the query sets of the linked packages, by package name.
var (
	registered   = map[string]Queries{}
	registeredMu sync.Mutex
)

// Register adds a package's query set to those the boot checks (called
// from each package's generated queries_gen.go).
func Register(pkg string, q Queries) {
	registeredMu.Lock()
	defer registeredMu.Unlock()
	registered[pkg] = q
}

// Registered lists the query sets of every linked package, in name order.
func Registered() []Queries {
	registeredMu.Lock()
	defer registeredMu.Unlock()
	names := make([]string, 0, len(registered))
	for n := range registered {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]Queries, 0, len(names))
	for _, n := range names {
		out = append(out, registered[n])
	}
	return out
}

// ByDialect picks the statement written for db's dialect.
func ByDialect(d Dialect, sqlite, postgres string) string {
	if d == Postgres {
		return postgres
	}
	return sqlite
}
