-- An object's history (audit.ForObject: the appeal page, the API's history,
-- the audit page's object filter) read the whole chain: audit_log had no
-- index but its seq. object_id leads, so the "any type" filter uses it too.
-- About 60 bytes per record; built once at upgrade (on PostgreSQL it holds
-- writes on audit_log while it builds).
CREATE INDEX audit_log_object ON audit_log (object_id, object_type, seq);
