-- Issue 15 (staged): the columns of SQLite's staged apply, so both schemas
-- stay alike. PostgreSQL applies a plan in one transaction and never writes
-- 'staging' nor leaves merged/notified false.
ALTER TABLE applied_plans DROP CONSTRAINT applied_plans_status_check;
ALTER TABLE applied_plans ADD CONSTRAINT applied_plans_status_check CHECK (status IN ('staging', 'applied', 'reverted'));
ALTER TABLE applied_plans ADD COLUMN merged BOOLEAN NOT NULL DEFAULT true;
ALTER TABLE applied_plans ADD COLUMN notified BOOLEAN NOT NULL DEFAULT true;
ALTER TABLE applied_plans ADD COLUMN notice TEXT NOT NULL DEFAULT '';
CREATE INDEX procurement_feed_plan ON procurement_feed(plan_id, seq);
