-- Nothing to do on SQLite: PostgreSQL's 0035 rewrites its queue-urgency
-- trigger functions in PL/pgSQL (issue 15, registration CPU). This file keeps
-- the migration numbers of both dialects in step.
SELECT 1;
