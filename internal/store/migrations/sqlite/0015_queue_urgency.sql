-- The console's queue (issue 10) is ordered by the nearest deadline of an
-- appeal's running or breached clocks (its own and its incident's), soonest
-- first. Computing that per query walked every open appeal; so each appeal
-- carries it (urgent_at, a far sentinel when no clock runs) and whether a
-- clock in it is breached or warned (urgent_state: breached | warned |
-- running | ''), kept in step by triggers in the very transaction that
-- starts, pauses, meets, warns, breaches, extends or moves a clock, and
-- indexed in the queue's order, so the queue pages by keyset on
-- (urgent_at, id) at any depth.
ALTER TABLE appeals ADD COLUMN urgent_at TEXT NOT NULL DEFAULT '9999-12-31T00:00:00.000000Z';
ALTER TABLE appeals ADD COLUMN urgent_state TEXT NOT NULL DEFAULT '';

-- What an appeal's urgency is now, from its clocks: one place for the rule.
CREATE VIEW appeal_urgency AS
SELECT a.id,
    COALESCE((SELECT MIN(c.deadline) FROM clocks c WHERE c.incident_id = a.incident_id AND c.appeal_number IN (a.number, '')
        AND c.state IN ('running', 'breached')), '9999-12-31T00:00:00.000000Z') AS urgent_at,
    COALESCE((SELECT CASE WHEN MAX(c.state = 'breached') THEN 'breached' WHEN MAX(c.warned_at IS NOT NULL) THEN 'warned' ELSE 'running' END
        FROM clocks c WHERE c.incident_id = a.incident_id AND c.appeal_number IN (a.number, '')
        AND c.state IN ('running', 'breached') HAVING COUNT(*) > 0), '') AS urgent_state
FROM appeals a;

UPDATE appeals SET (urgent_at, urgent_state) = (SELECT u.urgent_at, u.urgent_state FROM appeal_urgency u WHERE u.id = appeals.id)
WHERE EXISTS (SELECT 1 FROM clocks c WHERE c.incident_id = appeals.incident_id AND c.state IN ('running', 'breached'));

CREATE INDEX appeals_urgent ON appeals(urgent_at, id);
CREATE INDEX appeals_urgent_open ON appeals(urgent_at, id) WHERE state NOT IN ('closed', 'merged');
CREATE INDEX appeals_state_urgent ON appeals(state, urgent_at, id);

-- A clock's own appeal, or every appeal of its incident for the incident's clocks.
CREATE TRIGGER clocks_urgency_ai AFTER INSERT ON clocks WHEN NEW.state IN ('running', 'breached') BEGIN
    UPDATE appeals SET (urgent_at, urgent_state) = (SELECT u.urgent_at, u.urgent_state FROM appeal_urgency u WHERE u.id = appeals.id)
    WHERE incident_id = NEW.incident_id AND (NEW.appeal_number = '' OR number = NEW.appeal_number);
END;
CREATE TRIGGER clocks_urgency_au AFTER UPDATE ON clocks
WHEN OLD.state IS NOT NEW.state OR OLD.deadline IS NOT NEW.deadline OR OLD.warned_at IS NOT NEW.warned_at
    OR OLD.incident_id IS NOT NEW.incident_id OR OLD.appeal_number IS NOT NEW.appeal_number BEGIN
    UPDATE appeals SET (urgent_at, urgent_state) = (SELECT u.urgent_at, u.urgent_state FROM appeal_urgency u WHERE u.id = appeals.id)
    WHERE incident_id = NEW.incident_id AND (NEW.appeal_number = '' OR number = NEW.appeal_number);
    UPDATE appeals SET (urgent_at, urgent_state) = (SELECT u.urgent_at, u.urgent_state FROM appeal_urgency u WHERE u.id = appeals.id)
    WHERE OLD.incident_id IS NOT NEW.incident_id AND incident_id = OLD.incident_id AND (OLD.appeal_number = '' OR number = OLD.appeal_number);
END;
CREATE TRIGGER clocks_urgency_ad AFTER DELETE ON clocks BEGIN
    UPDATE appeals SET (urgent_at, urgent_state) = (SELECT u.urgent_at, u.urgent_state FROM appeal_urgency u WHERE u.id = appeals.id)
    WHERE incident_id = OLD.incident_id AND (OLD.appeal_number = '' OR number = OLD.appeal_number);
END;
-- An appeal attached to an incident whose own clocks run, or moved to
-- another incident (merge), takes that incident's clocks.
CREATE TRIGGER appeals_urgency_ai AFTER INSERT ON appeals
WHEN EXISTS (SELECT 1 FROM clocks c WHERE c.incident_id = NEW.incident_id AND c.appeal_number = '' AND c.state IN ('running', 'breached')) BEGIN
    UPDATE appeals SET (urgent_at, urgent_state) = (SELECT u.urgent_at, u.urgent_state FROM appeal_urgency u WHERE u.id = appeals.id)
    WHERE id = NEW.id;
END;
CREATE TRIGGER appeals_urgency_move AFTER UPDATE OF incident_id ON appeals WHEN OLD.incident_id IS NOT NEW.incident_id BEGIN
    UPDATE appeals SET (urgent_at, urgent_state) = (SELECT u.urgent_at, u.urgent_state FROM appeal_urgency u WHERE u.id = appeals.id)
    WHERE id = NEW.id;
END;

-- Full text: FTS5 answers a prefix query ("догов"*) by merging the whole
-- doclist of every term with that prefix before it yields a row (356 ms
-- for a common word over 1M appeals, whatever the LIMIT). A prefix index of
-- 2–12 characters turns such a query into one doclist read in rowid order,
-- which stops at the page (BENCHMARKS.md, issue 10). Words of 1 or more
-- than 12 characters still take the merge.
DROP TABLE appeals_fts;
CREATE VIRTUAL TABLE appeals_fts USING fts5(
    description, organization,
    content='appeals', content_rowid='id',
    tokenize = 'unicode61 remove_diacritics 0',
    prefix = '2 3 4 5 6 7 8 9 10 11 12'
);
INSERT INTO appeals_fts(appeals_fts) VALUES ('rebuild');
