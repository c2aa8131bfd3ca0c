-- Transactional outbox (issue 5): every notification is written in the
-- transaction of the event that causes it and delivered by a worker.
-- (event, recipient) is unique, so re-raising an event never sends twice.

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    event           TEXT NOT NULL,         -- what caused it, e.g. appeal.registered:2026-000123
    recipient       TEXT NOT NULL,         -- email:addr | user:ID
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'cabinet')),
    kind            TEXT NOT NULL,         -- template kind (notify/templates)
    lang            TEXT NOT NULL DEFAULT 'ru',
    to_address      TEXT NOT NULL DEFAULT '',
    user_id         INTEGER,
    data            TEXT NOT NULL,         -- JSON of templates.Data
    message_id      TEXT NOT NULL,         -- deterministic, so a retry after a crash carries the same ID
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    due_by          TEXT,                   -- the term it serves (Q30: 1 hour), if any
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    sent_at         TEXT,
    UNIQUE (event, recipient)
);
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_user ON outbox(user_id, id) WHERE channel = 'cabinet';
