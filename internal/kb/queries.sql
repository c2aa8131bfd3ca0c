-- The knowledge base (Q21).

-- name: insert
INSERT INTO kb_articles (status, question, answer, created_by, created_at, updated_at)
VALUES ('draft', $1, $2, $3, $4, $4) RETURNING id

-- name: get
SELECT id, status, question, answer, approved_at, created_at, updated_at, version FROM kb_articles WHERE id = $1

-- An edit sends an approved answer back to draft: the authority approves what is published.
-- name: update
UPDATE kb_articles SET question = $2, answer = $3, status = 'draft', approved_by = NULL, approved_at = NULL,
    updated_at = $4, version = version + 1
WHERE id = $1 AND version = $5

-- name: set-status
UPDATE kb_articles SET status = $2, approved_by = $3, approved_at = $4, updated_at = $4, version = version + 1
WHERE id = $1 AND version = $5

-- name: list
SELECT id, status, question, answer, approved_at, created_at, updated_at, version FROM kb_articles
WHERE ($1 = '' OR status = $1) ORDER BY id LIMIT 5000
