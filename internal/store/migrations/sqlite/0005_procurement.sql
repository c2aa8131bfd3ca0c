-- Procurement mirror and applied extension plans (issue 4).
-- procedures: one row per procedure of the portal, upserted by external_id;
-- lots and participants are JSON (read whole, never queried by part).
-- procedure_deadlines: one row per deadline, the value in force (after
-- applied plans); module is copied from the procedure so "deadlines of a
-- module within a window" is one index range scan.
-- applied_plans / plan_changes: what each apply changed (before/after per
-- deadline; the audit trail gets one summary entry per plan).
-- procurement_feed: every applied or reverted change, in commit order, for
-- the portal to poll (cursor = seq) and for the webhook worker.

CREATE TABLE procedures (
    id            INTEGER PRIMARY KEY,
    external_id   TEXT NOT NULL UNIQUE,
    announcement  TEXT NOT NULL DEFAULT '',
    method        TEXT NOT NULL,
    customer      TEXT NOT NULL DEFAULT '',
    module        TEXT NOT NULL DEFAULT '',
    lots          TEXT NOT NULL DEFAULT '[]',
    participants  TEXT NOT NULL DEFAULT '[]',
    content_hash  TEXT NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1,
    imported_at   TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX procedures_module ON procedures(module, id);

CREATE TABLE procedure_deadlines (
    procedure_id INTEGER NOT NULL REFERENCES procedures(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    lot          TEXT NOT NULL DEFAULT '',
    supplier     TEXT NOT NULL DEFAULT '',
    module       TEXT NOT NULL DEFAULT '',
    at           TEXT NOT NULL,
    PRIMARY KEY (procedure_id, kind, lot, supplier)
) WITHOUT ROWID;
CREATE INDEX procedure_deadlines_window ON procedure_deadlines(module, at, procedure_id);

CREATE TABLE applied_plans (
    id            INTEGER PRIMARY KEY,
    incident_id   INTEGER NOT NULL REFERENCES incidents(id),
    status        TEXT NOT NULL CHECK (status IN ('applied', 'reverted')),
    profile       TEXT NOT NULL,
    input         TEXT NOT NULL,
    plan_hash     TEXT NOT NULL,
    procedures    INTEGER NOT NULL,
    changes       INTEGER NOT NULL,
    applied_at    TEXT NOT NULL,
    applied_by    TEXT NOT NULL,
    reverted_at   TEXT,
    reverted_by   TEXT,
    revert_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX applied_plans_incident ON applied_plans(incident_id, id);
CREATE INDEX applied_plans_active ON applied_plans(status, id);

-- The reasons of a plan, each text once: 100,000 changes share a handful.
CREATE TABLE plan_reasons (
    id      INTEGER PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES applied_plans(id),
    ru      TEXT NOT NULL,
    en      TEXT NOT NULL
);

CREATE TABLE plan_changes (
    id           INTEGER PRIMARY KEY,
    plan_id      INTEGER NOT NULL REFERENCES applied_plans(id),
    procedure_id INTEGER NOT NULL REFERENCES procedures(id),
    lot          TEXT NOT NULL DEFAULT '',
    kind         TEXT NOT NULL DEFAULT '',
    supplier     TEXT NOT NULL DEFAULT '',
    action       TEXT NOT NULL,
    rule         TEXT NOT NULL,
    event        TEXT NOT NULL,
    old_at       TEXT,
    new_at       TEXT,
    recipients   TEXT NOT NULL DEFAULT '[]',
    reason_id    INTEGER NOT NULL REFERENCES plan_reasons(id)
);
CREATE INDEX plan_changes_procedure ON plan_changes(procedure_id, id);
CREATE INDEX plan_changes_plan ON plan_changes(plan_id, id);

CREATE TABLE procurement_feed (
    seq        INTEGER PRIMARY KEY,
    plan_id    INTEGER NOT NULL REFERENCES applied_plans(id),
    change_id  INTEGER NOT NULL REFERENCES plan_changes(id),
    op         TEXT NOT NULL CHECK (op IN ('apply', 'revert')),
    at         TEXT NOT NULL
);

-- One row: the webhook's configuration and its durable delivery state.
-- Feed writers also lock it, so feed seqs commit in order on PostgreSQL.
CREATE TABLE procurement_webhook (
    id                INTEGER PRIMARY KEY CHECK (id = 1),
    url               TEXT NOT NULL DEFAULT '',
    secret            TEXT NOT NULL DEFAULT '',
    delivered_seq     INTEGER NOT NULL DEFAULT 0,
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   TEXT,
    failing_since     TEXT,
    last_error        TEXT NOT NULL DEFAULT '',
    last_delivered_at TEXT,
    updated_at        TEXT
);
INSERT INTO procurement_webhook (id) VALUES (1);

CREATE TABLE procurement_lock (
    id INTEGER PRIMARY KEY CHECK (id = 1)
);
INSERT INTO procurement_lock (id) VALUES (1);
