-- Analyses and written reports for the authorized body (issue 13).
-- The Journal and the clocks are read here, never written.

-- name: appeals-between
SELECT number, incident_id, channel, module, registered_at
FROM appeals WHERE registered_at >= $1 AND registered_at < $2
ORDER BY registered_at, id

-- name: failures-between
-- Failures reported, first registered or fixed in [$1, $2), and those still
-- open at $2 (the open items of Q43).
SELECT i.id, COALESCE(i.number, ''), i.state, COALESCE(i.criticality, ''), i.operator_dependent, i.cause, i.decision,
    i.recommendations, i.modules, i.first_registered_at, i.failure_started_at, i.planned_fix_at, i.fixed_at,
    (SELECT min(t.at) FROM incident_transitions t WHERE t.incident_id = i.id AND t.to_state = 'confirmed')
FROM incidents i
WHERE (i.first_registered_at < $2 AND i.state NOT IN ('refuted', 'fixed', 'closed', 'merged'))
   OR (i.fixed_at >= $1 AND i.fixed_at < $2)
   OR (i.first_registered_at >= $1 AND i.first_registered_at < $2)
   OR i.id IN (SELECT a.incident_id FROM appeals a WHERE a.registered_at >= $1 AND a.registered_at < $2)
ORDER BY i.id

-- name: resolution-clocks-between
SELECT c.incident_id, c.clock, c.basis, c.level, c.state, c.start_at, c.deadline, c.met_at
FROM clocks c
WHERE c.clock = 'resolution' AND c.appeal_number = '' AND c.incident_id IN (
    SELECT i.id FROM incidents i
    WHERE (i.first_registered_at < $2 AND i.state NOT IN ('refuted', 'fixed', 'closed', 'merged'))
       OR (i.fixed_at >= $1 AND i.fixed_at < $2)
       OR (i.first_registered_at >= $1 AND i.first_registered_at < $2)
       OR i.id IN (SELECT a.incident_id FROM appeals a WHERE a.registered_at >= $1 AND a.registered_at < $2))

-- name: failure-by-id
SELECT i.id, COALESCE(i.number, ''), i.state, COALESCE(i.criticality, ''), i.operator_dependent, i.cause, i.decision,
    i.recommendations, i.modules, i.first_registered_at, i.failure_started_at, i.planned_fix_at, i.fixed_at,
    (SELECT min(t.at) FROM incident_transitions t WHERE t.incident_id = i.id AND t.to_state = 'confirmed')
FROM incidents i WHERE i.id = $1

-- name: resolution-clock-of
SELECT c.incident_id, c.clock, c.basis, c.level, c.state, c.start_at, c.deadline, c.met_at
FROM clocks c WHERE c.clock = 'resolution' AND c.appeal_number = '' AND c.incident_id = $1

-- name: first-description
SELECT description FROM appeals WHERE incident_id = $1 ORDER BY registered_at, id LIMIT 1

-- name: extensions-of
SELECT p.announcement, c.lot, c.kind, c.old_at, c.new_at, c.rule
FROM plan_changes c JOIN applied_plans ap ON ap.id = c.plan_id JOIN procedures p ON p.id = c.procedure_id
WHERE ap.incident_id = $1 AND ap.status = 'applied' AND c.supplier = '' AND c.old_at IS NOT NULL AND c.new_at IS NOT NULL
ORDER BY p.announcement, c.lot, c.kind, c.id LIMIT 10000

-- name: insert-analysis
INSERT INTO analyses (kind, period, profile, body, generated_at, generated_by)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (kind, period) DO NOTHING

-- name: analysis
SELECT id, kind, period, profile, body, narrative, status, signed_by, signed_at, generated_at, generated_by, version, signature_id
FROM analyses WHERE kind = $1 AND period = $2

-- name: analyses
SELECT id, kind, period, profile, '{}', narrative, status, signed_by, signed_at, generated_at, generated_by, version, signature_id
FROM analyses WHERE kind = $1 ORDER BY period DESC LIMIT $2

-- name: last-daily
SELECT COALESCE(max(period), '') FROM analyses WHERE kind = 'daily'

-- name: set-narrative
UPDATE analyses SET narrative = $1, version = version + 1
WHERE kind = 'annual' AND period = $2 AND status = 'generated' AND version = $3

-- name: sign-annual
UPDATE analyses SET status = 'signed', signed_by = $1, signed_at = $2, version = version + 1, signature_id = $5
WHERE kind = 'annual' AND period = $3 AND status = 'generated' AND version = $4

-- name: insert-report
INSERT INTO authority_reports (incident_id, rule, body, due_at, drafted_at)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (incident_id) DO NOTHING

-- name: report
SELECT r.id, r.incident_id, r.rule, r.body, r.status, r.due_at, r.drafted_at, r.sent_at, r.sent_by, r.version, r.signature_id
FROM authority_reports r WHERE r.incident_id = $1

-- name: reports
SELECT r.id, r.incident_id, r.rule, r.body, r.status, r.due_at, r.drafted_at, r.sent_at, r.sent_by, r.version, r.signature_id
FROM authority_reports r ORDER BY r.status, r.drafted_at DESC, r.id DESC LIMIT $1

-- name: update-report
UPDATE authority_reports SET body = $1, version = version + 1, signature_id = CASE WHEN body = $1 THEN signature_id ELSE 0 END
WHERE incident_id = $2 AND status = 'draft' AND version = $3

-- name: sign-report
-- The report's signature (Q36.10, Q37.13 with an EDS, issue 12) over its
-- current version.
UPDATE authority_reports SET signature_id = $1, version = version + 1 WHERE incident_id = $2 AND status = 'draft' AND version = $3

-- name: send-report
UPDATE authority_reports SET body = $1, status = 'sent', sent_at = $2, sent_by = $3, version = version + 1
WHERE incident_id = $4 AND status = 'draft' AND version = $5

-- name: appeal-for-legal
SELECT a.number, a.incident_id, a.profile, a.registered_at FROM appeals a WHERE a.number = $1

-- name: insert-legal
INSERT INTO legal_requests (appeal_number, incident_id, question, addressee, due_at, opened_at, opened_by)
VALUES ($1, $2, $3, $4, $5, $6, $7)

-- name: legal
SELECT appeal_number, incident_id, question, addressee, due_at, opened_at, opened_by, sent_at, answer, answered_at, version
FROM legal_requests WHERE appeal_number = $1

-- name: legals
SELECT appeal_number, incident_id, question, addressee, due_at, opened_at, opened_by, sent_at, answer, answered_at, version
FROM legal_requests ORDER BY (answered_at IS NULL) DESC, due_at, appeal_number LIMIT $1

-- name: legal-sent
UPDATE legal_requests SET sent_at = $1, version = version + 1 WHERE appeal_number = $2 AND sent_at IS NULL

-- name: legal-answer
UPDATE legal_requests SET answer = $1, answered_at = $2, version = version + 1
WHERE appeal_number = $3 AND sent_at IS NOT NULL AND answered_at IS NULL

-- name: insert-letter
INSERT INTO authority_letters (appeal_number, letter_ref, file_name, content_type, content, sha256, scan, created_at, created_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)

-- name: letter
SELECT appeal_number, letter_ref, file_name, content_type, content, sha256, scan, created_at, created_by
FROM authority_letters WHERE appeal_number = $1
