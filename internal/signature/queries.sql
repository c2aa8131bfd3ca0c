-- Signatures over canonical documents (issue 12).

-- name: insert-signature
INSERT INTO signatures (action, object_type, object_id, document, cms, signer_iin, signer_bin, signer_name, serial, issuer,
    signed_at, verified_at, user_id, login)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id

-- name: signature
SELECT id, action, object_type, object_id, document, cms, signer_iin, signer_bin, signer_name, serial, issuer, signed_at, verified_at,
    COALESCE(user_id, 0), login
FROM signatures WHERE id = $1

-- name: signatures-of
SELECT id, action, object_type, object_id, document, cms, signer_iin, signer_bin, signer_name, serial, issuer, signed_at, verified_at,
    COALESCE(user_id, 0), login
FROM signatures WHERE object_type = $1 AND object_id = $2 ORDER BY id

-- name: count-signed
SELECT count(*) FROM signatures WHERE object_type = $1 AND object_id = $2 AND action = $3

-- name: user-iin
SELECT u.id, u.login, u.role, u.bin, COALESCE(i.iin, '') FROM users u LEFT JOIN user_iin i ON i.user_id = u.id WHERE u.login = $1

-- name: set-user-iin
INSERT INTO user_iin (user_id, iin) VALUES ($1, $2) ON CONFLICT (user_id) DO UPDATE SET iin = excluded.iin
