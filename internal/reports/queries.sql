-- Reports for the authorized body (issue 13): the Journal extract and the
-- compliance with the regulation's terms. Shared DML for SQLite and
-- PostgreSQL ($N placeholders); empty text parameters do not filter.

-- One chunk of the Journal extract, in the Journal's order (registration
-- time, then id), after the keyset ($7 registered_at, $8 id) of the last
-- chunk, along the index appeals_registered. $3 is a profile version, $4
-- the same as a family prefix ('kz-quasi@%'). PostgreSQL takes the keyset
-- as a row value (with an OR it rescanned each chunk from the period's
-- start: 6.0 s for 100,000 rows, 1.5 s with it); SQLite as an OR (its row
-- value was the slower there).
-- name: extract-chunk-postgres
SELECT a.id, a.number, a.channel, a.received_at, a.registered_at, a.organization, a.bin, a.contact_email, a.contact_phone,
    a.profile, COALESCE(i.number, ''), i.state, COALESCE(i.criticality, ''), i.operator_dependent, i.cause, i.decision, i.recommendations
FROM appeals a JOIN incidents i ON i.id = a.incident_id
WHERE a.registered_at >= $1 AND a.registered_at < $2
    AND (CAST($3 AS TEXT) = '' OR a.profile = $3 OR a.profile LIKE $4)
    AND (CAST($5 AS TEXT) = '' OR a.organization = $5)
    AND (CAST($6 AS TEXT) = '' OR a.bin = $6)
    AND (a.registered_at, a.id) > ($7, $8)
ORDER BY a.registered_at, a.id
LIMIT $9

-- name: extract-chunk-sqlite
SELECT a.id, a.number, a.channel, a.received_at, a.registered_at, a.organization, a.bin, a.contact_email, a.contact_phone,
    a.profile, COALESCE(i.number, ''), i.state, COALESCE(i.criticality, ''), i.operator_dependent, i.cause, i.decision, i.recommendations
FROM appeals a JOIN incidents i ON i.id = a.incident_id
WHERE a.registered_at >= $1 AND a.registered_at < $2
    AND (CAST($3 AS TEXT) = '' OR a.profile = $3 OR a.profile LIKE $4)
    AND (CAST($5 AS TEXT) = '' OR a.organization = $5)
    AND (CAST($6 AS TEXT) = '' OR a.bin = $6)
    AND (a.registered_at > $7 OR (a.registered_at = $7 AND a.id > $8))
ORDER BY a.registered_at, a.id
LIMIT $9

-- The clocks of a period (by the event that started them, index
-- clocks_event of 0017_reports_clocks_event) for the compliance report.
-- name: sla-clocks
SELECT c.incident_id, c.appeal_number, c.clock, c.level, c.channel, c.profile, c.basis, c.event_at, c.start_at, c.deadline,
    c.state, c.met_at, c.breached_at, COALESCE(i.number, '')
FROM clocks c JOIN incidents i ON i.id = c.incident_id
WHERE c.event_at >= $1 AND c.event_at < $2 AND (CAST($3 AS TEXT) = '' OR c.profile = $3 OR c.profile LIKE $4)
