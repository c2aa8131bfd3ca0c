-- Monitoring and system-log intake (issue 14).

-- name: insert-event
INSERT INTO intake_events (source, alert_key, module, status, at, received_at, title, detail, count)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id

-- Events of one store, as a JSON array of objects in store order (ids
-- follow it: the apply reads them back by id).
-- name: insert-events-sqlite
INSERT INTO intake_events (source, alert_key, module, status, at, received_at, title, detail, count)
SELECT json_extract(value, '$.Source'), json_extract(value, '$.Key'), json_extract(value, '$.Module'),
    json_extract(value, '$.Status'), json_extract(value, '$.At'), json_extract(value, '$.ReceivedAt'),
    json_extract(value, '$.Title'), json_extract(value, '$.Detail'), json_extract(value, '$.Count')
FROM json_each($1) ORDER BY key

-- name: insert-events-postgres
INSERT INTO intake_events (source, alert_key, module, status, at, received_at, title, detail, count)
SELECT j.v->>'Source', j.v->>'Key', j.v->>'Module', j.v->>'Status', (j.v->>'At')::timestamptz,
    (j.v->>'ReceivedAt')::timestamptz, j.v->>'Title', j.v->>'Detail', (j.v->>'Count')::integer
FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS j(v, ord) ORDER BY j.ord

-- name: pending-events
SELECT id, source, alert_key, module, status, at, received_at, title, detail, count
FROM intake_events WHERE processed_at IS NULL AND id > $1 ORDER BY id LIMIT $2

-- name: mark-event
UPDATE intake_events SET signal_id = $2, outcome = $3, processed_at = $4 WHERE id = $1 AND processed_at IS NULL

-- The open signal of a source and module: its incident is not yet fixed,
-- closed, refuted or merged.
-- name: open-signal
SELECT s.id, s.status FROM intake_signals s JOIN incidents i ON i.id = s.incident_id
WHERE s.source = $1 AND s.module = $2 AND i.state IN ('registered', 'analysing', 'info_requested', 'confirmed', 'fixing')
ORDER BY s.id DESC LIMIT 1

-- name: open-incidents
SELECT id, modules FROM incidents WHERE state IN ('registered', 'analysing', 'info_requested', 'confirmed', 'fixing')
ORDER BY first_registered_at, id

-- name: insert-signal
INSERT INTO intake_signals (source, module, incident_id, appeal_id, status, title, first_at, last_at, count)
VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8) RETURNING id

-- name: count-signal
UPDATE intake_signals SET count = count + $2, last_at = $3 WHERE id = $1

-- name: set-signal-status
UPDATE intake_signals SET status = $2, resolved_at = $3 WHERE id = $1

-- name: alert-of-signal
SELECT status FROM intake_alerts WHERE signal_id = $1 AND alert_key = $2

-- name: insert-alert
INSERT INTO intake_alerts (signal_id, alert_key, status, started_at, ended_at, count) VALUES ($1, $2, $3, $4, $5, $6)

-- Firing alerts, new or heard again, as a JSON array (one entry per
-- signal and key): one statement for a transaction's firing alerts.
-- name: upsert-firing-alerts-sqlite
INSERT INTO intake_alerts (signal_id, alert_key, status, started_at, ended_at, count)
SELECT json_extract(value, '$.S'), json_extract(value, '$.K'), 'firing', json_extract(value, '$.At'), NULL,
    json_extract(value, '$.N')
FROM json_each($1) WHERE true
ON CONFLICT (signal_id, alert_key) DO UPDATE SET status = 'firing', ended_at = NULL, count = intake_alerts.count + excluded.count

-- name: upsert-firing-alerts-postgres
INSERT INTO intake_alerts (signal_id, alert_key, status, started_at, ended_at, count)
SELECT (j.v->>'S')::bigint, j.v->>'K', 'firing', (j.v->>'At')::timestamptz, NULL, (j.v->>'N')::integer
FROM jsonb_array_elements($1::jsonb) AS j(v)
ON CONFLICT (signal_id, alert_key) DO UPDATE SET status = 'firing', ended_at = NULL, count = intake_alerts.count + excluded.count

-- Events applied to one signal with one outcome, ids as a JSON array.
-- name: mark-events-postgres
UPDATE intake_events SET signal_id = $1, outcome = $2, processed_at = $3
WHERE id IN (SELECT (jsonb_array_elements_text($4::jsonb))::bigint) AND processed_at IS NULL

-- name: mark-events-sqlite
UPDATE intake_events SET signal_id = $1, outcome = $2, processed_at = $3
WHERE id IN (SELECT value FROM json_each($4)) AND processed_at IS NULL

-- name: update-alert
UPDATE intake_alerts SET status = $3, ended_at = $4, count = count + $5 WHERE signal_id = $1 AND alert_key = $2

-- Firing alerts of a signal left, and the latest end of the resolved ones.
-- name: signal-alert-state
SELECT (SELECT count(*) FROM intake_alerts WHERE signal_id = $1 AND status = 'firing'),
    (SELECT max(ended_at) FROM intake_alerts WHERE signal_id = $1 AND status = 'resolved')

-- name: signals
SELECT s.id, s.source, s.module, s.incident_id, COALESCE(i.number, ''), i.state, a.number, s.status, s.title, s.first_at,
    s.last_at, s.resolved_at, s.count
FROM intake_signals s JOIN incidents i ON i.id = s.incident_id JOIN appeals a ON a.id = s.appeal_id
WHERE ($1 = 0 OR s.incident_id = $1) ORDER BY s.id DESC LIMIT $2

-- name: signal-by-id
SELECT s.id, s.source, s.module, s.incident_id, COALESCE(i.number, ''), i.state, a.number, s.status, s.title, s.first_at,
    s.last_at, s.resolved_at, s.count
FROM intake_signals s JOIN incidents i ON i.id = s.incident_id JOIN appeals a ON a.id = s.appeal_id WHERE s.id = $1

-- name: event-totals
SELECT source, count(*), COALESCE(sum(count), 0), count(processed_at) FROM intake_events GROUP BY source ORDER BY source

-- name: module-map
SELECT label, value, module FROM intake_module_map ORDER BY label, value

-- name: delete-module-map
DELETE FROM intake_module_map

-- name: insert-module-map
INSERT INTO intake_module_map (label, value, module) VALUES ($1, $2, $3)

-- name: log-rules
SELECT id, module, severity, pattern, app, enabled, created_at FROM intake_log_rules ORDER BY id

-- name: insert-log-rule
INSERT INTO intake_log_rules (module, severity, pattern, app, enabled, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id

-- name: delete-log-rule
DELETE FROM intake_log_rules WHERE id = $1

-- name: probes
SELECT id, module, url, interval_ms, timeout_ms, expect_status, expect_body, cert_min_days, threshold, enabled,
    failing_since, failures, alerted, created_at, updated_at
FROM intake_probes ORDER BY id

-- name: probe-by-id
SELECT id, module, url, interval_ms, timeout_ms, expect_status, expect_body, cert_min_days, threshold, enabled,
    failing_since, failures, alerted, created_at, updated_at
FROM intake_probes WHERE id = $1

-- name: insert-probe
INSERT INTO intake_probes (module, url, interval_ms, timeout_ms, expect_status, expect_body, cert_min_days, threshold, enabled,
    created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id

-- name: update-probe
UPDATE intake_probes SET module = $2, url = $3, interval_ms = $4, timeout_ms = $5, expect_status = $6, expect_body = $7,
    cert_min_days = $8, threshold = $9, enabled = $10, updated_at = $11 WHERE id = $1

-- name: probe-state
UPDATE intake_probes SET failing_since = $2, failures = $3, alerted = $4 WHERE id = $1

-- name: insert-probe-result
INSERT INTO intake_probe_results (probe_id, at, ok, status, latency_ms, error, cert_expiry) VALUES ($1, $2, $3, $4, $5, $6, $7)

-- name: probe-results
SELECT at, ok, status, latency_ms, error, cert_expiry FROM intake_probe_results
WHERE probe_id = $1 AND at >= $2 ORDER BY at DESC, id DESC LIMIT $3

-- The events of an id range not yet applied: one look per apply, under
-- the apply lock, instead of one per event.
-- name: pending-in-range
SELECT id FROM intake_events WHERE id BETWEEN $1 AND $2 AND processed_at IS NULL
