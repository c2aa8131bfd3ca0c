-- The registration writer indexes a whole batch of new appeals in one
-- statement (journal query fts-index-sqlite) instead of a trigger per row:
-- FTS5 flushes its pending index at every statement savepoint, so the row
-- trigger wrote one index segment per appeal. Updates and deletes keep their
-- triggers.
DROP TRIGGER appeals_fts_ai;
