-- The Journal listing and the console's queue filter by the incident's
-- state and criticality and page newest first. Through the join that meant
-- walking every appeal for a rare state (3.6–6.9 s over 1.2M appeals), so
-- each appeal carries its incident's state and criticality, kept in step in
-- the transaction that changes the incident (journal.save), with an index
-- per filter in the listing's order.
ALTER TABLE appeals ADD COLUMN state TEXT NOT NULL DEFAULT 'registered';
ALTER TABLE appeals ADD COLUMN criticality TEXT NOT NULL DEFAULT '';
UPDATE appeals SET state = (SELECT i.state FROM incidents i WHERE i.id = appeals.incident_id),
    criticality = COALESCE((SELECT i.criticality FROM incidents i WHERE i.id = appeals.incident_id), '');
CREATE INDEX appeals_state ON appeals(state, id);
CREATE INDEX appeals_criticality ON appeals(criticality, id) WHERE criticality <> '';
CREATE INDEX appeals_open ON appeals(id) WHERE state NOT IN ('closed', 'merged');
CREATE INDEX appeals_organization ON appeals(organization, id);
CREATE INDEX appeals_channel ON appeals(channel, id);
