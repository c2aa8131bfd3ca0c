-- Public failure notices and maintenance announcements (issue 5).

-- name: version
SELECT (SELECT version FROM public_version WHERE id = 1) + (SELECT COALESCE(max(seq), 0) FROM procurement_feed)

-- name: bump
UPDATE public_version SET version = version + 1, updated_at = $1 WHERE id = 1

-- name: updated
SELECT updated_at FROM public_version WHERE id = 1

-- name: failures
SELECT i.id, i.state, COALESCE(i.criticality, ''), i.failure_started_at, i.first_registered_at, i.planned_fix_at, i.fixed_at,
    i.modules, i.updated_at,
    (SELECT max(t.at) FROM incident_transitions t WHERE t.incident_id = i.id AND t.to_state = 'confirmed'),
    COALESCE(n.title, '{}'), COALESCE(n.modules, '{}'), n.updated_at, COALESCE(i.number, ''), n.procurements
FROM incidents i LEFT JOIN public_notices n ON n.incident_id = i.id
WHERE i.criticality IN ('medium', 'high') AND (n.hidden IS NULL OR n.hidden = false)
  AND (i.state IN ('confirmed', 'fixing', 'info_requested') OR (i.state IN ('fixed', 'closed') AND i.fixed_at >= $1))
ORDER BY i.id DESC LIMIT 200

-- name: refs-of-incident
SELECT announcements, lots FROM appeals WHERE incident_id = $1 ORDER BY id

-- name: extensions-of-incident
SELECT p.announcement, c.lot, c.kind, c.old_at, c.new_at, c.rule
FROM plan_changes c JOIN applied_plans ap ON ap.id = c.plan_id JOIN procedures p ON p.id = c.procedure_id
WHERE ap.incident_id = $1 AND ap.status = 'applied' AND c.supplier = '' AND c.old_at IS NOT NULL AND c.new_at IS NOT NULL
ORDER BY p.announcement, c.lot, c.kind, c.id LIMIT 1000

-- name: extensions-of-window
-- ext14c, Q41: the deadlines a maintenance window's own applied plans moved.
SELECT p.announcement, c.lot, c.kind, c.old_at, c.new_at, c.rule
FROM plan_changes c JOIN applied_plans ap ON ap.id = c.plan_id JOIN procedures p ON p.id = c.procedure_id
WHERE ap.maintenance_id = $1 AND ap.status = 'applied' AND c.supplier = '' AND c.old_at IS NOT NULL AND c.new_at IS NOT NULL
ORDER BY p.announcement, c.lot, c.kind, c.id LIMIT 1000

-- name: withdrawn-of-incident
-- Issue 14: the common deadlines moved by the incident's reverted plans,
-- once each, with the value restored (the first step's old value), the
-- value that had been posted (the last step's new value) and the revert.
SELECT p.announcement, f.lot, f.kind, f.old_at, l.new_at, ap.reverted_at, ap.revert_reason
FROM (SELECT c.plan_id, c.procedure_id, min(c.id) AS first_id, max(c.id) AS last_id
      FROM applied_plans a JOIN plan_changes c ON c.plan_id = a.id
      WHERE a.incident_id = $1 AND a.status = 'reverted' AND c.supplier = '' AND c.action IN ('extend', 'hold')
      GROUP BY c.plan_id, c.procedure_id, c.kind, c.lot) AS g
JOIN applied_plans ap ON ap.id = g.plan_id JOIN plan_changes f ON f.id = g.first_id JOIN plan_changes l ON l.id = g.last_id
JOIN procedures p ON p.id = g.procedure_id
ORDER BY ap.reverted_at, p.announcement, f.lot, f.kind, f.id LIMIT 1000

-- name: force-majeure-of-incident
-- Issue 14, Q17: users are told of force majeure too.
SELECT started_at, expected_hours, ended_at, evidence FROM force_majeure WHERE incident_id = $1

-- name: maintenance-public
SELECT id, title, starts_at, ends_at, unplanned, announced_at, updated_at, agreement, notice_by, announced_by,
    withdrawn_at, withdrawn_by, withdraw_reason
FROM maintenance
WHERE withdrawn_at IS NULL AND (starts_at >= $1 OR ends_at >= $1 OR ends_at IS NULL)
ORDER BY starts_at, id

-- name: maintenance-all
SELECT id, title, starts_at, ends_at, unplanned, announced_at, updated_at, agreement, notice_by, announced_by,
    withdrawn_at, withdrawn_by, withdraw_reason
FROM maintenance ORDER BY starts_at DESC, id DESC LIMIT $1

-- name: maintenance-by-id
SELECT id, title, starts_at, ends_at, unplanned, announced_at, updated_at, agreement, notice_by, announced_by,
    withdrawn_at, withdrawn_by, withdraw_reason
FROM maintenance WHERE id = $1

-- name: insert-maintenance
INSERT INTO maintenance (title, starts_at, ends_at, unplanned, agreement, notice_by, announced_at, announced_by, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $7) RETURNING id

-- name: withdraw-maintenance
UPDATE maintenance SET withdrawn_at = $2, withdrawn_by = $3, withdraw_reason = $4, updated_at = $2
WHERE id = $1 AND withdrawn_at IS NULL

-- name: incident-exists
SELECT COALESCE(number, '') FROM incidents WHERE id = $1

-- name: upsert-notice
INSERT INTO public_notices (incident_id, title, modules, hidden, updated_at, updated_by, procurements) VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (incident_id) DO UPDATE SET title = excluded.title, modules = excluded.modules, hidden = excluded.hidden,
    updated_at = excluded.updated_at, updated_by = excluded.updated_by, procurements = excluded.procurements

-- name: notice-of-incident
-- What the notice of one incident would publish, in any state (issue 9.9:
-- staff see it before it is public).
SELECT i.state, COALESCE(i.criticality, ''), i.modules, COALESCE(n.title, '{}'), COALESCE(n.modules, '{}'),
    COALESCE(n.hidden, false), n.procurements, COALESCE(i.number, '')
FROM incidents i LEFT JOIN public_notices n ON n.incident_id = i.id WHERE i.id = $1

-- The failure notice of one incident as /status would show it, in any
-- state (the console's preview, issue 10): the columns of failures.
-- name: failure-of-incident
SELECT i.id, i.state, COALESCE(i.criticality, ''), i.failure_started_at, i.first_registered_at, i.planned_fix_at, i.fixed_at,
    i.modules, i.updated_at,
    (SELECT max(t.at) FROM incident_transitions t WHERE t.incident_id = i.id AND t.to_state = 'confirmed'),
    COALESCE(n.title, '{}'), COALESCE(n.modules, '{}'), n.updated_at, COALESCE(i.number, ''), n.procurements
FROM incidents i LEFT JOIN public_notices n ON n.incident_id = i.id
WHERE i.id = $1

-- name: set-maintenance-end
-- ext14b, Q41-open: the end of a window announced without one (or a new
-- expected end); its own plan is computed from it.
UPDATE maintenance SET ends_at = $2, updated_at = $3 WHERE id = $1 AND withdrawn_at IS NULL

-- name: applied-plans-of-window
-- ext14c, Q41-withdraw: a window whose own plan stands is not withdrawn
-- until that plan is reverted.
SELECT id FROM applied_plans WHERE maintenance_id = $1 AND status = 'applied' ORDER BY id
