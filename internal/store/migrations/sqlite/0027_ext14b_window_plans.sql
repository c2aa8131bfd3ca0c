-- tenderdesk:foreign-keys-off
-- Issue 14 (ext14b): a maintenance window's own plan (Q41). An applied plan
-- belongs to an incident or to a maintenance window, exactly one of them.
-- SQLite cannot drop NOT NULL in place: the table is rebuilt (the documented
-- twelve steps: foreign keys off around the migration's transaction — the
-- directive above — create, copy, drop, rename, recreate the indexes, then
-- foreign_key_check before commit). Columns, foreign keys and indexes are
-- otherwise identical to 0005; plan_reasons, plan_changes, procurement_feed
-- and plan_windows keep referring to applied_plans by name.
CREATE TABLE applied_plans_new (
    id             INTEGER PRIMARY KEY,
    incident_id    INTEGER REFERENCES incidents(id),
    status         TEXT NOT NULL CHECK (status IN ('applied', 'reverted')),
    profile        TEXT NOT NULL,
    input          TEXT NOT NULL,
    plan_hash      TEXT NOT NULL,
    procedures     INTEGER NOT NULL,
    changes        INTEGER NOT NULL,
    applied_at     TEXT NOT NULL,
    applied_by     TEXT NOT NULL,
    reverted_at    TEXT,
    reverted_by    TEXT,
    revert_reason  TEXT NOT NULL DEFAULT '',
    maintenance_id INTEGER REFERENCES maintenance(id),
    CHECK ((incident_id IS NULL) <> (maintenance_id IS NULL))
);
INSERT INTO applied_plans_new (id, incident_id, status, profile, input, plan_hash, procedures, changes, applied_at, applied_by,
    reverted_at, reverted_by, revert_reason)
SELECT id, incident_id, status, profile, input, plan_hash, procedures, changes, applied_at, applied_by,
    reverted_at, reverted_by, revert_reason FROM applied_plans;
DROP TABLE applied_plans;
ALTER TABLE applied_plans_new RENAME TO applied_plans;
CREATE INDEX applied_plans_incident ON applied_plans(incident_id, id);
CREATE INDEX applied_plans_active ON applied_plans(status, id);
CREATE INDEX applied_plans_maintenance ON applied_plans(maintenance_id, id);

-- Q17/Q37.10 "kept informed": the operator's phone calls to the authorized
-- body during force majeure (when, with whom, what was said).
CREATE TABLE force_majeure_calls (
    id           INTEGER PRIMARY KEY,
    incident_id  INTEGER NOT NULL REFERENCES force_majeure(incident_id),
    called_at    TEXT NOT NULL,
    person       TEXT NOT NULL,
    summary      TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    recorded_by  TEXT NOT NULL
);
CREATE INDEX force_majeure_calls_incident ON force_majeure_calls(incident_id, called_at, id);
