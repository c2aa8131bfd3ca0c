-- Reports (issue 13): the compliance report reads a period's clocks by the
-- event that started them; without this index a year over 1M clocks is a
-- full scan.
CREATE INDEX clocks_event ON clocks(event_at);
