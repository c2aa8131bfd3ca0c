package regulation

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// repoRoot is two levels up from this package.
const repoRoot = "../.."

// idLine reads a testdata list: one ID per line (the first field), # comments.
func idLines(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, note, _ := strings.Cut(line, "\t")
		if _, dup := out[id]; dup {
			t.Errorf("%s: %s listed twice", path, id)
		}
		out[id] = note
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// citeRE finds rule IDs in text: Q36.3, G6.1, E29, and ranges Q35–Q37,
// Q36.1–2, E32–E34. The leading group keeps "Q3" out of "EQ3" and "1.Q3".
var citeRE = regexp.MustCompile(`(?:^|[^\w.])([QGER])(\d+(?:\.\d+)?)(?:\s*[–-]\s*([QGER]?)(\d+(?:\.\d+)?))?`)

// cites adds the IDs text cites to set: a range cites each ID in it, and
// with sections a point cites its section too (Q36.3 cites Q36).
func cites(text string, set map[string]bool, sections bool) {
	for _, w := range []string{"G-000", "R-escalation"} {
		if strings.Contains(text, w) {
			set[w] = true
		}
	}
	for _, m := range citeRE.FindAllStringSubmatch(text, -1) {
		letter, a, toLetter, b := m[1], m[2], m[3], m[4]
		set[letter+a] = true
		sec, point, isPoint := strings.Cut(a, ".")
		if isPoint && sections {
			set[letter+sec] = true
		}
		if b == "" || (toLetter != "" && toLetter != letter) {
			continue
		}
		bsec, bpoint, bIsPoint := strings.Cut(b, ".")
		switch {
		case isPoint && !bIsPoint && toLetter == "": // Q36.1–2
			expand(set, letter+sec+".", point, b)
		case isPoint && bIsPoint && bsec == sec: // Q36.1–Q36.3
			expand(set, letter+sec+".", point, bpoint)
		case !isPoint && !bIsPoint: // Q35–Q37
			expand(set, letter, a, b)
		}
	}
}

func expand(set map[string]bool, prefix, from, to string) {
	lo, err1 := strconv.Atoi(from)
	hi, err2 := strconv.Atoi(to)
	if err1 != nil || err2 != nil || hi < lo || hi-lo > 20 {
		return
	}
	for i := lo; i <= hi; i++ {
		set[prefix+strconv.Itoa(i)] = true
	}
}

// citations are the IDs the code (non-test sources, SQL, templates, the
// OpenAPI document) and the tests (_test.go) of the repository cite.
func citations(t *testing.T) (code, tests map[string]bool, where map[string]string) {
	t.Helper()
	code, tests, where = map[string]bool{}, map[string]bool{}, map[string]string{}
	source := []string{".go", ".sql", ".json", ".html", ".tmpl", ".txt"}
	for _, dir := range []string{"internal", "cmd"} {
		err := filepath.WalkDir(filepath.Join(repoRoot, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if d.Name() == "testdata" {
					return fs.SkipDir
				}
				return nil
			}
			isTest := strings.HasSuffix(path, "_test.go")
			if !isTest && !slices.Contains(source, filepath.Ext(path)) || strings.HasSuffix(path, "citations_test.go") {
				return nil
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if isTest {
				cites(string(b), tests, true)
				return nil
			}
			found := map[string]bool{}
			cites(string(b), found, true)
			for id := range found {
				code[id] = true
				if _, ok := where[id]; !ok {
					where[id], _ = filepath.Rel(repoRoot, path)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return code, tests, where
}

// Every rule of the catalogue that the code implements (cites) is cited by
// a test; every other rule is listed as not implemented, here and in
// docs/TESTING.md. A rule that code starts citing must bring its test.
func TestEveryImplementedRuleIsTested(t *testing.T) {
	ids := idLines(t, "testdata/requirement-ids.txt")
	todo := idLines(t, "testdata/not-implemented.txt")
	code, tests, where := citations(t)
	doc, err := os.ReadFile(filepath.Join(repoRoot, "docs", "TESTING.md"))
	if err != nil {
		t.Fatal(err)
	}
	docIDs := map[string]bool{}
	cites(string(doc), docIDs, false)
	implemented := 0
	for id := range ids {
		_, listed := todo[id]
		switch {
		case code[id] && listed:
			t.Errorf("%s is cited by %s: remove it from testdata/not-implemented.txt and docs/TESTING.md", id, where[id])
		case !code[id] && !listed:
			t.Errorf("%s: no code cites it and testdata/not-implemented.txt does not list it", id)
		case code[id] && !tests[id]:
			t.Errorf("%s is implemented (cited by %s) but no test cites it", id, where[id])
		case listed && !docIDs[id]:
			t.Errorf("%s is not implemented but docs/TESTING.md does not list it", id)
		}
		if code[id] {
			implemented++
		}
	}
	for id := range todo {
		if _, ok := ids[id]; !ok {
			t.Errorf("testdata/not-implemented.txt lists %s, which is not a rule ID of the catalogue", id)
		}
	}
	t.Logf("%d rule IDs: %d implemented and cited by tests, %d not implemented", len(ids), implemented, len(todo))
}

// The ID list is a copy of the catalogue's: compare them when the catalogue
// is beside the repository (../shared, as on CI and the developers' machines).
func TestRequirementIDsMatchTheCatalogue(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot, "..", "shared", "REQUIREMENTS.md"))
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI has ../shared beside the clone: %v", err)
		}
		t.Skipf("no ../shared/REQUIREMENTS.md beside the repository (%v): the copy in testdata is not compared", err)
	}
	want := catalogueIDs(string(b))
	got := idLines(t, "testdata/requirement-ids.txt")
	for id := range want {
		if _, ok := got[id]; !ok {
			t.Errorf("the catalogue has %s; add it to testdata/requirement-ids.txt", id)
		}
	}
	for id := range got {
		if !want[id] {
			t.Errorf("testdata/requirement-ids.txt has %s, which the catalogue no longer has", id)
		}
	}
}

var (
	boldRE     = regexp.MustCompile(`\*\*(.+?)\*\*`)
	sectionRE  = regexp.MustCompile(`\*\*(?:Medium|High) \((Q\d+)\)\*\*`)
	numberedRE = regexp.MustCompile(`(?m)(?:^|;\s)(\d+)\.\s`)
)

// catalogueIDs are the bold IDs of REQUIREMENTS.md (ranges expanded) and the
// numbered points under "Medium (Q36)" and "High (Q37)".
func catalogueIDs(md string) map[string]bool {
	ids := map[string]bool{}
	for _, m := range boldRE.FindAllStringSubmatch(md, -1) {
		cites(m[1], ids, false)
	}
	locs := sectionRE.FindAllStringSubmatchIndex(md, -1)
	for i, l := range locs {
		sec := md[l[2]:l[3]]
		body := md[l[1]:]
		if next := strings.Index(body, "\n**"); next >= 0 {
			body = body[:next]
		}
		if i+1 < len(locs) && locs[i+1][0]-l[1] < len(body) {
			body = md[l[1]:locs[i+1][0]]
		}
		for _, n := range numberedRE.FindAllStringSubmatch(body, -1) {
			ids[sec+"."+n[1]] = true
		}
	}
	return ids
}
