-- Live clocks (issue 3). Shared DML for SQLite and PostgreSQL ($N placeholders).

-- name: insert
INSERT INTO clocks (incident_id, appeal_number, clock, level, channel, profile, basis, event_at, start_at, base_deadline,
    deadline, warn_at, state, paused_at, pauses, extensions, met_at, warned_at, breached_at, next_at, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $21)
ON CONFLICT (incident_id, appeal_number, clock) DO NOTHING

-- name: update
UPDATE clocks SET incident_id = $3, level = $4, event_at = $5, start_at = $6, base_deadline = $7, deadline = $8, warn_at = $9,
    state = $10, paused_at = $11, pauses = $12, extensions = $13, met_at = $14, warned_at = $15, breached_at = $16,
    next_at = $17, updated_at = $18, version = version + 1
WHERE id = $1 AND version = $2

-- name: of-incident
SELECT id, incident_id, appeal_number, clock, level, channel, profile, basis, event_at, start_at, base_deadline, deadline,
    warn_at, state, paused_at, pauses, extensions, met_at, warned_at, breached_at, next_at, version, flag
FROM clocks WHERE incident_id = $1 ORDER BY event_at, id

-- name: open
SELECT id, incident_id, appeal_number, clock, level, channel, profile, basis, event_at, start_at, base_deadline, deadline,
    warn_at, state, paused_at, pauses, extensions, met_at, warned_at, breached_at, next_at, version, flag
FROM clocks WHERE state IN ('running', 'paused') AND id > $1 ORDER BY id LIMIT $2

-- The due scan: running clocks whose next look (warning, then deadline) has
-- come, oldest first, through the partial index clocks_due. PostgreSQL
-- skips rows another node holds, so several schedulers share the work and
-- none fires a clock twice; SQLite has one writer (BEGIN IMMEDIATE).
-- name: due-postgres
SELECT id, incident_id, appeal_number, clock, level, channel, profile, basis, event_at, start_at, base_deadline, deadline,
    warn_at, state, paused_at, pauses, extensions, met_at, warned_at, breached_at, next_at, version, flag
FROM clocks WHERE state = 'running' AND next_at < $1 ORDER BY next_at LIMIT $2 FOR UPDATE SKIP LOCKED

-- name: due-sqlite
SELECT id, incident_id, appeal_number, clock, level, channel, profile, basis, event_at, start_at, base_deadline, deadline,
    warn_at, state, paused_at, pauses, extensions, met_at, warned_at, breached_at, next_at, version, flag
FROM clocks WHERE state = 'running' AND next_at < $1 ORDER BY next_at LIMIT $2

-- name: move-appeal-clocks
UPDATE clocks SET incident_id = $1, updated_at = $2, version = version + 1
WHERE incident_id <> $1 AND appeal_number IN (SELECT number FROM appeals WHERE incident_id = $1)

-- name: merged-sources
SELECT id FROM incidents WHERE merged_into = $1

-- name: incident-receipt
SELECT MIN(received_at) FROM appeals WHERE incident_id = $1

-- name: incident-numbers
SELECT COALESCE(i.number, ''),
    COALESCE((SELECT a.number FROM appeals a WHERE a.incident_id = i.id ORDER BY a.registered_at, a.id LIMIT 1), '')
FROM incidents i WHERE i.id = $1

-- name: appeal-access
SELECT incident_id, bin FROM appeals WHERE number = $1

-- name: incident-profile
SELECT profile FROM incidents WHERE id = $1

-- name: count-running
SELECT COUNT(*) FROM clocks WHERE state = 'running'

-- name: count-overdue
SELECT COUNT(*) FROM clocks WHERE state = 'running' AND next_at < $1

-- name: overrides
SELECT id, scope, kind, date_from, date_to, intervals, all_days, reason, source, created_by, created_at
FROM calendar_overrides ORDER BY id

-- name: override-find
SELECT id FROM calendar_overrides WHERE scope = $1 AND kind = $2 AND date_from = $3 AND date_to = $4

-- name: override-insert
INSERT INTO calendar_overrides (scope, kind, date_from, date_to, intervals, all_days, reason, source, created_by, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id

-- name: override-delete
DELETE FROM calendar_overrides WHERE id = $1

-- name: incident-appeals
SELECT number FROM appeals WHERE incident_id = $1 ORDER BY id

-- A notice clock whose notice bounced: $1 incident, $2 appeal number ('' for
-- the incident's own clock), $3 clock, $4 the flag.
-- name: flag
UPDATE clocks SET flag = $4, updated_at = $5 WHERE incident_id = $1 AND appeal_number = $2 AND clock = $3
RETURNING id

-- The soonest next look of a running clock: the scheduler sleeps until then
-- (or its tick), through clocks_due.
-- name: next-due
SELECT MIN(next_at) FROM clocks WHERE state = 'running'

-- The clocks the console's queue shows for a page of appeals, in one
-- query (not one per row): the incidents' own ($1, a JSON array of ids) and
-- those of the page's appeals ($2, a JSON array of numbers), met ones left
-- out (the row shows the running, breached or paused one).
-- (SQLite: CROSS JOIN keeps the id list outside, so each id is one
-- index lookup rather than a scan of every clock.)
-- name: of-queue-sqlite
SELECT c.id, c.incident_id, c.appeal_number, c.clock, c.level, c.channel, c.profile, c.basis, c.event_at, c.start_at, c.base_deadline,
    c.deadline, c.warn_at, c.state, c.paused_at, c.pauses, c.extensions, c.met_at, c.warned_at, c.breached_at, c.next_at, c.version, c.flag
FROM json_each($1) j CROSS JOIN clocks c ON c.incident_id = j.value
WHERE c.state <> 'met' AND (c.appeal_number = '' OR c.appeal_number IN (SELECT value FROM json_each($2)))
ORDER BY c.incident_id, c.event_at, c.id

-- name: of-queue-postgres
SELECT id, incident_id, appeal_number, clock, level, channel, profile, basis, event_at, start_at, base_deadline, deadline,
    warn_at, state, paused_at, pauses, extensions, met_at, warned_at, breached_at, next_at, version, flag
FROM clocks WHERE incident_id IN (SELECT jsonb_array_elements_text($1::jsonb)::bigint) AND state <> 'met'
    AND (appeal_number = '' OR appeal_number IN (SELECT jsonb_array_elements_text($2::jsonb)))
ORDER BY incident_id, event_at, id
