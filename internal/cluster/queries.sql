-- Several desk processes on one PostgreSQL (issue 15): leadership by
-- session-level advisory locks, live events by LISTEN/NOTIFY. SQLite has
-- one process and uses none of these.

-- A leader's lock: taken without waiting, so the loop can poll and notice
-- a shutdown; held by the session, so it ends when the holder's connection
-- does (SIGKILL, a PostgreSQL restart).
-- name: try-lock-postgres
SELECT pg_try_advisory_lock($1)

-- A short critical section across processes; waits (the caller's context
-- bounds the wait).
-- name: lock-postgres
SELECT pg_advisory_lock($1)

-- name: unlock-postgres
SELECT pg_advisory_unlock($1)

-- Live console events: delivered to every listener when the transaction
-- that sent them commits, never for one that rolls back.
-- name: notify-postgres
SELECT pg_notify('tenderdesk_live', $1)

-- name: listen-postgres
LISTEN tenderdesk_live
