-- name: insert-user
INSERT INTO users (login, password_hash, role, full_name, organization, bin, email, language, status, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active', $9) RETURNING id

-- name: user-by-login
SELECT id, login, password_hash, role, full_name, organization, bin, email, language, status, created_at, suspended_at
FROM users WHERE login = $1

-- name: user-by-id
SELECT id, login, password_hash, role, full_name, organization, bin, email, language, status, created_at, suspended_at
FROM users WHERE id = $1

-- name: list-users
SELECT id, login, password_hash, role, full_name, organization, bin, email, language, status, created_at, suspended_at
FROM users ORDER BY id

-- name: count-users
SELECT count(*) FROM users

-- name: suspend-user
UPDATE users SET status = 'suspended', suspended_at = $2 WHERE id = $1 AND status = 'active'

-- name: revoke-user-credentials
UPDATE credentials SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL

-- name: insert-credential
INSERT INTO credentials (token_hash, user_id, kind, label, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)

-- name: credential-user
SELECT u.id, u.login, u.password_hash, u.role, u.full_name, u.organization, u.bin, u.email, u.language, u.status, u.created_at, u.suspended_at,
       c.kind, c.expires_at, c.revoked_at
FROM credentials c JOIN users u ON u.id = c.user_id WHERE c.token_hash = $1

-- name: revoke-credential
UPDATE credentials SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL

-- name: set-password
UPDATE users SET password_hash = $2 WHERE id = $1

-- name: revoke-user-sessions
UPDATE credentials SET revoked_at = $2 WHERE user_id = $1 AND kind = 'session' AND revoked_at IS NULL

-- name: throttle-get
SELECT failures, last_failure_at, locked_until FROM login_throttle WHERE key = $1

-- name: throttle-put
INSERT INTO login_throttle (key, failures, last_failure_at, locked_until) VALUES ($1, $2, $3, $4)
ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at,
    locked_until = excluded.locked_until

-- name: throttle-clear
DELETE FROM login_throttle WHERE key = $1

-- name: reactivate-user
UPDATE users SET status = 'active', suspended_at = NULL WHERE id = $1 AND status = 'suspended'

-- name: count-active-admins
SELECT count(*) FROM users WHERE role = 'admin' AND status = 'active'

-- name: update-user
UPDATE users SET full_name = $2, organization = $3, email = $4, language = $5 WHERE id = $1

-- E34: the register of changes of roles and rights (issue 12).
-- name: insert-role-change
INSERT INTO role_register (at, login, full_name, organization, role, change, previous, basis, responsible, by_login, signature_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)

-- name: set-role
UPDATE users SET role = $2 WHERE id = $1
