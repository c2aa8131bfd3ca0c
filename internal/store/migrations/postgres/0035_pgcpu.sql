-- Registration CPU on PostgreSQL (issue 15). The queue-urgency triggers of
-- 0015 called SQL-language functions (appeal_urgency, appeals_urgency_refresh)
-- from PL/pgSQL. PostgreSQL parses and plans a SQL function's body again for
-- every call from a new statement, and these triggers fire three times per
-- new appeal (its BEFORE INSERT and the AFTER INSERT of its two running
-- clocks): a perf profile of the backends at 64 clients had 44 % of their CPU
-- in these triggers, 15 % of it planning. The same rule is now written in the
-- PL/pgSQL trigger functions themselves, and their statements keep one
-- generic plan per backend (plan_cache_mode): left to the plan cache's
-- choice, the PL/pgSQL version still planned on every call (the planner was
-- 24 % of the backends' CPU); with the generic plan it is 0.5 %.
-- A refresh that would not change an appeal's urgency (the second clock of a
-- new appeal, most often) no longer rewrites the row: every appeal row
-- version costs a heap tuple, WAL and, when urgent_at moves, an entry in each
-- of the table's indexes, the full-text GIN index included.
-- appeal_urgency stays, as the one written statement of the rule that the
-- tests seed with; TestUrgencyTriggersMatchRule holds the triggers to it.

CREATE OR REPLACE FUNCTION appeals_urgency_refresh(inc BIGINT, num TEXT) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    UPDATE appeals a SET urgent_at = u.urgent_at, urgent_state = u.urgent_state
    FROM (
        SELECT b.id, x.urgent_at, x.urgent_state
        FROM appeals b CROSS JOIN LATERAL (
            SELECT COALESCE(MIN(c.deadline), '9999-12-31T00:00:00Z'::timestamptz) AS urgent_at,
                CASE WHEN COUNT(*) = 0 THEN '' WHEN bool_or(c.state = 'breached') THEN 'breached'
                    WHEN bool_or(c.warned_at IS NOT NULL) THEN 'warned' ELSE 'running' END AS urgent_state
            FROM clocks c WHERE c.incident_id = b.incident_id AND c.appeal_number IN (b.number, '')
                AND c.state IN ('running', 'breached')
        ) x
        WHERE b.incident_id = inc AND (num = '' OR b.number = num)
    ) u
    WHERE a.id = u.id AND (a.urgent_at, a.urgent_state) IS DISTINCT FROM (u.urgent_at, u.urgent_state);
END
$$ SET plan_cache_mode = force_generic_plan;

CREATE OR REPLACE FUNCTION clocks_urgency() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE OR REPLACE FUNCTION appeals_urgency_own() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT COALESCE(MIN(c.deadline), '9999-12-31T00:00:00Z'::timestamptz),
        CASE WHEN COUNT(*) = 0 THEN '' WHEN bool_or(c.state = 'breached') THEN 'breached'
            WHEN bool_or(c.warned_at IS NOT NULL) THEN 'warned' ELSE 'running' END
    INTO NEW.urgent_at, NEW.urgent_state
    FROM clocks c WHERE c.incident_id = NEW.incident_id AND c.appeal_number IN (NEW.number, '')
        AND c.state IN ('running', 'breached');
    RETURN NEW;
END
$$ SET plan_cache_mode = force_generic_plan;
