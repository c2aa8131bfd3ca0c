-- Registers (issue 12): E34 roles and rights, Q25, Q39, Q23.

-- name: role-changes
SELECT id, at, login, full_name, organization, role, change, previous, basis, responsible, by_login, COALESCE(signature_id, 0)
FROM role_register WHERE id < $1 ORDER BY id DESC LIMIT $2

-- name: insert-entry
INSERT INTO register_entries (register, at, person, detail, incident_id, agreed, by_login) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id

-- name: incident-exists
SELECT count(*) FROM incidents WHERE id = $1

-- name: find-entries
-- A page of a small register, newest first, before id $2, filtered by the
-- incident ($3, 0: any), the person ($4 '%…%' pattern, '%%': any) and the
-- entry's time [$5, $6).
SELECT id, register, at, person, detail, COALESCE(incident_id, 0), agreed, by_login FROM register_entries
WHERE register = $1 AND id < $2 AND ($3 = 0 OR incident_id = $3) AND person LIKE $4 AND at >= $5 AND at < $6
ORDER BY id DESC LIMIT $7
