-- Outbox delivery and the cabinet (issue 5).
-- read_at: a cabinet notification the user has read (E11).
-- outbox_failed: the failed list of the API and the metrics gauge.
-- outbox_unread: the unread count of a user's cabinet.
-- users_bin, users_email_lower: a registration looks up the cabinets of the
-- appeal's BIN and the reporter's language inside its transaction.

ALTER TABLE outbox ADD COLUMN read_at TEXT;
CREATE INDEX outbox_failed ON outbox(id) WHERE status = 'failed';
CREATE INDEX outbox_unread ON outbox(user_id, id) WHERE channel = 'cabinet' AND read_at IS NULL;
CREATE INDEX users_bin ON users(bin) WHERE bin <> '';
CREATE INDEX users_email_lower ON users(lower(email)) WHERE email <> '';
