-- A failure's own public number (issue 8, defect 10): "TF-2026-0004", unique
-- and gap-free per year like appeal numbers, never confusable with them
-- ("2026-000004"). Incidents that exist already are numbered in id order
-- within the year of their first appeal (the desk-zone year the appeal
-- number carries), else the UTC year of their first registration.
ALTER TABLE incidents ADD COLUMN number TEXT;

CREATE TABLE incident_counters (
    year INTEGER PRIMARY KEY,
    last INTEGER NOT NULL
);

CREATE TEMP TABLE incident_numbers AS
SELECT id, year, row_number() OVER (PARTITION BY year ORDER BY id) AS seq
FROM (SELECT i.id, COALESCE((SELECT min(a.year) FROM appeals a WHERE a.incident_id = i.id),
                            CAST(substr(i.first_registered_at, 1, 4) AS INTEGER)) AS year
      FROM incidents i);

UPDATE incidents SET number = (SELECT printf('TF-%d-%04d', n.year, n.seq) FROM incident_numbers n WHERE n.id = incidents.id);

INSERT INTO incident_counters (year, last) SELECT year, max(seq) FROM incident_numbers GROUP BY year;

DROP TABLE incident_numbers;

CREATE UNIQUE INDEX incidents_number ON incidents(number);
