-- The conversation of an appeal (issue 11): information requests (Q38),
-- the reporter's answers, staff replies and internal notes, the closing
-- description (R1–R5); uploaded files, content-addressed on disk by SHA-256
-- and scanned before they are attached (Q8, Q26); the hashed access code of
-- tracking by number (R7); bounces of the desk's own notices.

CREATE TABLE appeal_messages (
    id         INTEGER PRIMARY KEY,
    appeal_id  INTEGER NOT NULL REFERENCES appeals(id),
    kind       TEXT NOT NULL CHECK (kind IN ('info_request', 'reply', 'staff_reply', 'note', 'closing')),
    author_id  INTEGER REFERENCES users(id),
    author     TEXT NOT NULL,             -- login, or the sender's address of an email reply
    internal   INTEGER NOT NULL DEFAULT 0, -- staff only, never shown or sent to the reporter
    text       TEXT NOT NULL,
    via        TEXT NOT NULL CHECK (via IN ('cabinet', 'email', 'journal')),
    mail_id    INTEGER UNIQUE REFERENCES mail_messages(id),
    created_at TEXT NOT NULL
);
CREATE INDEX appeal_messages_appeal ON appeal_messages(appeal_id, id);

-- files: one row per upload (or inbound attachment); the bytes live once on
-- disk under their SHA-256. bin is the uploader's organization: portal users
-- of another organization never reach the row.
CREATE TABLE files (
    id           INTEGER PRIMARY KEY,
    sha256       TEXT NOT NULL,
    size         INTEGER NOT NULL,
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    uploader_id  INTEGER REFERENCES users(id),
    bin          TEXT NOT NULL DEFAULT '',
    scan         TEXT NOT NULL CHECK (scan IN ('clean', 'unscanned')),
    created_at   TEXT NOT NULL
);
CREATE INDEX files_sha ON files(sha256);

-- uploads: a resumable upload in progress (tus 1.0 core + creation).
CREATE TABLE uploads (
    id           TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    bin          TEXT NOT NULL DEFAULT '',
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    length       INTEGER NOT NULL,
    received     INTEGER NOT NULL DEFAULT 0,
    status       TEXT NOT NULL CHECK (status IN ('open', 'done', 'infected')),
    reason       TEXT NOT NULL DEFAULT '',
    file_id      INTEGER REFERENCES files(id),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

CREATE TABLE appeal_message_files (
    message_id INTEGER NOT NULL REFERENCES appeal_messages(id),
    file_id    INTEGER NOT NULL REFERENCES files(id),
    PRIMARY KEY (message_id, file_id)
);
CREATE INDEX appeal_message_files_file ON appeal_message_files(file_id);

-- R7: the access code printed in the acknowledgement, as SHA-256 hex.
CREATE TABLE appeal_access (
    appeal_id INTEGER PRIMARY KEY REFERENCES appeals(id),
    code_hash TEXT NOT NULL
);

-- A notice the relay accepted and the recipient's server later bounced
-- (RFC 3464): status stays 'sent' (the relay took it); bounced_at says
-- it never arrived.
ALTER TABLE outbox ADD COLUMN bounced_at TEXT;
ALTER TABLE outbox ADD COLUMN bounce_reason TEXT NOT NULL DEFAULT '';
CREATE INDEX outbox_bounced ON outbox(id) WHERE bounced_at IS NOT NULL;

-- Inbound attachments are scanned like uploads: 'infected' ones are kept in
-- the raw message but never served.
ALTER TABLE mail_attachments ADD COLUMN scan TEXT NOT NULL DEFAULT '';

-- A notice clock whose notice bounced after it was met: the duty must be
-- done another way (phone, cabinet); the clock shows why.
ALTER TABLE clocks ADD COLUMN flag TEXT NOT NULL DEFAULT '';
