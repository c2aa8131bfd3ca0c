-- Text modules (issue 10): reply templates kept by administrators, one
-- text per language, with placeholders filled from the appeal when an
-- operator inserts one into a reply. Deleting one is audited (the audit
-- record keeps its texts).
CREATE TABLE text_modules (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    body_ru    TEXT NOT NULL,
    body_kk    TEXT NOT NULL,
    body_en    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL DEFAULT ''
);
