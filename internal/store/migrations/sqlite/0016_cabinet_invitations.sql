-- The cabinet's remaining parts (issue 11). See the PostgreSQL twin.

CREATE TABLE invitations (
    id           INTEGER PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    inviter_id   INTEGER NOT NULL REFERENCES users(id),
    email        TEXT NOT NULL,
    role         TEXT NOT NULL,
    bin          TEXT NOT NULL,
    organization TEXT NOT NULL DEFAULT '',
    language     TEXT NOT NULL DEFAULT 'ru',
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    accepted_at  TEXT,
    user_id      INTEGER REFERENCES users(id)
);
CREATE INDEX invitations_inviter_bin ON invitations(bin, id);

CREATE TABLE consents (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users(id),
    rule          TEXT NOT NULL,
    text_version  TEXT NOT NULL,
    text_sha256   TEXT NOT NULL,
    lang          TEXT NOT NULL,
    invitation_id INTEGER REFERENCES invitations(id),
    client_addr   TEXT NOT NULL DEFAULT '',
    accepted_at   TEXT NOT NULL
);
CREATE INDEX consents_user ON consents(user_id, id);

UPDATE outbox SET data = json_remove(data, '$.AccessCode')
WHERE kind = 'registered' AND (channel = 'cabinet' OR status <> 'pending') AND data LIKE '%"AccessCode"%';
