-- name: enqueue
INSERT INTO outbox (event, recipient, channel, kind, lang, to_address, user_id, data, message_id, next_attempt_at, due_by, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $10)
ON CONFLICT (event, recipient) DO NOTHING

-- name: users-of-role
SELECT id, email, language FROM users WHERE role = $1 AND status = 'active' ORDER BY id
