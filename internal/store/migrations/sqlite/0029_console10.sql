-- The progress of a plan apply (issue 10): one row per incident, the last
-- apply's. Several desk processes share one PostgreSQL (issue 15): a console
-- served by another process than the one applying reads the progress here.
-- state: running, done, failed. A running row whose updated_at stopped
-- moving belongs to a process that died; its transaction rolled back.
CREATE TABLE apply_progress (
    incident_id   INTEGER PRIMARY KEY REFERENCES incidents(id),
    state         TEXT NOT NULL,
    by_login      TEXT NOT NULL,
    started_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    ended_at      TEXT,
    done          INTEGER NOT NULL,
    total         INTEGER NOT NULL,
    procedures    INTEGER NOT NULL,
    changes       INTEGER NOT NULL,
    error_code    TEXT NOT NULL,
    error_message TEXT NOT NULL
);

-- PostgreSQL turns the fast-update list of its full-text index off here;
-- SQLite's FTS5 index has no such list.
