-- Signatures, registers and retention (issue 12).

-- A verified EDS signature over a canonical document: the exact bytes that
-- were signed are kept beside the CMS, so `tenderdesk signature verify`
-- re-checks them offline (Q4, Q6–Q7, Q44, E10, E12, E31).
CREATE TABLE signatures (
    id          INTEGER PRIMARY KEY,
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    document    BLOB NOT NULL,
    cms         BLOB NOT NULL,
    signer_iin  TEXT NOT NULL DEFAULT '',
    signer_bin  TEXT NOT NULL DEFAULT '',
    signer_name TEXT NOT NULL DEFAULT '',
    serial      TEXT NOT NULL,
    issuer      TEXT NOT NULL,
    signed_at   TEXT NOT NULL,
    verified_at TEXT NOT NULL,
    user_id     INTEGER REFERENCES users(id),
    login       TEXT NOT NULL
);
CREATE INDEX signatures_object ON signatures(object_type, object_id, action);

-- The IIN of a user's personal EDS certificate, matched to the signer.
CREATE TABLE user_iin (
    user_id INTEGER PRIMARY KEY REFERENCES users(id),
    iin     TEXT NOT NULL
);

-- E34: the register of changes of roles and rights, written in the
-- transaction of the change.
CREATE TABLE role_register (
    id           INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    login        TEXT NOT NULL,
    full_name    TEXT NOT NULL DEFAULT '',
    organization TEXT NOT NULL DEFAULT '',
    role         TEXT NOT NULL,
    change       TEXT NOT NULL CHECK (change IN ('grant', 'change', 'suspend', 'reactivate')),
    previous     TEXT NOT NULL DEFAULT '',
    basis        TEXT NOT NULL DEFAULT '',
    responsible  TEXT NOT NULL DEFAULT '',
    by_login     TEXT NOT NULL,
    signature_id INTEGER REFERENCES signatures(id)
);
CREATE INDEX role_register_at ON role_register(at);

-- Signed checkpoints of the audit chain's head: before a purge (verify
-- starts from the newest purge checkpoint) and the daily outside witness.
CREATE TABLE audit_checkpoints (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('purge', 'witness')),
    at           TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    hash         TEXT NOT NULL,
    kept_count   INTEGER NOT NULL DEFAULT 0,
    kept_digest  TEXT NOT NULL DEFAULT '',
    purged_count INTEGER NOT NULL DEFAULT 0,
    document     BLOB NOT NULL,
    cms          BLOB,
    sent_at      TEXT
);

-- E20–E21: call recordings of phone appeals.
CREATE TABLE call_recordings (
    id                  INTEGER PRIMARY KEY,
    appeal_id           INTEGER NOT NULL REFERENCES appeals(id),
    file_id             INTEGER REFERENCES files(id),
    sha256              TEXT NOT NULL,
    size                INTEGER NOT NULL,
    filename            TEXT NOT NULL,
    recorded_at         TEXT NOT NULL,
    dispute_opened_at   TEXT,
    dispute_resolved_at TEXT,
    destroyed_at        TEXT
);
CREATE INDEX call_recordings_live ON call_recordings(destroyed_at, recorded_at);

-- What retention destroyed: what, when, by which rule.
CREATE TABLE retention_log (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    rule      TEXT NOT NULL,
    what      TEXT NOT NULL,
    object_id TEXT NOT NULL DEFAULT '',
    count     INTEGER NOT NULL,
    detail    TEXT NOT NULL DEFAULT ''
);

-- Q25 server-room access, Q39 outside specialists, Q23 reports of signs of
-- an offence: small registers, each entry audited.
CREATE TABLE register_entries (
    id          INTEGER PRIMARY KEY,
    register    TEXT NOT NULL CHECK (register IN ('server_room', 'outside_specialist', 'offence_report')),
    at          TEXT NOT NULL,
    person      TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT '',
    incident_id INTEGER REFERENCES incidents(id),
    agreed      TEXT NOT NULL DEFAULT '',
    by_login    TEXT NOT NULL
);
CREATE INDEX register_entries_register ON register_entries(register, id);
