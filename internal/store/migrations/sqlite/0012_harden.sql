-- Hardening (issue 9).

-- Failed sign-ins per login ("login:NAME") and per client address
-- ("addr:IP"), so the backoff holds across restarts and processes.
CREATE TABLE login_throttle (
    key             TEXT PRIMARY KEY,
    failures        INTEGER NOT NULL,
    last_failure_at TEXT NOT NULL,
    locked_until    TEXT
);

-- A message that named an appeal's number without the right to thread onto
-- it opened a new appeal; this is the appeal it likely continues, for the
-- operator to merge or not.
ALTER TABLE appeals ADD COLUMN possible_thread_of TEXT NOT NULL DEFAULT '';

-- Staff's edit of the announcement and lot numbers a failure notice
-- publishes (JSON [{"announcement":…,"lots":[…]}]); NULL: the appeals' own.
ALTER TABLE public_notices ADD COLUMN procurements TEXT;
