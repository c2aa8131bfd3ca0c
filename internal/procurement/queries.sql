-- Procurement mirror, applied plans, change feed, webhook (issue 4).

-- name: upsert-procedure
-- Upsert by external id; an unchanged line (same content hash) writes nothing
-- and returns no row. version 1 = inserted.
INSERT INTO procedures (external_id, announcement, method, customer, module, lots, participants, content_hash, imported_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
ON CONFLICT (external_id) DO UPDATE SET announcement = excluded.announcement, method = excluded.method,
    customer = excluded.customer, module = excluded.module, lots = excluded.lots, participants = excluded.participants,
    content_hash = excluded.content_hash, updated_at = excluded.updated_at, version = procedures.version + 1
WHERE procedures.content_hash <> excluded.content_hash
RETURNING id, version

-- name: delete-deadlines
DELETE FROM procedure_deadlines WHERE procedure_id = $1

-- name: insert-deadline
INSERT INTO procedure_deadlines (procedure_id, kind, lot, supplier, module, at) VALUES ($1, $2, $3, $4, $5, $6)

-- name: procedure-by-external-id
SELECT id, external_id, announcement, method, customer, module, lots, participants, imported_at, updated_at
FROM procedures WHERE external_id = $1

-- name: deadlines-of-procedure
-- Issue 15 (staged apply, SQLite): between a plan's flip and the merge of its
-- deadlines, a deadline it moved shows its last step's value (the value the
-- merge writes), so readers see the plan from the flip on.
SELECT d.kind, d.lot, d.supplier, coalesce((SELECT c.new_at FROM plan_changes c JOIN applied_plans a ON a.id = c.plan_id
        WHERE c.procedure_id = d.procedure_id AND c.kind = d.kind AND c.lot = d.lot AND c.supplier = d.supplier
          AND c.action IN ('extend', 'hold') AND a.status = 'applied' AND a.merged = false
        ORDER BY c.id DESC LIMIT 1), d.at)
FROM procedure_deadlines d WHERE d.procedure_id = $1 ORDER BY d.kind, d.lot, d.supplier

-- name: changes-of-procedure
SELECT c.plan_id, c.event, c.lot, c.kind, c.supplier, c.action, c.rule, c.old_at, c.new_at, c.recipients, r.ru, r.kk, r.en
FROM plan_changes c JOIN applied_plans a ON a.id = c.plan_id JOIN plan_reasons r ON r.id = c.reason_id
WHERE c.procedure_id = $1 AND a.status = 'applied' ORDER BY c.id

-- name: scope-window
-- Procedures of a module with a deadline in [$2, $3] (the engine's scope).
SELECT DISTINCT procedure_id FROM procedure_deadlines WHERE module = $1 AND at >= $2 AND at <= $3

-- name: scope-from
-- Procedures of a module with a deadline at or after $2 (unbounded scope).
SELECT DISTINCT procedure_id FROM procedure_deadlines WHERE module = $1 AND at >= $2

-- name: scope-named
SELECT id FROM procedures WHERE external_id = $1

-- name: scope-applied
-- Procedures carrying applied changes of an incident: their delta may be non-empty.
SELECT DISTINCT c.procedure_id FROM plan_changes c JOIN applied_plans a ON a.id = c.plan_id
WHERE a.incident_id = $1 AND a.status = 'applied'

-- name: chunk-sqlite
-- One row per procedure of the chunk, its deadlines folded into one string
-- (fields split by U+001F, deadlines by U+001E; import refuses control
-- characters) and whether it carries applied changes. The chunk drives the
-- join (CROSS JOIN fixes the order in SQLite): one primary-key probe per id.
SELECT p.id, p.external_id, p.announcement, p.method, p.customer, p.module, p.lots, p.participants,
    (SELECT group_concat(d.kind || char(31) || d.lot || char(31) || d.supplier || char(31) || d.at, char(30))
        FROM procedure_deadlines d WHERE d.procedure_id = p.id),
    EXISTS (SELECT 1 FROM plan_changes c WHERE c.procedure_id = p.id)
FROM json_each($1) AS j CROSS JOIN procedures p ON p.id = j.value ORDER BY p.id

-- name: chunk-postgres
SELECT p.id, p.external_id, p.announcement, p.method, p.customer, p.module, p.lots, p.participants,
    (SELECT string_agg(d.kind || chr(31) || d.lot || chr(31) || d.supplier || chr(31) ||
            to_char(d.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), chr(30) ORDER BY d.kind, d.lot, d.supplier)
        FROM procedure_deadlines d WHERE d.procedure_id = p.id),
    EXISTS (SELECT 1 FROM plan_changes c WHERE c.procedure_id = p.id)
FROM jsonb_array_elements_text($1::jsonb) AS j(v) JOIN procedures p ON p.id = j.v::bigint ORDER BY p.id

-- name: chunk-changes-sqlite
-- Driven by the chunk through plan_changes(procedure_id): during an apply the
-- current plan's own changes grow, and a plan through applied_plans would
-- rescan them for every chunk.
SELECT c.procedure_id, c.event, c.lot, c.kind, c.supplier, c.action, c.rule, c.old_at, c.new_at, c.recipients
FROM json_each($1) AS j CROSS JOIN plan_changes c ON c.procedure_id = j.value CROSS JOIN applied_plans a ON a.id = c.plan_id
WHERE a.status = 'applied' ORDER BY c.procedure_id, c.id

-- name: chunk-changes-postgres
SELECT c.procedure_id, c.event, c.lot, c.kind, c.supplier, c.action, c.rule, c.old_at, c.new_at, c.recipients
FROM jsonb_array_elements_text($1::jsonb) AS j(v) JOIN plan_changes c ON c.procedure_id = j.v::bigint
JOIN applied_plans a ON a.id = c.plan_id
WHERE a.status = 'applied' ORDER BY c.procedure_id, c.id

-- name: active-plans
-- The incident input of the latest applied plan of every incident that has one.
SELECT a.incident_id, a.input FROM applied_plans a
WHERE a.status = 'applied' AND a.id = (SELECT max(b.id) FROM applied_plans b WHERE b.incident_id = a.incident_id AND b.status = 'applied')
ORDER BY a.incident_id

-- name: windows-for-plan
-- Q41 (issue 14): the maintenance windows a plan composes with — those
-- announced on the status page, not withdrawn, with an end, ending at or
-- after $1 (the earliest deadline the incident reaches: an older window
-- cannot touch the procedures in scope), and every window whose moves an
-- applied plan carries, whatever became of it since.
SELECT m.id, m.starts_at, m.ends_at FROM maintenance m
WHERE m.ends_at IS NOT NULL AND ((m.withdrawn_at IS NULL AND m.ends_at >= $1)
    OR m.id IN (SELECT w.maintenance_id FROM plan_windows w JOIN applied_plans a ON a.id = w.plan_id WHERE a.status = 'applied'))
ORDER BY m.id

-- name: insert-plan-window
INSERT INTO plan_windows (plan_id, maintenance_id) VALUES ($1, $2)

-- name: lock-writer-sqlite
SELECT id FROM procurement_lock WHERE id = 1

-- name: lock-writer-postgres
SELECT id FROM procurement_lock WHERE id = 1 FOR UPDATE

-- name: insert-plan
-- $1 the incident or $6 the maintenance window (ext14b): exactly one is set.
-- $7 is 'applied' (PostgreSQL, one transaction) or 'staging' (SQLite's
-- staged apply, issue 15).
INSERT INTO applied_plans (incident_id, status, profile, input, plan_hash, procedures, changes, applied_at, applied_by, maintenance_id)
VALUES ($1, $7, $2, $3, '', 0, 0, $4, $5, $6) RETURNING id

-- name: finish-plan
UPDATE applied_plans SET plan_hash = $2, procedures = $3, changes = $4 WHERE id = $1

-- name: insert-change
INSERT INTO plan_changes (plan_id, procedure_id, lot, kind, supplier, action, rule, event, old_at, new_at, recipients, reason_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)

-- name: insert-reason
INSERT INTO plan_reasons (plan_id, ru, kk, en) VALUES ($1, $2, $3, $4) RETURNING id

-- name: change-range-of-plan
SELECT coalesce(min(id), 0), coalesce(max(id), -1) FROM plan_changes WHERE plan_id = $1

-- name: set-deadlines-of-plan
-- Each deadline the plan moved takes the value of its last step. Run over
-- ranges of change ids ($2, $3], ascending, so no single statement (and its
-- statement journal, in memory with temp_store=memory) spans a 100,000-
-- procedure plan; the last range that has a step of a deadline wins.
UPDATE procedure_deadlines SET at = c.new_at
FROM (SELECT procedure_id, kind, lot, supplier, new_at FROM plan_changes WHERE id IN (
        SELECT max(id) FROM plan_changes WHERE plan_id = $1 AND id > $2 AND id <= $3 AND action IN ('extend', 'hold')
        GROUP BY procedure_id, kind, lot, supplier)) AS c
WHERE procedure_deadlines.procedure_id = c.procedure_id AND procedure_deadlines.kind = c.kind
    AND procedure_deadlines.lot = c.lot AND procedure_deadlines.supplier = c.supplier

-- name: restore-deadlines-of-plan
-- Each deadline the plan moved gets back the value before its first step
-- (ranges descending: the first range with a step of a deadline wins).
UPDATE procedure_deadlines SET at = c.old_at
FROM (SELECT procedure_id, kind, lot, supplier, old_at FROM plan_changes WHERE id IN (
        SELECT min(id) FROM plan_changes WHERE plan_id = $1 AND id > $2 AND id <= $3 AND action IN ('extend', 'hold')
        GROUP BY procedure_id, kind, lot, supplier)) AS c
WHERE procedure_deadlines.procedure_id = c.procedure_id AND procedure_deadlines.kind = c.kind
    AND procedure_deadlines.lot = c.lot AND procedure_deadlines.supplier = c.supplier

-- name: feed-apply
-- Every change of the plan but notifications, in plan order.
INSERT INTO procurement_feed (plan_id, change_id, op, at)
SELECT plan_id, id, 'apply', $4 FROM plan_changes WHERE plan_id = $1 AND id > $2 AND id <= $3 AND action <> 'notify' ORDER BY id

-- name: feed-revert
-- The same changes undone, last first, so a consumer replaying them in feed
-- order ends on the value before the plan.
INSERT INTO procurement_feed (plan_id, change_id, op, at)
SELECT plan_id, id, 'revert', $4 FROM plan_changes WHERE plan_id = $1 AND id > $2 AND id <= $3 AND action <> 'notify' ORDER BY id DESC

-- name: plan-by-id
SELECT id, incident_id, maintenance_id, status, profile, plan_hash, procedures, changes, applied_at, applied_by, reverted_at, reverted_by, revert_reason
FROM applied_plans WHERE id = $1 AND status <> 'staging'

-- name: later-plan-on-same-deadlines
-- An applied plan after $1 that changed a deadline $1 changed: revert it first.
SELECT min(c2.plan_id) FROM plan_changes c1
JOIN plan_changes c2 ON c2.procedure_id = c1.procedure_id AND c2.kind = c1.kind AND c2.lot = c1.lot AND c2.supplier = c1.supplier AND c2.plan_id > c1.plan_id
JOIN applied_plans a ON a.id = c2.plan_id AND a.status = 'applied'
WHERE c1.plan_id = $1 AND c1.action IN ('extend', 'hold') AND c2.action IN ('extend', 'hold')

-- name: withdrawn-of-plan
-- Issue 14: every deadline a reverted plan moved, once, with the value it
-- is restored to (its first step's old value), the value the bidders were
-- told (its last step's new value) and the procedure's participants, so
-- each bidder is told what moves back. One grouping pass over the plan's
-- changes, then look-ups by id (a correlated "last step" per row was
-- quadratic in the plan's size).
SELECT g.procedure_id, p.announcement, p.participants, f.lot, f.kind, f.supplier, f.rule, f.old_at, l.new_at
FROM (SELECT procedure_id, min(id) AS first_id, max(id) AS last_id FROM plan_changes
      WHERE plan_id = $1 AND action IN ('extend', 'hold') GROUP BY procedure_id, kind, lot, supplier) AS g
JOIN plan_changes f ON f.id = g.first_id JOIN plan_changes l ON l.id = g.last_id JOIN procedures p ON p.id = g.procedure_id
ORDER BY g.procedure_id, g.first_id

-- name: mark-reverted
UPDATE applied_plans SET status = 'reverted', reverted_at = $2, reverted_by = $3, revert_reason = $4 WHERE id = $1 AND status = 'applied'

-- name: feed-page
SELECT f.seq, f.op, f.plan_id, coalesce(a.incident_id, 0), coalesce(a.maintenance_id, 0), p.external_id, p.announcement, c.lot, c.kind, c.supplier, c.action, c.rule,
    c.old_at, c.new_at, r.ru, r.kk, r.en, f.at
FROM procurement_feed f
JOIN plan_changes c ON c.id = f.change_id
JOIN plan_reasons r ON r.id = c.reason_id
JOIN applied_plans a ON a.id = f.plan_id
JOIN procedures p ON p.id = c.procedure_id
WHERE f.seq > $1 AND f.seq < coalesce((SELECT min(h.seq) FROM applied_plans s JOIN procurement_feed h ON h.plan_id = s.id
        WHERE s.status = 'staging'), 9223372036854775807)
ORDER BY f.seq LIMIT $2

-- name: feed-head
-- The last entry before the horizon (the first entry of a staging plan,
-- issue 15): no consumer is handed part of a plan.
SELECT coalesce((SELECT min(h.seq) - 1 FROM applied_plans s JOIN procurement_feed h ON h.plan_id = s.id WHERE s.status = 'staging'),
    (SELECT max(seq) FROM procurement_feed), 0)

-- name: webhook-state
SELECT url, secret, delivered_seq, attempts, next_attempt_at, failing_since, last_error, last_delivered_at, updated_at
FROM procurement_webhook WHERE id = 1

-- name: webhook-configure
UPDATE procurement_webhook SET url = $1, secret = $2, attempts = 0, next_attempt_at = NULL, failing_since = NULL,
    last_error = '', updated_at = $3, delivered_seq = $4
WHERE id = 1

-- name: webhook-delivered
UPDATE procurement_webhook SET delivered_seq = $1, attempts = 0, next_attempt_at = NULL, failing_since = NULL, last_error = '',
    last_delivered_at = $2 WHERE id = 1 AND delivered_seq < $1

-- name: webhook-failed
UPDATE procurement_webhook SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2,
    failing_since = coalesce(failing_since, $3) WHERE id = 1


-- The applied (and reverted) plans of an incident, newest first (the console's incident page).
-- name: plans-of-incident
SELECT id, incident_id, maintenance_id, status, profile, plan_hash, procedures, changes, applied_at, applied_by, reverted_at, reverted_by, revert_reason
FROM applied_plans WHERE incident_id = $1 AND status <> 'staging' ORDER BY id DESC LIMIT 100

-- Procedures of one announcement number (the console's look-up; index procedures_announcement).
-- name: procedures-by-announcement
SELECT external_id FROM procedures WHERE announcement = $1 ORDER BY id LIMIT 50

-- The rules a plan's changes cite, with how many changes each (the revert cites them).
-- name: rules-of-plan
SELECT rule, count(*) FROM plan_changes WHERE plan_id = $1 GROUP BY rule ORDER BY rule
-- Issue 11: the deadlines an incident's applied plans moved in the
-- procedures of one organization (customer, participant, or the supplier of
-- a per-supplier deadline), for its cabinet.
-- name: extensions-of-organization
SELECT p.external_id, p.announcement, c.lot, c.kind, c.supplier, c.action, c.rule, c.old_at, c.new_at
FROM applied_plans a JOIN plan_changes c ON c.plan_id = a.id JOIN procedures p ON p.id = c.procedure_id
WHERE a.incident_id = $1 AND a.status = 'applied' AND c.old_at IS NOT NULL AND c.new_at IS NOT NULL
  AND (c.supplier = $2 OR (c.supplier = '' AND (p.customer = $2 OR p.participants LIKE $3)))
ORDER BY p.announcement, c.lot, c.kind, c.id
LIMIT 500

-- A maintenance window's own plan (ext14b, Q41).

-- name: window-by-id
SELECT id, starts_at, ends_at, withdrawn_at FROM maintenance WHERE id = $1

-- name: scope-applied-window
-- Procedures carrying applied changes of a window's own plans.
SELECT DISTINCT c.procedure_id FROM plan_changes c JOIN applied_plans a ON a.id = c.plan_id
WHERE a.maintenance_id = $1 AND a.status = 'applied'

-- name: scope-modules
-- Every module of the mirror (a window covers the whole portal): one
-- range scan of procedure_deadlines_window per module follows.
SELECT DISTINCT module FROM procedures ORDER BY module

-- name: plans-of-window
SELECT id, incident_id, maintenance_id, status, profile, plan_hash, procedures, changes, applied_at, applied_by, reverted_at, reverted_by, revert_reason
FROM applied_plans WHERE maintenance_id = $1 AND status <> 'staging' ORDER BY id DESC LIMIT 100

-- Issue 10: the progress of an incident's plan apply, readable by every
-- desk process (table apply_progress). A claim takes the row unless an apply
-- runs ($4: a running row not updated since is a dead process's).
-- name: claim-apply-progress
INSERT INTO apply_progress (incident_id, state, by_login, started_at, updated_at, ended_at, done, total, procedures, changes, error_code, error_message)
VALUES ($1, 'running', $2, $3, $3, NULL, 0, 0, 0, 0, '', '')
ON CONFLICT (incident_id) DO UPDATE SET state = 'running', by_login = excluded.by_login, started_at = excluded.started_at,
    updated_at = excluded.updated_at, ended_at = NULL, done = 0, total = 0, procedures = 0, changes = 0, error_code = '', error_message = ''
WHERE apply_progress.state <> 'running' OR apply_progress.updated_at < $4

-- name: update-apply-progress
UPDATE apply_progress SET done = $2, total = $3, updated_at = $4 WHERE incident_id = $1 AND started_at = $5 AND state = 'running'

-- name: finish-apply-progress
UPDATE apply_progress SET state = $2, done = $3, total = $4, procedures = $5, changes = $6, error_code = $7, error_message = $8,
    updated_at = $9, ended_at = $9
WHERE incident_id = $1 AND started_at = $10

-- name: apply-progress
SELECT state, by_login, started_at, updated_at, ended_at, done, total, procedures, changes, error_code, error_message
FROM apply_progress WHERE incident_id = $1

-- Issue 15: SQLite's staged apply (docs/procurement-api.md, "Applying
-- without stopping intake").

-- name: flip-plan
-- The plan comes in force for every reader at once: status, counts, hash;
-- its deadlines are merged and its bidders told after this commit.
UPDATE applied_plans SET status = 'applied', plan_hash = $2, procedures = $3, changes = $4, merged = false, notified = $5, notice = $6
WHERE id = $1 AND status = 'staging'

-- name: mark-merged
UPDATE applied_plans SET merged = true WHERE id = $1

-- name: mark-notified
UPDATE applied_plans SET notified = true WHERE id = $1

-- name: unfinished-plans
-- Plans a crash (or a failed step) left: staging ones are deleted, applied
-- ones unmerged or unnotified are finished.
SELECT id, status, merged, notified, notice, applied_by FROM applied_plans
WHERE status = 'staging' OR (status = 'applied' AND (merged = false OR notified = false)) ORDER BY id

-- name: delete-feed-of-plan
DELETE FROM procurement_feed WHERE seq IN (SELECT seq FROM procurement_feed WHERE plan_id = $1 ORDER BY seq LIMIT $2)

-- name: delete-changes-of-plan
DELETE FROM plan_changes WHERE id IN (SELECT id FROM plan_changes WHERE plan_id = $1 ORDER BY id LIMIT $2)

-- name: delete-reasons-of-plan
DELETE FROM plan_reasons WHERE plan_id = $1

-- name: delete-windows-of-plan
DELETE FROM plan_windows WHERE plan_id = $1

-- name: delete-staging-plan
DELETE FROM applied_plans WHERE id = $1 AND status = 'staging'

-- name: staging-plan
SELECT incident_id, maintenance_id, applied_by FROM applied_plans WHERE id = $1 AND status = 'staging'

-- name: moves-of-plan
-- The deadlines an applied plan moved, step by step in plan order, with
-- the procedure's participants: its bidders' notices rebuilt on a resume.
SELECT c.procedure_id, p.announcement, p.participants, c.lot, c.kind, c.supplier, c.rule, c.old_at, c.new_at
FROM plan_changes c JOIN procedures p ON p.id = c.procedure_id
WHERE c.plan_id = $1 AND c.action IN ('extend', 'hold') ORDER BY c.id
