-- Retention (issue 12): call recordings, the destruction log.

-- name: appeal-channel
SELECT id, channel FROM appeals WHERE number = $1

-- name: file-meta
SELECT sha256, size, filename FROM files WHERE id = $1

-- name: insert-recording
INSERT INTO call_recordings (appeal_id, file_id, sha256, size, filename, recorded_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id

-- name: open-dispute
UPDATE call_recordings SET dispute_opened_at = $2, dispute_resolved_at = NULL WHERE appeal_id = $1 AND destroyed_at IS NULL

-- name: resolve-dispute
UPDATE call_recordings SET dispute_resolved_at = $2 WHERE appeal_id = $1 AND dispute_opened_at IS NOT NULL AND dispute_resolved_at IS NULL

-- name: live-recordings
SELECT r.id, a.number, COALESCE(r.file_id, 0), r.sha256, r.size, r.filename, r.recorded_at, r.dispute_opened_at, r.dispute_resolved_at
FROM call_recordings r JOIN appeals a ON a.id = r.appeal_id
WHERE r.destroyed_at IS NULL AND r.recorded_at <= $1 ORDER BY r.id

-- name: recordings-of
SELECT r.id, a.number, COALESCE(r.file_id, 0), r.sha256, r.size, r.filename, r.recorded_at, r.dispute_opened_at, r.dispute_resolved_at, r.destroyed_at
FROM call_recordings r JOIN appeals a ON a.id = r.appeal_id WHERE a.number = $1 ORDER BY r.id

-- name: mark-destroyed
UPDATE call_recordings SET destroyed_at = $2, file_id = NULL WHERE id = $1 AND destroyed_at IS NULL

-- name: unlink-message-file
DELETE FROM appeal_message_files WHERE file_id = $1

-- name: unlink-upload-file
UPDATE uploads SET file_id = NULL WHERE file_id = $1

-- name: delete-file
DELETE FROM files WHERE id = $1

-- name: sha-in-use
SELECT count(*) FROM files WHERE sha256 = $1

-- name: insert-destruction
INSERT INTO retention_log (at, rule, what, object_id, count, detail) VALUES ($1, $2, $3, $4, $5, $6)

-- name: destructions
SELECT at, rule, what, object_id, count, detail FROM retention_log ORDER BY id DESC LIMIT $1
