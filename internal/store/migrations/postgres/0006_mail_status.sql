-- Inbound mail (issue 5): every received message, what the desk did with it
-- (opened an appeal, threaded onto one, ignored as automatic mail), its
-- attachments, and the raw message itself, by SHA-256.
-- Public failure notices: the operators' public texts, maintenance
-- announcements, and the version counter the status page polls.

-- mail_raw: the message as received, content-addressed; attachments are
-- read back out of it, so their bytes are stored once.
CREATE TABLE mail_raw (
    sha256      TEXT PRIMARY KEY,
    size        INTEGER NOT NULL,
    content     BYTEA NOT NULL,
    received_at TIMESTAMPTZ NOT NULL
);

-- mail_messages: dedup_key is the Message-ID ("mid:…") or, without one,
-- the raw SHA-256 ("sha256:…"): a message delivered twice is kept once.
CREATE TABLE mail_messages (
    id              BIGSERIAL PRIMARY KEY,
    dedup_key       TEXT NOT NULL UNIQUE,
    message_id      TEXT NOT NULL DEFAULT '',
    appeal_id       BIGINT REFERENCES appeals(id),
    disposition     TEXT NOT NULL CHECK (disposition IN ('appeal', 'follow_up', 'ignored')),
    reason          TEXT NOT NULL DEFAULT '',
    received_at     TIMESTAMPTZ NOT NULL,
    envelope_from   TEXT NOT NULL DEFAULT '',
    envelope_to     TEXT NOT NULL DEFAULT '[]',
    from_address    TEXT NOT NULL DEFAULT '',
    from_name       TEXT NOT NULL DEFAULT '',
    subject         TEXT NOT NULL DEFAULT '',
    body            TEXT NOT NULL DEFAULT '',
    in_reply_to     TEXT NOT NULL DEFAULT '[]',
    refs            TEXT NOT NULL DEFAULT '[]',
    section         TEXT NOT NULL DEFAULT '',
    section_missing BOOLEAN NOT NULL DEFAULT false,
    problems        TEXT NOT NULL DEFAULT '[]',
    raw_sha256      TEXT NOT NULL REFERENCES mail_raw(sha256),
    raw_size        INTEGER NOT NULL
);
CREATE INDEX mail_messages_appeal ON mail_messages(appeal_id, id);
CREATE INDEX mail_messages_mid ON mail_messages(message_id) WHERE message_id <> '';
CREATE INDEX mail_messages_ignored ON mail_messages(id) WHERE disposition = 'ignored';

CREATE TABLE mail_attachments (
    mail_id      BIGINT NOT NULL REFERENCES mail_messages(id),
    idx          INTEGER NOT NULL,
    filename     TEXT NOT NULL DEFAULT '',
    content_type TEXT NOT NULL DEFAULT '',
    content_id   TEXT NOT NULL DEFAULT '',
    inline       BOOLEAN NOT NULL DEFAULT false,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    PRIMARY KEY (mail_id, idx)
);

-- A reply to the desk's own mail names its Message-ID in In-Reply-To.
CREATE INDEX outbox_message_id ON outbox(message_id);

-- One row: bumped in the transaction of every change the public page shows
-- (incident transitions, public texts, maintenance).
CREATE TABLE public_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL,
    updated_at TIMESTAMPTZ
);
INSERT INTO public_version (id, version) VALUES (1, 1);

-- The public text of a failure notice, by language, written by an operator;
-- without a row the page shows the incident's own modules.
CREATE TABLE public_notices (
    incident_id INTEGER PRIMARY KEY REFERENCES incidents(id),
    title       TEXT NOT NULL DEFAULT '{}',
    modules     TEXT NOT NULL DEFAULT '{}',
    hidden      BOOLEAN NOT NULL DEFAULT false,
    updated_at  TIMESTAMPTZ NOT NULL,
    updated_by  TEXT NOT NULL
);

CREATE TABLE maintenance (
    id          BIGSERIAL PRIMARY KEY,
    title       TEXT NOT NULL DEFAULT '{}',
    starts_at   TIMESTAMPTZ NOT NULL,
    ends_at     TIMESTAMPTZ,
    unplanned   BOOLEAN NOT NULL DEFAULT false,
    agreement   TEXT NOT NULL DEFAULT '',
    notice_by   TIMESTAMPTZ,
    announced_at TIMESTAMPTZ NOT NULL,
    announced_by TEXT NOT NULL,
    withdrawn_at TIMESTAMPTZ,
    withdrawn_by TEXT,
    withdraw_reason TEXT NOT NULL DEFAULT '',
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX maintenance_current ON maintenance(starts_at) WHERE withdrawn_at IS NULL;
