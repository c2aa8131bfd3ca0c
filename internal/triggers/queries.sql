-- Appeals that trigger point rules (issue 14).

-- name: appeal-of-number
SELECT id, incident_id FROM appeals WHERE number = $1

-- name: insert-trigger
INSERT INTO appeal_triggers (appeal_id, kind, procedure_id, lot, supplier, excluded_at, draft_sent, act_approved_at, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id

-- The triggers of every appeal of an incident, with the appeal's
-- registration (the time the engine counts from).
-- name: triggers-of-incident
SELECT t.id, a.number, a.registered_at, t.kind, t.procedure_id, t.lot, t.supplier, t.excluded_at, t.draft_sent, t.act_approved_at, t.created_at
FROM appeal_triggers t JOIN appeals a ON a.id = t.appeal_id WHERE a.incident_id = $1 ORDER BY t.id
