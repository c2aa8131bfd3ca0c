-- Force majeure (issue 14, Q17, Q37.10).

-- name: incident-number
SELECT COALESCE(number, ''), modules FROM incidents WHERE id = $1

-- name: get
SELECT incident_id, started_at, expected_hours, ended_at, evidence, agreed_days, version, updated_at, updated_by
FROM force_majeure WHERE incident_id = $1

-- name: bump-public
-- The public notice shows force majeure (Q17): its version moves with it.
UPDATE public_version SET version = version + 1, updated_at = $1 WHERE id = 1

-- name: upsert
INSERT INTO force_majeure (incident_id, started_at, expected_hours, ended_at, evidence, agreed_days, version, updated_at, updated_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (incident_id) DO UPDATE SET started_at = excluded.started_at, expected_hours = excluded.expected_hours,
    ended_at = excluded.ended_at, evidence = excluded.evidence, agreed_days = excluded.agreed_days, version = excluded.version,
    updated_at = excluded.updated_at, updated_by = excluded.updated_by

-- name: insert-call
-- ext14b, Q17/Q37.10 "kept informed": a phone call to the authorized body.
INSERT INTO force_majeure_calls (incident_id, called_at, person, summary, recorded_at, recorded_by)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING id

-- name: calls
SELECT id, called_at, person, summary, recorded_at, recorded_by FROM force_majeure_calls
WHERE incident_id = $1 ORDER BY called_at, id LIMIT 1000
