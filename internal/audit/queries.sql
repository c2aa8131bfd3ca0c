-- name: lock-head-postgres
SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE

-- name: lock-head-sqlite
SELECT seq, hash FROM audit_head WHERE id = 1

-- name: insert
INSERT INTO audit_log (seq, at, actor_id, actor, role, action, object_type, object_id, before, after, client_addr, prev_hash, hash)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)

-- name: set-head
UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1

-- name: head
SELECT seq, hash FROM audit_head WHERE id = 1

-- name: scan
SELECT seq, at, actor_id, actor, role, action, object_type, object_id, before, after, client_addr, prev_hash, hash
FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2

-- name: list-object
SELECT seq, at, actor_id, actor, role, action, object_type, object_id, before, after, client_addr, prev_hash, hash
FROM audit_log WHERE object_type = $1 AND object_id = $2 ORDER BY seq
