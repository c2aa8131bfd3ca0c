-- Invitations of colleagues and the consents of registration (E5–E7).

-- name: insert-invitation
INSERT INTO invitations (token_hash, inviter_id, email, role, bin, organization, language, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id

-- name: invitation-by-token
SELECT i.id, i.inviter_id, u.login, i.email, i.role, i.bin, i.organization, i.language, i.created_at, i.expires_at, i.accepted_at
FROM invitations i JOIN users u ON u.id = i.inviter_id WHERE i.token_hash = $1

-- One acceptance per invitation: the second finds accepted_at set.
-- name: accept-invitation
UPDATE invitations SET accepted_at = $2, user_id = $3 WHERE id = $1 AND accepted_at IS NULL AND expires_at > $2

-- name: invitations-of-bin
SELECT i.id, i.inviter_id, u.login, i.email, i.role, i.bin, i.organization, i.language, i.created_at, i.expires_at, i.accepted_at
FROM invitations i JOIN users u ON u.id = i.inviter_id WHERE i.bin = $1 ORDER BY i.id DESC LIMIT 50

-- name: insert-consent
INSERT INTO consents (user_id, rule, text_version, text_sha256, lang, invitation_id, client_addr, accepted_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)

-- name: consents-of-user
SELECT rule, text_version, text_sha256, lang, invitation_id, client_addr, accepted_at FROM consents WHERE user_id = $1 ORDER BY id
