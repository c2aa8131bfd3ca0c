-- The outbox (issue 5). Shared DML for SQLite and PostgreSQL ($N placeholders);
-- names ending -sqlite / -postgres are for that dialect only.

-- One row; Enqueue repeats the VALUES tuple for a multi-row batch (the same
-- statement with its placeholders renumbered). Cabinet rows ($12 = 'sent',
-- $13 = created_at) are delivered by being visible in the cabinet (E11).
-- name: enqueue
INSERT INTO outbox (event, recipient, channel, kind, lang, to_address, user_id, data, message_id, next_attempt_at, due_by, created_at, status, sent_at, in_reply_to)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $10, $12, $13, $14)
ON CONFLICT (event, recipient) DO NOTHING

-- name: users-of-role
SELECT id, email, language FROM users WHERE role = $1 AND status = 'active' ORDER BY id

-- The cabinets of an appeal's organization (E11): its portal users.
-- name: users-of-bin
SELECT id, language FROM users
WHERE bin = $1 AND bin <> '' AND status = 'active' AND role IN ('applicant', 'customer') ORDER BY id

-- The reporter's language, when the reporter is a user of the desk.
-- name: language-of-email
SELECT language FROM users WHERE lower(email) = $1 AND email <> '' AND status = 'active' ORDER BY id LIMIT 1

-- name: appeals-of-incident
SELECT number, bin, contact_email, profile, received_at, registered_at, module, description
FROM appeals WHERE incident_id = $1 ORDER BY registered_at, id

-- name: appeal-by-number
SELECT number, bin, contact_email, profile, received_at, registered_at, module, description
FROM appeals WHERE number = $1

-- name: user-by-id
SELECT id, email, language FROM users WHERE id = $1 AND status = 'active'

-- The note of the transition a hook runs for (the refutation's reasons, Q32).
-- name: last-transition-note
SELECT note FROM incident_transitions WHERE incident_id = $1 ORDER BY id DESC LIMIT 1

-- Claim: take up to $3 due email rows, most urgent term first, and lease
-- them until $2 (attempts counts claims). A node that dies holding a lease
-- loses it when it expires, and the rows go out again with the same
-- Message-ID. PostgreSQL skips rows another node holds; SQLite has one writer.
-- name: claim-postgres
UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $2
WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1
             ORDER BY COALESCE(due_by, next_attempt_at), id LIMIT $3 FOR UPDATE SKIP LOCKED)
RETURNING id, event, recipient, kind, lang, to_address, data, message_id, attempts, created_at, due_by, in_reply_to

-- name: claim-sqlite
UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $2
WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1
             ORDER BY COALESCE(due_by, next_attempt_at), id LIMIT $3)
RETURNING id, event, recipient, kind, lang, to_address, data, message_id, attempts, created_at, due_by, in_reply_to

-- Sent rows of one batch, ids as a JSON array.
-- name: mark-sent-postgres
UPDATE outbox SET status = 'sent', sent_at = $1, last_error = ''
WHERE id IN (SELECT (jsonb_array_elements_text($2::jsonb))::bigint) AND status = 'pending'

-- name: mark-sent-sqlite
UPDATE outbox SET status = 'sent', sent_at = $1, last_error = ''
WHERE id IN (SELECT value FROM json_each($2)) AND status = 'pending'

-- name: mark-retry
UPDATE outbox SET next_attempt_at = $2, last_error = $3 WHERE id = $1 AND status = 'pending'

-- name: mark-failed
UPDATE outbox SET status = 'failed', last_error = $2, next_attempt_at = $3 WHERE id = $1 AND status = 'pending'

-- An operator's retry of a failed row (after fixing the relay or the address).
-- name: requeue
UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $2, last_error = ''
WHERE id = $1 AND status = 'failed' AND channel = 'email'

-- name: counts
SELECT
    (SELECT count(*) FROM outbox WHERE status = 'pending'),
    (SELECT count(*) FROM outbox WHERE status = 'failed'),
    (SELECT count(*) FROM outbox WHERE status = 'pending' AND due_by < $1),
    (SELECT count(*) FROM outbox WHERE bounced_at IS NOT NULL)

-- A bounce (RFC 3464) of a sent email row, by its Message-ID; $4 the
-- bounced recipient ('' when the report names none).
-- name: mark-bounced
UPDATE outbox SET bounced_at = $2, bounce_reason = $3
WHERE message_id = $1 AND channel = 'email' AND status = 'sent' AND bounced_at IS NULL AND ($4 = '' OR lower(to_address) = $4)
RETURNING id, event, to_address

-- Delivery of one event's email rows: how many, sent, failed, the last sent_at.
-- name: event-delivery
SELECT count(*),
    COALESCE(SUM(CASE WHEN status = 'sent' THEN 1 ELSE 0 END), 0),
    COALESCE(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0),
    MAX(sent_at)
FROM outbox WHERE event = $1 AND channel = 'email'

-- Staff list, newest first; $1 status ('' = any), $2 channel ('' = any),
-- $3 event prefix ('' = any), $4 before id (0 = from the newest), $5 limit.
-- $1 'bounced': sent rows that bounced.
-- name: list
SELECT id, event, recipient, channel, kind, lang, to_address, user_id, message_id, status, attempts, next_attempt_at,
    due_by, last_error, created_at, sent_at, bounced_at, bounce_reason
FROM outbox
WHERE ($1 = '' OR status = $1 OR ($1 = 'bounced' AND bounced_at IS NOT NULL)) AND ($2 = '' OR channel = $2) AND ($3 = '' OR event LIKE $3 || '%')
  AND ($4 = 0 OR id < $4)
ORDER BY id DESC LIMIT $5

-- A user's cabinet, newest first; $2 unread only, $3 before id (0 = newest), $4 limit.
-- name: cabinet
SELECT id, event, kind, lang, data, created_at, read_at
FROM outbox
WHERE user_id = $1 AND channel = 'cabinet' AND ($2 = 0 OR read_at IS NULL) AND ($3 = 0 OR id < $3)
ORDER BY id DESC LIMIT $4

-- name: cabinet-unread
SELECT count(*) FROM outbox WHERE user_id = $1 AND channel = 'cabinet' AND read_at IS NULL

-- name: cabinet-read
UPDATE outbox SET read_at = COALESCE(read_at, $3) WHERE id = $2 AND user_id = $1 AND channel = 'cabinet'

-- The rows of some events (issue 10: an incident page's notifications): $1
-- a JSON array of event keys; a row matches a key exactly or as its prefix
-- followed by ':' (a versioned event, "appeal.level:N:v3"), through the
-- event index: exact keys by equality, versioned ones by the range
-- [key ':', key ';') (';' follows ':'), compared bytewise. $2 limit.
-- name: rows-of-events-sqlite
SELECT id, event, recipient, channel, kind, lang, to_address, user_id, message_id, status, attempts, next_attempt_at,
    due_by, last_error, created_at, sent_at, bounced_at, bounce_reason
FROM outbox WHERE id IN (
    SELECT o.id FROM json_each($1) k JOIN outbox o ON o.event = k.value
    UNION
    SELECT o.id FROM json_each($1) k JOIN outbox o ON o.event >= k.value || ':' AND o.event < k.value || ';')
ORDER BY id DESC LIMIT $2

-- PostgreSQL: per key, a LATERAL pair of index scans (the versioned range
-- bounded), so the planner's estimate stays small (no hash join over the
-- whole outbox, no JIT): 0.3 ms over 400,000 rows.
-- name: rows-of-events-postgres
SELECT x.* FROM jsonb_array_elements_text($1::jsonb) k(value), LATERAL (
    (SELECT id, event, recipient, channel, kind, lang, to_address, user_id, message_id, status, attempts, next_attempt_at,
        due_by, last_error, created_at, sent_at, bounced_at, bounce_reason
     FROM outbox WHERE event = k.value)
    UNION ALL
    (SELECT id, event, recipient, channel, kind, lang, to_address, user_id, message_id, status, attempts, next_attempt_at,
        due_by, last_error, created_at, sent_at, bounced_at, bounce_reason
     FROM outbox WHERE event COLLATE "C" >= (k.value || ':') COLLATE "C" AND event COLLATE "C" < (k.value || ';') COLLATE "C"
     ORDER BY event COLLATE "C" LIMIT 1000)) x
ORDER BY x.id DESC LIMIT $2

-- name: row-by-id
SELECT id, event, recipient, channel, kind, lang, to_address, user_id, message_id, status, attempts, next_attempt_at,
    due_by, last_error, created_at, sent_at, bounced_at, bounce_reason
FROM outbox WHERE id = $1

-- An event's attachment (issue 13); a second enqueue of the event keeps the first.
-- name: insert-attachment
INSERT INTO outbox_attachments (event, position, name, content_type, content, file_id, size, sha256, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (event, position) DO NOTHING

-- name: attachments-of-event
SELECT position, name, content_type, content, COALESCE(file_id, 0), size, sha256
FROM outbox_attachments WHERE event = $1 ORDER BY position
