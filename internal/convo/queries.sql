-- The conversation of an appeal (issue 11) and tracking by number (R7).

-- name: insert-message
INSERT INTO appeal_messages (appeal_id, kind, author_id, author, internal, text, via, mail_id, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id

-- name: messages-of-appeal
SELECT m.id, m.kind, m.author, m.internal, m.text, m.via, m.created_at
FROM appeal_messages m WHERE m.appeal_id = $1 ORDER BY m.created_at, m.id

-- name: files-of-appeal-messages
SELECT mf.message_id, f.id, f.filename, f.content_type, f.size, f.sha256
FROM appeal_message_files mf JOIN files f ON f.id = mf.file_id
JOIN appeal_messages m ON m.id = mf.message_id WHERE m.appeal_id = $1 ORDER BY mf.message_id, f.id

-- name: files-of-message
SELECT f.id, f.filename, f.content_type, f.size, f.sha256
FROM appeal_message_files mf JOIN files f ON f.id = mf.file_id WHERE mf.message_id = $1 ORDER BY f.id

-- name: attach-file
INSERT INTO appeal_message_files (message_id, file_id) VALUES ($1, $2)

-- name: appeals-of-incident
SELECT id, number FROM appeals WHERE incident_id = $1 ORDER BY id

-- The note of the transition a hook runs for (the question of a request).
-- name: last-note
SELECT note FROM incident_transitions WHERE incident_id = $1 ORDER BY id DESC LIMIT 1

-- Who asked: the actor of the incident's last information request.
-- name: last-requester
SELECT COALESCE(actor_id, 0) FROM incident_transitions
WHERE incident_id = $1 AND to_state = 'info_requested' ORDER BY id DESC LIMIT 1

-- The reporter's last email on the appeal, for threading a staff reply.
-- name: last-reporter-mail
SELECT message_id FROM mail_messages WHERE appeal_id = $1 AND message_id <> '' AND disposition <> 'ignored'
ORDER BY received_at DESC, id DESC LIMIT 1

-- The desk's registration notice to an address, when there is no mail of theirs.
-- name: registration-notice
SELECT message_id FROM outbox WHERE event = $1 AND channel = 'email' ORDER BY id LIMIT 1

-- Is addr a reporter of the incident: an appeal's contact, or a user of its organization.
-- name: reporter-address
SELECT count(*) FROM appeals a
WHERE a.incident_id = $1 AND (lower(a.contact_email) = $2
   OR EXISTS (SELECT 1 FROM users u WHERE u.bin = a.bin AND u.bin <> '' AND lower(u.email) = $2))

-- name: message-of-mail
SELECT id FROM appeal_messages WHERE mail_id = $1

-- name: insert-access
INSERT INTO appeal_access (appeal_id, code_hash) VALUES ($1, $2)

-- name: track
SELECT a.number, c.code_hash, i.state, i.paused_from, COALESCE(i.number, ''), i.criticality, i.planned_fix_at, i.fixed_at
FROM appeals a JOIN appeal_access c ON c.appeal_id = a.id JOIN incidents i ON i.id = a.incident_id
WHERE a.number = $1
