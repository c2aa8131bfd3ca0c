-- Who works on an incident (issue 10, the console's take / hand over /
-- mine): one row per assigned incident, none when unassigned. A table of
-- its own, so the incident's row and its optimistic version stay as the
-- lifecycle writes them; every change is in the audit trail.
CREATE TABLE assignments (
    incident_id BIGINT PRIMARY KEY REFERENCES incidents(id),
    assignee_id BIGINT NOT NULL REFERENCES users(id),
    assigned_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX assignments_assignee ON assignments (assignee_id);
