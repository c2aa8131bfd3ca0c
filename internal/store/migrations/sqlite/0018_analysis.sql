-- Analyses and written reports for the authorized body (issue 13, second
-- half; internal/analysis). Times are fixed-width UTC text (store.Time).
--
-- analyses: the daily analysis of the previous day's failures (Q43) and the
-- annual information (Q44), each generated once per period: the unique key
-- is what makes two desk processes on one database write it once.
CREATE TABLE analyses (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('daily', 'annual')),
    period       TEXT NOT NULL,              -- daily: YYYY-MM-DD (local date); annual: YYYY
    profile      TEXT NOT NULL,
    body         TEXT NOT NULL,              -- JSON: the computed figures
    narrative    TEXT NOT NULL DEFAULT '{}', -- annual: operator's causes, actions, results, proposals (Q44)
    status       TEXT NOT NULL DEFAULT 'generated' CHECK (status IN ('generated', 'signed')),
    signed_by    TEXT NOT NULL DEFAULT '',
    signed_at    TEXT,
    generated_at TEXT NOT NULL,
    generated_by TEXT NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1,
    UNIQUE (kind, period)
);

-- authority_reports: the written report of a fixed medium (Q36.10) or high
-- (Q37.13) failure, drafted at the fix, reviewed and sent by staff.
CREATE TABLE authority_reports (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL UNIQUE REFERENCES incidents(id),
    rule        TEXT NOT NULL CHECK (rule IN ('Q36.10', 'Q37.13')),
    body        TEXT NOT NULL,               -- JSON: failure, cause, actions, result, extensions, proposals
    status      TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'sent')),
    due_at      TEXT,                        -- Q37.13: 1 working day from the fix; Q36.10 sets no term
    drafted_at  TEXT NOT NULL,
    sent_at     TEXT,
    sent_by     TEXT NOT NULL DEFAULT '',
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX authority_reports_status ON authority_reports(status, id);

-- legal_requests: Q19, a request to the authorized body for a legal
-- assessment of an appeal (3 working days from registration), its answer.
CREATE TABLE legal_requests (
    id            INTEGER PRIMARY KEY,
    appeal_number TEXT NOT NULL UNIQUE REFERENCES appeals(number),
    incident_id   INTEGER NOT NULL REFERENCES incidents(id),
    question      TEXT NOT NULL,
    addressee     TEXT NOT NULL,
    due_at        TEXT NOT NULL,
    opened_at     TEXT NOT NULL,
    opened_by     TEXT NOT NULL,
    sent_at       TEXT,
    answer        TEXT NOT NULL DEFAULT '',
    answered_at   TEXT,
    version       INTEGER NOT NULL DEFAULT 1
);

-- authority_letters: Q46, the authorized body's covering letter and the copy
-- of the written appeal it forwards, kept with the appeal registered from it.
CREATE TABLE authority_letters (
    id            INTEGER PRIMARY KEY,
    appeal_number TEXT NOT NULL UNIQUE REFERENCES appeals(number),
    letter_ref    TEXT NOT NULL,             -- the letter's outgoing number and date
    file_name     TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    content       BLOB NOT NULL,
    sha256        TEXT NOT NULL,
    scan          TEXT NOT NULL,             -- clamd's verdict (Q26): clean, infected: SIG, unscanned
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL
);
