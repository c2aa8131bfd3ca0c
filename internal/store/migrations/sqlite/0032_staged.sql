-- tenderdesk:foreign-keys-off
-- Issue 15 (staged): on SQLite a plan is applied in short write transactions
-- (docs/procurement-api.md, "Applying without stopping intake"). A plan being
-- written is 'staging' and counts for nobody; from the flip on it is
-- 'applied' with merged = 0 until its deadlines are set (the procedure read
-- overlays its last steps meanwhile) and notified = 0 until its bidders'
-- notices are enqueued; notice keeps the notices' header (kind and data
-- without the deadlines) so a resume after a crash sends the same messages.
-- The status CHECK cannot change in place: the table is rebuilt as in 0027
-- (columns, keys and indexes otherwise identical to 0027). The id is
-- AUTOINCREMENT now: an abandoned staging plan's id, named in its audit
-- record, is never given to another plan.
CREATE TABLE applied_plans_new (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id    INTEGER REFERENCES incidents(id),
    status         TEXT NOT NULL CHECK (status IN ('staging', 'applied', 'reverted')),
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
    merged         INTEGER NOT NULL DEFAULT 1 CHECK (merged IN (0, 1)),
    notified       INTEGER NOT NULL DEFAULT 1 CHECK (notified IN (0, 1)),
    notice         TEXT NOT NULL DEFAULT '',
    CHECK ((incident_id IS NULL) <> (maintenance_id IS NULL))
);
INSERT INTO applied_plans_new (id, incident_id, status, profile, input, plan_hash, procedures, changes, applied_at, applied_by,
    reverted_at, reverted_by, revert_reason, maintenance_id)
SELECT id, incident_id, status, profile, input, plan_hash, procedures, changes, applied_at, applied_by,
    reverted_at, reverted_by, revert_reason, maintenance_id FROM applied_plans;
DROP TABLE applied_plans;
ALTER TABLE applied_plans_new RENAME TO applied_plans;
CREATE INDEX applied_plans_incident ON applied_plans(incident_id, id);
CREATE INDEX applied_plans_active ON applied_plans(status, id);
CREATE INDEX applied_plans_maintenance ON applied_plans(maintenance_id, id);

-- The feed's horizon: the first entry of a staging plan.
CREATE INDEX procurement_feed_plan ON procurement_feed(plan_id, seq);
