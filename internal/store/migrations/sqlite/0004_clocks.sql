-- Live clocks (issue 3): every term of every appeal and incident, with the
-- profile version it runs under, its rule ID, its deadline and state, the
-- pauses (Q38: information requested) and the extensions agreed with the
-- authorized body (Q38), and the scheduler's bookkeeping (warned, breached).
-- Times are fixed-width UTC text (store.Time).

CREATE TABLE clocks (
    id            INTEGER PRIMARY KEY,
    incident_id   INTEGER NOT NULL REFERENCES incidents(id),
    appeal_number TEXT NOT NULL DEFAULT '',   -- '' for the incident's own clocks
    clock         TEXT NOT NULL,              -- registration, analysis, resolution, …
    level         TEXT NOT NULL DEFAULT '',   -- resolution: low | medium | high
    channel       TEXT NOT NULL DEFAULT '',   -- registration: the appeal's channel
    profile       TEXT NOT NULL,              -- profile version, e.g. kz-quasi@2021
    basis         TEXT NOT NULL,              -- rule ID, e.g. Q29
    event_at      TEXT NOT NULL,              -- what started it (arrival, registration, confirmation …)
    start_at      TEXT NOT NULL,              -- counting starts (next working moment)
    base_deadline TEXT NOT NULL,              -- before pauses and extensions
    deadline      TEXT NOT NULL,              -- with closed pauses and extensions
    warn_at       TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('running', 'paused', 'met', 'breached')),
    paused_at     TEXT,                       -- start of the open pause
    pauses        TEXT NOT NULL DEFAULT '[]', -- JSON [{from, to, reason}]
    extensions    TEXT NOT NULL DEFAULT '[]', -- JSON [{until | days | by, basis, agreed_at, by_user, recorded_at}]
    met_at        TEXT,
    warned_at     TEXT,
    breached_at   TEXT,
    next_at       TEXT,                       -- when the scheduler looks next: warn_at, then deadline
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    UNIQUE (incident_id, appeal_number, clock)
);
-- The due scan reads only running clocks, in next_at order.
CREATE INDEX clocks_due ON clocks(next_at) WHERE state = 'running';
CREATE INDEX clocks_appeal ON clocks(appeal_number) WHERE appeal_number <> '';

-- Administrators' calendar overrides (issue 3, Q28): a day made off or
-- working, or dated hours (support 24/7 by agreement). scope is a country
-- data set (kz, ru), a profile family (kz-quasi) or a version (kz-quasi@2021).
CREATE TABLE calendar_overrides (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    scope      TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('day_off', 'working_day', 'hours')),
    date_from  TEXT NOT NULL,                  -- YYYY-MM-DD, local date
    date_to    TEXT NOT NULL,
    intervals  TEXT NOT NULL DEFAULT '[]',     -- JSON ["09:00-13:00", …]
    all_days   INTEGER NOT NULL DEFAULT 0,     -- hours: days off too (24/7)
    reason     TEXT NOT NULL,
    source     TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
