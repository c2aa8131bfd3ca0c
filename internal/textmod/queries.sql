-- Text modules (issue 10): reply templates in ru/kk/en kept by administrators.

-- name: list
SELECT id, name, body_ru, body_kk, body_en, updated_at, updated_by FROM text_modules ORDER BY name, id

-- name: get
SELECT id, name, body_ru, body_kk, body_en, updated_at, updated_by FROM text_modules WHERE id = $1

-- name: insert
INSERT INTO text_modules (name, body_ru, body_kk, body_en, created_at, updated_at, updated_by)
VALUES ($1, $2, $3, $4, $5, $5, $6) RETURNING id

-- name: update
UPDATE text_modules SET name = $2, body_ru = $3, body_kk = $4, body_en = $5, updated_at = $6, updated_by = $7 WHERE id = $1

-- name: delete
DELETE FROM text_modules WHERE id = $1
