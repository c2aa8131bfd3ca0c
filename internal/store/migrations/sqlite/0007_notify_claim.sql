-- The outbox claim takes the most urgent due rows first
-- (ORDER BY COALESCE(due_by, next_attempt_at), id): without an index in that
-- order every claim sorted all pending rows (37 ms a claim with 20,000
-- pending, issue 5 benchmark).
CREATE INDEX outbox_claim ON outbox(COALESCE(due_by, next_attempt_at), id) WHERE status = 'pending';
-- outbox_claim serves everything outbox_due did (the pending count, the
-- claim); one index less to write per enqueued row.
DROP INDEX outbox_due;
