-- The console's look-ups (issue 10): a procedure by its announcement
-- number; the outbox rows of an incident's events by key range, compared
-- bytewise (COLLATE "C": the database's collation may order ':' and ';'
-- otherwise, and its index would not serve the range).
CREATE INDEX procedures_announcement ON procedures(announcement);
CREATE INDEX outbox_event_c ON outbox (event COLLATE "C");
