// Package proctest generates a procurement mirror inside the database for
// the apply benchmark and measurements (issues 4 and 15): one SQL statement
// per table, so 1,000,000 procedures load in seconds to minutes.
package proctest

import (
	"context"
	"fmt"
	"strings"
	"time"

	"tenderdesk/internal/store"
)

// mirror generates the mirror inside the database: procedure i has
// bids_end, opening_protocol (+30 min), contract_signing (+1 h) and
// complaints_end (+72 h) from a base time, every 10th 10–209 min after the
// failure's start, the others 24–523 h later; two bidders each from 50,000.
var mirror = map[store.Dialect][]string{
	store.SQLite: {
		`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM n WHERE i < $1 - 1)
INSERT INTO procedures (id, external_id, announcement, method, customer, module, lots, participants, content_hash, imported_at, updated_at)
SELECT i+1, 'B' || i, 'A' || i, CASE (i/10)%3 WHEN 0 THEN 'tender' WHEN 1 THEN 'auction' ELSE 'price_request' END,
  '990140000123', 'm', '["1"]',
  '[{"supplier":"' || printf('%012d', i % 50000) || '","email":"s' || (i % 50000) || '@example.kz","language":"ru"},' ||
  '{"supplier":"' || printf('%012d', (i*7+3) % 50000) || '","email":"s' || ((i*7+3) % 50000) || '@example.kz","language":"kk"}]',
  'bench', $2, $2 FROM n`,
		`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM n WHERE i < $1 - 1),
b(i, t) AS (SELECT i, $2 + CASE WHEN i % 10 = 0 THEN (10 + i % 200) * 60 ELSE (24 + i % 500) * 3600 END FROM n),
k(kind, off) AS (VALUES ('bids_end', 0), ('opening_protocol', 1800), ('contract_signing', 3600), ('complaints_end', 259200))
INSERT INTO procedure_deadlines (procedure_id, kind, lot, supplier, module, at)
SELECT i+1, kind, '1', '', 'm', strftime('%Y-%m-%dT%H:%M:%S.000000Z', t + off, 'unixepoch') FROM b, k`,
		`ANALYZE`,
	},
	store.Postgres: {
		`INSERT INTO procedures (id, external_id, announcement, method, customer, module, lots, participants, content_hash, imported_at, updated_at)
SELECT i+1, 'B' || i, 'A' || i, CASE (i/10)%3 WHEN 0 THEN 'tender' WHEN 1 THEN 'auction' ELSE 'price_request' END,
  '990140000123', 'm', '["1"]',
  '[{"supplier":"' || lpad((i % 50000)::text, 12, '0') || '","email":"s' || (i % 50000) || '@example.kz","language":"ru"},' ||
  '{"supplier":"' || lpad(((i*7+3) % 50000)::text, 12, '0') || '","email":"s' || ((i*7+3) % 50000) || '@example.kz","language":"kk"}]',
  'bench', $2::timestamptz, $2::timestamptz FROM generate_series(0, $1::bigint - 1) AS i`,
		`INSERT INTO procedure_deadlines (procedure_id, kind, lot, supplier, module, at)
SELECT i+1, k.kind, '1', '', 'm', to_timestamp($2::bigint + CASE WHEN i % 10 = 0 THEN (10 + i % 200) * 60 ELSE (24 + i % 500) * 3600 END + k.off)
FROM generate_series(0, $1::bigint - 1) AS i,
  (VALUES ('bids_end', 0), ('opening_protocol', 1800), ('contract_signing', 3600), ('complaints_end', 259200)) AS k(kind, off)`,
		`ANALYZE procedures`, `ANALYZE procedure_deadlines`,
	},
}

// LoadMirror inserts n procedures of module "m" (ids 1…n, external ids
// B0…) whose base time is base: every 10th procedure's deadlines start
// 10–209 minutes after it (inside a 3.5-hour failure from base), the
// others 24–523 hours later. The tables are analysed after.
func LoadMirror(ctx context.Context, db *store.DB, n int, base time.Time) error {
	for _, q := range mirror[db.Dialect] {
		var args []any
		switch {
		case strings.Contains(q, "INSERT INTO procedures "):
			args = []any{n, store.T(base)}
		case strings.Contains(q, "$1"):
			args = []any{n, base.Unix()}
		}
		if _, err := db.W.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("load mirror: %w", err)
		}
	}
	return nil
}
