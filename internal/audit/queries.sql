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
-- An object's history: what was done to it, not who read it (the reads of
-- personal data are the access log's, audit.Reads).
SELECT seq, at, actor_id, actor, role, action, object_type, object_id, before, after, client_addr, prev_hash, hash
FROM audit_log WHERE object_type = $1 AND object_id = $2 AND action <> 'access.personal_data' ORDER BY seq

-- The console's "any object" search: one number, whatever it names.
-- name: list-object-id
SELECT seq, at, actor_id, actor, role, action, object_type, object_id, before, after, client_addr, prev_hash, hash
FROM audit_log WHERE object_id = $1 AND action <> 'access.personal_data' ORDER BY seq

-- Retention (issue 12): checkpoints of the chain and the purge.
-- name: latest-purge
SELECT id, kind, at, seq, hash, kept_count, kept_digest, purged_count, document, cms FROM audit_checkpoints
WHERE kind = 'purge' ORDER BY seq DESC, id DESC LIMIT 1

-- name: latest-witness
SELECT id, kind, at, seq, hash, kept_count, kept_digest, purged_count, document, cms FROM audit_checkpoints
WHERE kind = 'witness' ORDER BY id DESC LIMIT 1

-- name: insert-checkpoint
INSERT INTO audit_checkpoints (kind, at, seq, hash, kept_count, kept_digest, purged_count, document, cms)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id

-- name: set-checkpoint-purged
UPDATE audit_checkpoints SET purged_count = $2 WHERE id = $1

-- name: last-before
SELECT COALESCE(max(seq), 0) FROM audit_log WHERE at < $1

-- name: record-at
SELECT seq, at, actor_id, actor, role, action, object_type, object_id, before, after, client_addr, prev_hash, hash
FROM audit_log WHERE seq = $1

-- name: delete-record
DELETE FROM audit_log WHERE seq = $1

-- name: scan-upto
SELECT seq, at, actor_id, actor, role, action, object_type, object_id, before, after, client_addr, prev_hash, hash
FROM audit_log WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3

-- E32–E33: the access log of reads of personal data (issue 12), newest first.
-- name: list-access
SELECT seq, at, actor_id, actor, role, action, object_type, object_id, before, after, client_addr, prev_hash, hash
FROM audit_log WHERE action = 'access.personal_data' AND seq < $1 AND ($2 = '' OR actor = $2) AND ($3 = '' OR object_type = $3)
ORDER BY seq DESC LIMIT $4
