-- Attachments of outbox messages (issue 13): the daily analysis (Q43) and the
-- written reports (Q36.10, Q37.13) go with their PDF; staff replies may carry
-- uploaded files. An attachment belongs to an event, so a fan-out stores its
-- bytes once for every recipient of the event. Either the bytes are kept here
-- (content) or a stored file is referenced (file_id, internal/files; no
-- foreign key: a file destroyed by retention fails the send, named, rather
-- than blocking the destruction).
CREATE TABLE outbox_attachments (
    id           INTEGER PRIMARY KEY,
    event        TEXT NOT NULL,
    position     INTEGER NOT NULL,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    content      BLOB,
    file_id      INTEGER,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,   -- of content; '' for a file reference (the file row has its own)
    created_at   TEXT NOT NULL,
    UNIQUE (event, position),
    CHECK ((content IS NULL) <> (file_id IS NULL))
);
