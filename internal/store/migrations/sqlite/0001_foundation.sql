-- Foundation: users and credentials, the Journal (appeals, incidents,
-- transitions), numbering, idempotency, the hash-chained audit trail.
-- Times are fixed-width UTC text (see store.Time).

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    login         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    full_name     TEXT NOT NULL DEFAULT '',
    organization  TEXT NOT NULL DEFAULT '',
    bin           TEXT NOT NULL DEFAULT '',
    email         TEXT NOT NULL DEFAULT '',
    language      TEXT NOT NULL DEFAULT 'ru',
    status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    created_at    TEXT NOT NULL,
    suspended_at  TEXT
);

CREATE TABLE credentials (
    token_hash  TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    kind        TEXT NOT NULL CHECK (kind IN ('session', 'api')),
    label       TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    expires_at  TEXT,
    revoked_at  TEXT
);
CREATE INDEX credentials_user ON credentials(user_id);

CREATE TABLE appeal_counters (
    year INTEGER PRIMARY KEY,
    last INTEGER NOT NULL
);

CREATE TABLE incidents (
    id                  INTEGER PRIMARY KEY,
    state               TEXT NOT NULL,
    paused_from         TEXT,
    profile             TEXT NOT NULL,
    first_registered_at TEXT NOT NULL,
    criticality         TEXT CHECK (criticality IN ('low', 'medium', 'high')),
    operator_dependent  INTEGER,
    cause               TEXT NOT NULL DEFAULT '',
    failure_started_at  TEXT,
    planned_fix_at      TEXT,
    fixed_at            TEXT,
    modules             TEXT NOT NULL DEFAULT '[]',
    decision            TEXT NOT NULL DEFAULT '',
    recommendations     TEXT NOT NULL DEFAULT '',
    merged_into         INTEGER REFERENCES incidents(id),
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    version             INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX incidents_state ON incidents(state);

CREATE TABLE incident_transitions (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    from_state  TEXT NOT NULL,
    to_state    TEXT NOT NULL,
    actor_id    INTEGER REFERENCES users(id),
    at          TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX incident_transitions_incident ON incident_transitions(incident_id, id);

CREATE TABLE appeals (
    id             INTEGER PRIMARY KEY,
    number         TEXT NOT NULL UNIQUE,
    year           INTEGER NOT NULL,
    seq            INTEGER NOT NULL,
    incident_id    INTEGER NOT NULL REFERENCES incidents(id),
    channel        TEXT NOT NULL,
    received_at    TEXT NOT NULL,
    registered_at  TEXT NOT NULL,
    detected_at    TEXT,
    organization   TEXT NOT NULL DEFAULT '',
    bin            TEXT NOT NULL DEFAULT '',
    contact_email  TEXT NOT NULL DEFAULT '',
    contact_phone  TEXT NOT NULL DEFAULT '',
    description    TEXT NOT NULL,
    module         TEXT NOT NULL DEFAULT '',
    announcements  TEXT NOT NULL DEFAULT '[]',
    lots           TEXT NOT NULL DEFAULT '[]',
    profile        TEXT NOT NULL,
    created_by     INTEGER REFERENCES users(id),
    UNIQUE (year, seq)
);
CREATE INDEX appeals_incident ON appeals(incident_id);
CREATE INDEX appeals_registered ON appeals(registered_at, id);
CREATE INDEX appeals_bin ON appeals(bin, id);

-- Full-text search over Russian and Kazakh text: unicode61 folds the case of
-- Cyrillic including the Kazakh letters; queries match word prefixes.
CREATE VIRTUAL TABLE appeals_fts USING fts5(
    description, organization,
    content='appeals', content_rowid='id',
    tokenize = 'unicode61 remove_diacritics 0'
);
CREATE TRIGGER appeals_fts_ai AFTER INSERT ON appeals BEGIN
    INSERT INTO appeals_fts(rowid, description, organization) VALUES (new.id, new.description, new.organization);
END;
CREATE TRIGGER appeals_fts_ad AFTER DELETE ON appeals BEGIN
    INSERT INTO appeals_fts(appeals_fts, rowid, description, organization) VALUES ('delete', old.id, old.description, old.organization);
END;
CREATE TRIGGER appeals_fts_au AFTER UPDATE OF description, organization ON appeals BEGIN
    INSERT INTO appeals_fts(appeals_fts, rowid, description, organization) VALUES ('delete', old.id, old.description, old.organization);
    INSERT INTO appeals_fts(rowid, description, organization) VALUES (new.id, new.description, new.organization);
END;

CREATE TABLE idempotency_keys (
    user_id      INTEGER NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    appeal_id    INTEGER NOT NULL REFERENCES appeals(id),
    created_at   TEXT NOT NULL,
    PRIMARY KEY (user_id, key)
);

CREATE TABLE audit_log (
    seq         INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor_id    INTEGER,
    actor       TEXT NOT NULL,
    role        TEXT NOT NULL,
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    before      TEXT,
    after       TEXT,
    client_addr TEXT NOT NULL DEFAULT '',
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);

-- The head of the chain: one row, locked by every append, so appends are
-- serialized and a deleted tail is detectable.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');
