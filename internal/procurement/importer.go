package procurement

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/iin"
	"tenderdesk/internal/impact"
	"tenderdesk/internal/store"
)

// MaxLine is the longest NDJSON line (one procedure) accepted.
const MaxLine = 1 << 20

// maxListedErrors bounds the per-line errors a result lists (the count is exact).
const maxListedErrors = 1000

// wireProcedure is one NDJSON line of an import (docs/procurement-api.md).
// Times stay strings so a time without an offset is reported by field.
type wireProcedure struct {
	ExternalID   string        `json:"external_id"`
	Announcement string        `json:"announcement"`
	Lots         []string      `json:"lots"`
	Method       string        `json:"method"`
	Customer     string        `json:"customer"`
	Module       string        `json:"module"`
	Participants []Participant `json:"participants"`
	Deadlines    []struct {
		Kind     string `json:"kind"`
		Lot      string `json:"lot"`
		Supplier string `json:"supplier"`
		At       string `json:"at"`
	} `json:"deadlines"`
}

// parsed is a validated line, ready to write.
type parsed struct {
	line         int
	p            Procedure
	lots, parts  string // JSON
	hash         string
	deadlineRows []Deadline
}

// LineError is the problem of one line; the line was not imported.
type LineError struct {
	Line       int    `json:"line"`
	ExternalID string `json:"external_id,omitempty"`
	Error      string `json:"error"`
}

// ImportResult counts what an import did. Lines counts non-empty lines.
type ImportResult struct {
	Lines     int         `json:"lines"`
	Inserted  int         `json:"inserted"`
	Updated   int         `json:"updated"`
	Unchanged int         `json:"unchanged"`
	Failed    int         `json:"failed"`
	Errors    []LineError `json:"errors"`
	// ErrorsTruncated: more lines failed than Errors lists.
	ErrorsTruncated bool `json:"errors_truncated,omitempty"`
}

// parseLine validates one NDJSON line.
func parseLine(line []byte) (parsed, error) {
	var w wireProcedure
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return parsed{}, fmt.Errorf("malformed JSON: %v", err)
	}
	if dec.More() {
		return parsed{}, errors.New("more than one JSON value on the line")
	}
	var probs []string
	bad := func(f string, a ...any) { probs = append(probs, fmt.Sprintf(f, a...)) }
	w.ExternalID = strings.TrimSpace(w.ExternalID)
	if w.ExternalID == "" {
		bad("external_id: required")
	}
	if !slices.Contains(impact.Methods, impact.Method(w.Method)) {
		bad("method: unknown %q (want one of %v)", w.Method, impact.Methods)
	}
	if strings.TrimSpace(w.Module) == "" {
		bad("module: required")
	}
	if w.Lots == nil {
		w.Lots = []string{}
	}
	if w.Participants == nil {
		w.Participants = []Participant{}
	}
	for i, pt := range w.Participants {
		if err := iin.Validate(pt.Supplier); err != nil {
			bad("participants[%d].supplier: %q: %v", i, pt.Supplier, err)
		}
		if pt.Email != "" && !strings.Contains(pt.Email, "@") {
			bad("participants[%d].email: %q is not an address", i, pt.Email)
		}
		switch pt.Language {
		case "", "ru", "kk", "en":
		default:
			bad("participants[%d].language: %q (want ru, kk or en)", i, pt.Language)
		}
	}
	// Control characters would break the folded deadlines of the chunk query.
	for i, l := range w.Lots {
		if hasControl(l) {
			bad("lots[%d]: control characters are not allowed", i)
		}
	}
	for i, d := range w.Deadlines {
		if hasControl(d.Lot) || hasControl(d.Supplier) {
			bad("deadlines[%d]: control characters are not allowed in lot or supplier", i)
		}
	}
	p := Procedure{ExternalID: w.ExternalID, Announcement: w.Announcement, Lots: w.Lots, Method: w.Method,
		Customer: w.Customer, Module: w.Module, Participants: w.Participants}
	seen := map[[3]string]bool{}
	for i, d := range w.Deadlines {
		if !slices.Contains(impact.Kinds, impact.Kind(d.Kind)) {
			bad("deadlines[%d].kind: unknown %q (want one of %v)", i, d.Kind, impact.Kinds)
		}
		if d.Lot != "" && len(w.Lots) > 0 && !slices.Contains(w.Lots, d.Lot) {
			bad("deadlines[%d].lot: %q is not one of the procedure's lots", i, d.Lot)
		}
		at, err := time.Parse(time.RFC3339Nano, d.At)
		if err != nil || !strings.ContainsAny(d.At[min(len(d.At), 19):], "Z+-") {
			bad("deadlines[%d].at: %q must be RFC 3339 with an offset, e.g. 2026-11-20T10:15:00+05:00", i, d.At)
		}
		k := [3]string{d.Kind, d.Lot, d.Supplier}
		if seen[k] {
			bad("deadlines[%d]: %s (lot %q, supplier %q) given twice", i, d.Kind, d.Lot, d.Supplier)
		}
		seen[k] = true
		p.Deadlines = append(p.Deadlines, Deadline{Kind: d.Kind, Lot: d.Lot, Supplier: d.Supplier, At: at.UTC()})
	}
	if len(probs) > 0 {
		return parsed{p: p}, errors.New(strings.Join(probs, "; "))
	}
	slices.SortFunc(p.Deadlines, func(a, b Deadline) int {
		return strings.Compare(a.Kind+"\x00"+a.Lot+"\x00"+a.Supplier, b.Kind+"\x00"+b.Lot+"\x00"+b.Supplier)
	})
	lots, _ := json.Marshal(p.Lots)
	parts, _ := json.Marshal(p.Participants)
	// The hash covers the normalized content, so the same procedure sent
	// again (any key order, any offset) is recognized as unchanged.
	canon, _ := json.Marshal(struct {
		A, M, C, Mod string
		L, P         json.RawMessage
		D            []Deadline
	}{p.Announcement, p.Method, p.Customer, p.Module, lots, parts, p.Deadlines})
	h := sha256.Sum256(canon)
	return parsed{p: p, lots: string(lots), parts: string(parts), hash: hex.EncodeToString(h[:16]), deadlineRows: p.Deadlines}, nil
}

// Import reads NDJSON procedures from r, one per line, and upserts them by
// external id in transactions of ImportBatch lines. A line that does not
// validate is reported with its number and skipped; the others are imported.
// Re-importing the same content changes nothing (the row's content hash).
// A database error stops the import: the batches before it stay committed
// (the result says how far it got) and re-sending the whole file is safe.
func (s *Service) Import(ctx context.Context, r io.Reader, by audit.Actor) (ImportResult, error) {
	res := ImportResult{Errors: []LineError{}}
	br := bufio.NewReaderSize(r, 64<<10)
	batch := make([]parsed, 0, s.ImportBatch)
	lineNo := 0
	var long bytes.Buffer
	fail := func(line int, id, msg string) {
		res.Failed++
		if len(res.Errors) < maxListedErrors {
			res.Errors = append(res.Errors, LineError{Line: line, ExternalID: id, Error: msg})
		} else {
			res.ErrorsTruncated = true
		}
	}
	for {
		chunk, isPrefix, err := br.ReadLine()
		if err == io.EOF {
			break
		}
		if err != nil {
			return res, apperr.New(apperr.Invalid, "reading the body after line %d: %v", lineNo, err)
		}
		if isPrefix || long.Len() > 0 {
			if long.Len() <= MaxLine {
				long.Write(chunk)
			}
			if isPrefix {
				continue
			}
			chunk = long.Bytes()
		}
		lineNo++
		line := bytes.TrimSpace(chunk)
		tooLong := len(chunk) > MaxLine
		long.Reset()
		if len(line) == 0 {
			continue
		}
		res.Lines++
		if tooLong {
			fail(lineNo, "", fmt.Sprintf("line longer than %d bytes", MaxLine))
			continue
		}
		pr, err := parseLine(line)
		if err != nil {
			fail(lineNo, pr.p.ExternalID, err.Error())
			continue
		}
		pr.line = lineNo
		batch = append(batch, pr)
		if len(batch) == cap(batch) {
			if err := s.writeBatch(ctx, batch, &res, by); err != nil {
				return res, err
			}
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		if err := s.writeBatch(ctx, batch, &res, by); err != nil {
			return res, err
		}
	}
	return res, nil
}

func (s *Service) writeBatch(ctx context.Context, batch []parsed, res *ImportResult, by audit.Actor) error {
	// Within one batch the same external id twice: the last line wins, as it
	// would across batches.
	now := s.Now()
	var ins, upd, same int
	// SQLite (issue 15): no batch commits inside a staged apply.
	unlock, err := s.exclusive(ctx)
	if err != nil {
		return apperr.Wrap(err, "import")
	}
	defer unlock()
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		up, err := tx.PrepareContext(ctx, Q.UpsertProcedure)
		if err != nil {
			return err
		}
		defer up.Close()
		del, err := tx.PrepareContext(ctx, Q.DeleteDeadlines)
		if err != nil {
			return err
		}
		defer del.Close()
		insD, err := tx.PrepareContext(ctx, Q.InsertDeadline)
		if err != nil {
			return err
		}
		defer insD.Close()
		for i := range batch {
			pr := &batch[i]
			p := &pr.p
			var id int64
			var version int
			err := up.QueryRowContext(ctx, p.ExternalID, p.Announcement, p.Method, p.Customer, p.Module, pr.lots, pr.parts, pr.hash, store.T(now)).Scan(&id, &version)
			if errors.Is(err, sql.ErrNoRows) {
				same++
				continue
			}
			if err != nil {
				return fmt.Errorf("line %d (%s): %w", pr.line, p.ExternalID, err)
			}
			if version == 1 {
				ins++
			} else {
				upd++
				if _, err := del.ExecContext(ctx, id); err != nil {
					return err
				}
			}
			for _, d := range pr.deadlineRows {
				if _, err := insD.ExecContext(ctx, id, d.Kind, d.Lot, d.Supplier, p.Module, store.T(d.At)); err != nil {
					return fmt.Errorf("line %d (%s): %w", pr.line, p.ExternalID, err)
				}
			}
		}
		if ins+upd == 0 {
			return nil // nothing changed: nothing to audit
		}
		_, err = audit.Append(ctx, tx, s.DB.Dialect, now, by, audit.Entry{Action: "procedures.import", ObjectType: "procedures",
			ObjectID: fmt.Sprintf("lines %d-%d", batch[0].line, batch[len(batch)-1].line),
			After:    map[string]int{"inserted": ins, "updated": upd, "unchanged": same}})
		return err
	})
	if err != nil {
		return apperr.Wrap(err, "import batch")
	}
	res.Inserted += ins
	res.Updated += upd
	res.Unchanged += same
	return nil
}

func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}
