-- The progress of a plan apply (issue 10): one row per incident, the last
-- apply's. Several desk processes share one PostgreSQL (issue 15): a console
-- served by another process than the one applying reads the progress here.
-- state: running, done, failed. A running row whose updated_at stopped
-- moving belongs to a process that died; its transaction rolled back.
CREATE TABLE apply_progress (
    incident_id   BIGINT PRIMARY KEY REFERENCES incidents(id),
    state         TEXT NOT NULL,
    by_login      TEXT NOT NULL,
    started_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    ended_at      TIMESTAMPTZ,
    done          INTEGER NOT NULL,
    total         INTEGER NOT NULL,
    procedures    INTEGER NOT NULL,
    changes       INTEGER NOT NULL,
    error_code    TEXT NOT NULL,
    error_message TEXT NOT NULL
);

-- The full-text index without its fast-update pending list (issue 10: the
-- queue's rare-word search at 1M appeals). With fastupdate on, new entries
-- wait in an unsorted list of up to gin_pending_list_limit (4 MB) until a
-- vacuum, and every search reads that whole list: 381 pending pages after
-- seeding 200,000 appeals made the index's part of a rare word 14.5 ms
-- instead of 0.1 ms. Each registration now writes its few words into the
-- index itself. The list already pending is merged once here.
ALTER INDEX appeals_search SET (fastupdate = off);
SELECT gin_clean_pending_list('appeals_search'::regclass);
