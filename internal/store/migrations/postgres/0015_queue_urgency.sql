-- The console's queue (issue 10) is ordered by the nearest deadline of an
-- appeal's running or breached clocks (its own and its incident's), soonest
-- first. Computing that per query walked every open appeal; so each appeal
-- carries it (urgent_at, a far sentinel when no clock runs) and whether a
-- clock in it is breached or warned (urgent_state: breached | warned |
-- running | ''), kept in step by triggers in the very transaction that
-- starts, pauses, meets, warns, breaches, extends or moves a clock, and
-- indexed in the queue's order, so the queue pages by keyset on
-- (urgent_at, id) at any depth.
ALTER TABLE appeals ADD COLUMN urgent_at TIMESTAMPTZ NOT NULL DEFAULT '9999-12-31T00:00:00Z';
ALTER TABLE appeals ADD COLUMN urgent_state TEXT NOT NULL DEFAULT '';

-- What an appeal's urgency is now, from its clocks: one place for the rule.
CREATE FUNCTION appeal_urgency(inc BIGINT, num TEXT, OUT urgent_at TIMESTAMPTZ, OUT urgent_state TEXT) LANGUAGE sql STABLE AS $$
    SELECT COALESCE(MIN(c.deadline), '9999-12-31T00:00:00Z'),
        CASE WHEN COUNT(*) = 0 THEN '' WHEN bool_or(c.state = 'breached') THEN 'breached'
            WHEN bool_or(c.warned_at IS NOT NULL) THEN 'warned' ELSE 'running' END
    FROM clocks c WHERE c.incident_id = inc AND c.appeal_number IN (num, '') AND c.state IN ('running', 'breached')
$$;

UPDATE appeals SET (urgent_at, urgent_state) = (SELECT * FROM appeal_urgency(appeals.incident_id, appeals.number))
WHERE EXISTS (SELECT 1 FROM clocks c WHERE c.incident_id = appeals.incident_id AND c.state IN ('running', 'breached'));

CREATE INDEX appeals_urgent ON appeals(urgent_at, id);
CREATE INDEX appeals_urgent_open ON appeals(urgent_at, id) WHERE state NOT IN ('closed', 'merged');
CREATE INDEX appeals_state_urgent ON appeals(state, urgent_at, id);

-- A clock's own appeal, or every appeal of its incident for the incident's clocks.
CREATE FUNCTION appeals_urgency_refresh(inc BIGINT, num TEXT) RETURNS void LANGUAGE sql AS $$
    UPDATE appeals SET (urgent_at, urgent_state) = (SELECT * FROM appeal_urgency(appeals.incident_id, appeals.number))
    WHERE incident_id = inc AND (num = '' OR number = num)
$$;
CREATE FUNCTION clocks_urgency() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'DELETE' THEN
        PERFORM appeals_urgency_refresh(NEW.incident_id, NEW.appeal_number);
    END IF;
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.incident_id <> NEW.incident_id) THEN
        PERFORM appeals_urgency_refresh(OLD.incident_id, OLD.appeal_number);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER clocks_urgency_ai AFTER INSERT ON clocks FOR EACH ROW WHEN (NEW.state IN ('running', 'breached'))
    EXECUTE FUNCTION clocks_urgency();
CREATE TRIGGER clocks_urgency_au AFTER UPDATE ON clocks FOR EACH ROW
    WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.deadline IS DISTINCT FROM NEW.deadline OR OLD.warned_at IS DISTINCT FROM NEW.warned_at
        OR OLD.incident_id IS DISTINCT FROM NEW.incident_id OR OLD.appeal_number IS DISTINCT FROM NEW.appeal_number)
    EXECUTE FUNCTION clocks_urgency();
CREATE TRIGGER clocks_urgency_ad AFTER DELETE ON clocks FOR EACH ROW EXECUTE FUNCTION clocks_urgency();

-- An appeal attached to an incident whose own clocks run, or moved to
-- another incident (merge), takes that incident's clocks.
CREATE FUNCTION appeals_urgency_own() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT * INTO NEW.urgent_at, NEW.urgent_state FROM appeal_urgency(NEW.incident_id, NEW.number);
    RETURN NEW;
END
$$;
CREATE TRIGGER appeals_urgency_ai BEFORE INSERT ON appeals FOR EACH ROW EXECUTE FUNCTION appeals_urgency_own();
CREATE TRIGGER appeals_urgency_move BEFORE UPDATE OF incident_id ON appeals FOR EACH ROW
    WHEN (OLD.incident_id IS DISTINCT FROM NEW.incident_id) EXECUTE FUNCTION appeals_urgency_own();
