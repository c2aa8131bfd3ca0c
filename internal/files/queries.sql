-- Uploaded files and resumable uploads (issue 11, Q8, Q26).

-- name: insert-upload
INSERT INTO uploads (id, user_id, bin, filename, content_type, length, received, status, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, 0, 'open', $7, $7)

-- name: upload
SELECT id, user_id, bin, filename, content_type, length, received, status, reason, COALESCE(file_id, 0)
FROM uploads WHERE id = $1

-- name: upload-progress
UPDATE uploads SET received = $2, updated_at = $3 WHERE id = $1 AND status = 'open'

-- name: upload-done
UPDATE uploads SET received = length, status = $2, reason = $3, file_id = $4, updated_at = $5 WHERE id = $1 AND status = 'open'

-- name: insert-file
INSERT INTO files (sha256, size, filename, content_type, uploader_id, bin, scan, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id

-- name: file
SELECT id, sha256, size, filename, content_type, COALESCE(uploader_id, 0), bin, scan FROM files WHERE id = $1

-- A portal user reaches a file of their organization, or one attached to a
-- message of an appeal of their organization.
-- name: file-of-bin
SELECT count(*) FROM files f
WHERE f.id = $1 AND (f.bin = $2 OR EXISTS (
    SELECT 1 FROM appeal_message_files mf JOIN appeal_messages m ON m.id = mf.message_id
    JOIN appeals a ON a.id = m.appeal_id WHERE mf.file_id = f.id AND a.bin = $2 AND m.internal = $3))
