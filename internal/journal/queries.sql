-- name: insert-incident
INSERT INTO incidents (state, profile, first_registered_at, created_at, updated_at, number, modules)
VALUES ('registered', $1, $2, $2, $2, $3, $4) RETURNING id

-- An appeal carries its incident's state and criticality for the listing
-- (0010_journal_listing); a new incident's are 'registered' and none.
-- name: insert-appeal
INSERT INTO appeals (number, year, seq, incident_id, channel, received_at, registered_at, detected_at, organization, bin,
    contact_email, contact_phone, description, module, announcements, lots, profile, created_by, state, criticality, possible_thread_of)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
    (SELECT state FROM incidents WHERE id = $4), (SELECT COALESCE(criticality, '') FROM incidents WHERE id = $4), $19) RETURNING id

-- name: idempotency-get
SELECT k.request_hash, a.number FROM idempotency_keys k JOIN appeals a ON a.id = k.appeal_id
WHERE k.user_id = $1 AND k.key = $2

-- name: idempotency-put
INSERT INTO idempotency_keys (user_id, key, request_hash, appeal_id, created_at) VALUES ($1, $2, $3, $4, $5)

-- name: appeal-by-number
SELECT a.id, a.number, a.incident_id, a.channel, a.received_at, a.registered_at, a.detected_at, a.organization, a.bin,
    a.contact_email, a.contact_phone, a.description, a.module, a.announcements, a.lots, a.profile, COALESCE(i.number, ''), a.possible_thread_of
FROM appeals a JOIN incidents i ON i.id = a.incident_id WHERE a.number = $1

-- name: appeals-of-incident
SELECT a.id, a.number, a.incident_id, a.channel, a.received_at, a.registered_at, a.detected_at, a.organization, a.bin,
    a.contact_email, a.contact_phone, a.description, a.module, a.announcements, a.lots, a.profile, COALESCE(i.number, ''), a.possible_thread_of
FROM appeals a JOIN incidents i ON i.id = a.incident_id WHERE a.incident_id = $1 ORDER BY a.registered_at, a.id

-- name: incident-by-id
SELECT id, COALESCE(number, ''), state, paused_from, profile, first_registered_at, criticality, operator_dependent, cause,
    failure_started_at, planned_fix_at, fixed_at, modules, decision, recommendations, merged_into, created_at, updated_at, version
FROM incidents WHERE id = $1

-- name: update-incident
UPDATE incidents SET state = $3, paused_from = $4, criticality = $5, operator_dependent = $6, cause = $7,
    failure_started_at = $8, planned_fix_at = $9, fixed_at = $10, modules = $11, decision = $12, recommendations = $13,
    merged_into = $14, first_registered_at = $15, updated_at = $16, version = version + 1
WHERE id = $1 AND version = $2

-- The incident's appeals follow its state and criticality (listing filters).
-- name: sync-appeals
UPDATE appeals SET state = $2, criticality = $3 WHERE incident_id = $1 AND (state <> $2 OR criticality <> $3)

-- name: insert-transition
INSERT INTO incident_transitions (incident_id, from_state, to_state, actor_id, at, note) VALUES ($1, $2, $3, $4, $5, $6)

-- name: transitions-of-incident
SELECT t.from_state, t.to_state, COALESCE(u.login, 'system'), t.at, t.note
FROM incident_transitions t LEFT JOIN users u ON u.id = t.actor_id WHERE t.incident_id = $1 ORDER BY t.id

-- name: move-appeal
UPDATE appeals SET incident_id = $2 WHERE id = $1

-- name: count-appeals-of-incident
SELECT count(*) FROM appeals WHERE incident_id = $1

-- name: savepoint
SAVEPOINT reg

-- name: release-savepoint
RELEASE SAVEPOINT reg

-- name: rollback-to-savepoint
ROLLBACK TO SAVEPOINT reg

-- name: fts-index-sqlite
INSERT INTO appeals_fts (rowid, description, organization)
SELECT id, description, organization FROM appeals WHERE id >= $1

-- The appeals a full-text query matches, from the GIN index (journal.fewMatches).
-- name: search-ids-postgres
SELECT id FROM appeals WHERE search @@ to_tsquery('simple', $1) LIMIT $2

-- How many of the $2 newest appeals a full-text query matches: a cheap
-- sample that tells a common word from a rare one (journal.commonWord).
-- name: search-sample-postgres
SELECT COUNT(*) FROM (SELECT search FROM appeals ORDER BY id DESC LIMIT $2) x WHERE x.search @@ to_tsquery('simple', $1)

-- The appeals a full-text query matches, from the FTS5 index (journal.fewMatchesSQLite).
-- name: search-ids-sqlite
SELECT rowid FROM appeals_fts WHERE appeals_fts MATCH $1 LIMIT $2

-- The console (issue 10): counts of open incidents per state. The open
-- states are named (not "NOT IN closed, merged") so each is a range of
-- incidents_state and the closed majority is never read.
-- name: count-open-by-state
SELECT state, COUNT(*) FROM incidents
WHERE state IN ('registered', 'analysing', 'info_requested', 'confirmed', 'fixing', 'fixed', 'refuted') GROUP BY state

-- The console's registration form: open incidents of the same module or
-- announcement, newest first ($2 is the announcement as a JSON string,
-- e.g. '%"2026-ЗЦП-1"%').
-- name: open-incidents-like
SELECT DISTINCT i.id FROM appeals a JOIN incidents i ON i.id = a.incident_id
WHERE i.state NOT IN ('closed', 'merged', 'refuted') AND ((a.module <> '' AND a.module = $1) OR ($2 <> '' AND a.announcements LIKE $2))
ORDER BY i.id DESC LIMIT 10

-- Assignment (issue 10): who works on an incident.
-- name: assignee-of
SELECT u.login FROM assignments s JOIN users u ON u.id = s.assignee_id WHERE s.incident_id = $1

-- name: assignable-user
SELECT id, role, status FROM users WHERE login = $1

-- name: assign-delete
DELETE FROM assignments WHERE incident_id = $1

-- name: assign-insert
INSERT INTO assignments (incident_id, assignee_id, assigned_at) VALUES ($1, $2, $3)

-- Who works on each of several incidents (the queue page); $1 a JSON array of ids.
-- name: assignees-of-sqlite
SELECT s.incident_id, u.login FROM json_each($1) j CROSS JOIN assignments s ON s.incident_id = j.value JOIN users u ON u.id = s.assignee_id

-- name: assignees-of-postgres
SELECT s.incident_id, u.login FROM assignments s JOIN users u ON u.id = s.assignee_id
WHERE s.incident_id IN (SELECT jsonb_array_elements_text($1::jsonb)::bigint)
-- Issue 11: the planned and actual fix of the incidents of one page of
-- "my appeals" in one look-up ($1: a JSON array of incident ids).
-- name: fix-times-sqlite
SELECT i.id, i.planned_fix_at, i.fixed_at FROM json_each($1) AS j CROSS JOIN incidents i ON i.id = j.value

-- name: fix-times-postgres
SELECT i.id, i.planned_fix_at, i.fixed_at FROM jsonb_array_elements_text($1::jsonb) AS j(v) JOIN incidents i ON i.id = j.v::bigint

-- A group commit takes its numbers from the counters once (issue 15): it
-- locks the year's row and reads it (creating it at 0), numbers its appeals
-- after it in memory, and writes the last number used before the commit.
-- The row stays locked from the first read to the commit, so the numbers
-- are unique and, as nothing is taken that is not used, gap-free.
-- name: lock-number
INSERT INTO appeal_counters (year, last) VALUES ($1, 0)
ON CONFLICT (year) DO UPDATE SET last = appeal_counters.last RETURNING last

-- name: set-number
UPDATE appeal_counters SET last = $2 WHERE year = $1

-- name: lock-incident-number
INSERT INTO incident_counters (year, last) VALUES ($1, 0)
ON CONFLICT (year) DO UPDATE SET last = incident_counters.last RETURNING last

-- name: set-incident-number
UPDATE incident_counters SET last = $2 WHERE year = $1

-- On PostgreSQL a pipelined group takes its ids up front, so that its
-- inserts need no RETURNING and go out with the rest of the group in one
-- batch (ids are not numbers: the ones left unused are only skipped).
-- name: reserve-ids-postgres
SELECT nextval(pg_get_serial_sequence('appeals', 'id')), nextval(pg_get_serial_sequence('incidents', 'id'))
FROM generate_series(1, $1)

-- name: insert-incident-id
INSERT INTO incidents (id, state, profile, first_registered_at, created_at, updated_at, number, modules)
VALUES ($5, 'registered', $1, $2, $2, $2, $3, $4)

-- name: insert-appeal-id
INSERT INTO appeals (number, year, seq, incident_id, channel, received_at, registered_at, detected_at, organization, bin,
    contact_email, contact_phone, description, module, announcements, lots, profile, created_by, state, criticality, possible_thread_of, id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
    (SELECT state FROM incidents WHERE id = $4), (SELECT COALESCE(criticality, '') FROM incidents WHERE id = $4), $19, $20)
