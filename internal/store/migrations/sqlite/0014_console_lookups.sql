-- The console's look-ups (issue 10): a procedure by its announcement
-- number. The outbox rows of an incident's events use the (event,
-- recipient) unique index as it is (SQLite compares text bytewise).
CREATE INDEX procedures_announcement ON procedures(announcement);
