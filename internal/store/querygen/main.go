// Command querygen turns each package's queries.sql into a typed query set:
// a struct with one field per "-- name:" statement (queries_gen.go), so code
// names a query as Q.AppealByNumber and a missing one does not compile. It
// also rewrites any Queries["name"] lookup left in the package to the field,
// and with -check fails when a generated file is stale or a query is used by
// no code (TestQueriesCurrent runs that on every test run).
//
//	go run ./internal/store/querygen          # regenerate and rewrite
//	go run ./internal/store/querygen -check   # report, change nothing
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"tenderdesk/internal/store"
)

func main() {
	check := flag.Bool("check", false, "report stale generated files and unused queries; write nothing")
	root := flag.String("root", ".", "module root")
	flag.Parse()
	problems, err := run(*root, !*check)
	if err != nil {
		fmt.Fprintln(os.Stderr, "querygen:", err)
		os.Exit(1)
	}
	for _, p := range problems {
		fmt.Fprintln(os.Stderr, p)
	}
	if len(problems) > 0 {
		os.Exit(1)
	}
}

// run processes every queries.sql below root/internal. With write it
// regenerates and rewrites; it returns what is still wrong.
func run(root string, write bool) ([]string, error) {
	var problems []string
	err := filepath.WalkDir(filepath.Join(root, "internal"), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "queries.sql" {
			return err
		}
		p, err := pkg(filepath.Dir(path), write)
		problems = append(problems, p...)
		return err
	})
	return problems, err
}

var lookup = regexp.MustCompile(`\bQueries\["([a-z0-9-]+)"\]`)

func pkg(dir string, write bool) ([]string, error) {
	src, err := os.ReadFile(filepath.Join(dir, "queries.sql"))
	if err != nil {
		return nil, err
	}
	qs, err := store.ParseQueries(string(src))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	names := make([]string, 0, len(qs))
	for n := range qs {
		names = append(names, n)
	}
	sort.Strings(names)
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	pkgName := ""
	var problems []string
	used := map[string]bool{}
	for _, f := range files {
		if filepath.Base(f) == "queries_gen.go" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if pkgName == "" && !strings.HasSuffix(f, "_test.go") {
			pkgName = packageName(b)
		}
		if write {
			nb := lookup.ReplaceAll(b, []byte("Q.$1"))
			nb = regexp.MustCompile(`\bQ\.([a-z0-9-]+)`).ReplaceAllFunc(nb, func(m []byte) []byte {
				return []byte("Q." + Field(string(m[2:])))
			})
			if !bytes.Equal(nb, b) {
				if err := os.WriteFile(f, nb, 0o644); err != nil {
					return nil, err
				}
				b = nb
			}
		} else if m := lookup.Find(b); m != nil {
			problems = append(problems, fmt.Sprintf("%s: %s: look the query up as a field of Q (go run ./internal/store/querygen)", f, m))
		}
		if !strings.HasSuffix(f, "_test.go") {
			for _, n := range names {
				if regexp.MustCompile(`\bQ\.` + Field(n) + `\b`).Match(b) {
					used[n] = true
				}
			}
		}
	}
	// Queries of this package used by another package (notify's by events).
	if err := usedElsewhere(dir, pkgName, names, used); err != nil {
		return nil, err
	}
	for _, n := range names {
		if !used[n] {
			problems = append(problems, fmt.Sprintf("%s/queries.sql: query %q is used by no code: remove it", dir, n))
		}
	}
	gen := generate(pkgName, names)
	path := filepath.Join(dir, "queries_gen.go")
	old, _ := os.ReadFile(path)
	if !bytes.Equal(old, gen) {
		if write {
			return problems, os.WriteFile(path, gen, 0o644)
		}
		problems = append(problems, fmt.Sprintf("%s is stale: go run ./internal/store/querygen", path))
	}
	return problems, nil
}

// usedElsewhere marks queries referenced as pkg.Q.Field from other packages.
func usedElsewhere(dir, pkgName string, names []string, used map[string]bool) error {
	root := filepath.Dir(dir)
	for filepath.Base(root) != "internal" && root != filepath.Dir(root) {
		root = filepath.Dir(root)
	}
	return filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || filepath.Dir(path) == dir {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, n := range names {
			if bytes.Contains(b, []byte(pkgName+".Q."+Field(n))) {
				used[n] = true
			}
		}
		return nil
	})
}

func packageName(src []byte) string {
	m := regexp.MustCompile(`(?m)^package (\w+)`).FindSubmatch(src)
	if m == nil {
		return ""
	}
	return string(m[1])
}

// Field is the Go name of a query: "appeal-by-number" → AppealByNumber.
func Field(name string) string {
	var b strings.Builder
	for part := range strings.SplitSeq(name, "-") {
		if part == "" {
			continue
		}
		switch part {
		case "sqlite":
			b.WriteString("SQLite")
		case "id":
			b.WriteString("ID")
		case "fts":
			b.WriteString("FTS")
		default:
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

func generate(pkgName string, names []string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by querygen from queries.sql; DO NOT EDIT.\n\npackage %s\n\nimport \"tenderdesk/internal/store\"\n\n", pkgName)
	b.WriteString("// QuerySet is queries.sql, one field per statement.\ntype QuerySet struct {\n")
	for _, n := range names {
		fmt.Fprintf(&b, "\t%s string // -- name: %s\n", Field(n), n)
	}
	b.WriteString("}\n\n// Q holds this package's statements; store.Registered lists them for the boot check.\nvar Q = QuerySet{\n")
	for _, n := range names {
		fmt.Fprintf(&b, "\t%s: Queries[%q],\n", Field(n), n)
	}
	fmt.Fprintf(&b, "}\n\nfunc init() { store.Register(%q, Queries) }\n", pkgName)
	out, err := format.Source(b.Bytes())
	if err != nil {
		panic(err)
	}
	return out
}
