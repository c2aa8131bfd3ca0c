-- An administrator's record of a profile version's effective period (issue
-- 8, defect 3): when a successor takes over or a version ends, without a
-- release. valid_until '' = in force until further notice. Audited.
CREATE TABLE profile_periods (
    profile     TEXT PRIMARY KEY,
    valid_from  TEXT NOT NULL,
    valid_until TEXT NOT NULL DEFAULT '',
    basis       TEXT NOT NULL,
    set_by      TEXT NOT NULL,
    set_at      TEXT NOT NULL
);
