-- Force majeure (Q17, Q37.10; issue 14): one record per incident — its
-- start, expected duration, end and evidence, told to the authorized body at
-- once and on every change (version), and the days agreed with it, which the
-- incident's plan takes (Q37.10).
CREATE TABLE force_majeure (
    incident_id    INTEGER PRIMARY KEY REFERENCES incidents(id),
    started_at     TEXT NOT NULL,
    expected_hours INTEGER NOT NULL,
    ended_at       TEXT,
    evidence       TEXT NOT NULL,
    agreed_days    INTEGER,
    version        INTEGER NOT NULL,
    updated_at     TEXT NOT NULL,
    updated_by     TEXT NOT NULL
);
