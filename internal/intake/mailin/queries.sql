-- Inbound mail (issue 5): what the desk did with each received message.

-- name: seen
SELECT id FROM mail_messages WHERE dedup_key = $1

-- name: appeal-of-message-id
SELECT a.number FROM mail_messages m JOIN appeals a ON a.id = m.appeal_id
WHERE m.message_id = $1 AND m.appeal_id IS NOT NULL ORDER BY m.id LIMIT 1

-- name: event-of-outbox-message-id
SELECT event FROM outbox WHERE message_id = $1 LIMIT 1

-- name: appeal-id-by-number
SELECT id FROM appeals WHERE number = $1

-- name: insert-raw
INSERT INTO mail_raw (sha256, size, content, received_at) VALUES ($1, $2, $3, $4) ON CONFLICT (sha256) DO NOTHING

-- name: insert-message
INSERT INTO mail_messages (dedup_key, message_id, appeal_id, disposition, reason, received_at, envelope_from, envelope_to,
    from_address, from_name, subject, body, in_reply_to, refs, section, section_missing, problems, raw_sha256, raw_size)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) RETURNING id

-- scan: the virus scan's verdict (clean, infected: SIG, unscanned; Q26).
-- name: insert-attachment
INSERT INTO mail_attachments (mail_id, idx, filename, content_type, content_id, inline, size, sha256, scan)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)

-- name: messages-of-appeal
SELECT m.id, m.message_id, m.disposition, m.reason, m.received_at, m.envelope_from, m.from_address, m.from_name, m.subject,
    m.body, m.in_reply_to, m.refs, m.section, m.section_missing, m.problems, m.raw_sha256, m.raw_size, COALESCE(a.number, '')
FROM mail_messages m LEFT JOIN appeals a ON a.id = m.appeal_id
WHERE m.appeal_id = $1 ORDER BY m.received_at, m.id

-- name: ignored-messages
SELECT m.id, m.message_id, m.disposition, m.reason, m.received_at, m.envelope_from, m.from_address, m.from_name, m.subject,
    m.body, m.in_reply_to, m.refs, m.section, m.section_missing, m.problems, m.raw_sha256, m.raw_size, COALESCE(a.number, '')
FROM mail_messages m LEFT JOIN appeals a ON a.id = m.appeal_id
WHERE m.disposition = 'ignored' AND m.id < $1 ORDER BY m.id DESC LIMIT $2

-- name: attachments-of-messages
SELECT mail_id, idx, filename, content_type, content_id, inline, size, sha256, scan
FROM mail_attachments WHERE mail_id IN (SELECT id FROM mail_messages WHERE appeal_id = $1) ORDER BY mail_id, idx

-- name: raw-of-message
SELECT r.content, m.appeal_id FROM mail_messages m JOIN mail_raw r ON r.sha256 = m.raw_sha256 WHERE m.id = $1

-- name: attachment-scan
SELECT scan FROM mail_attachments WHERE mail_id = $1 AND idx = $2
