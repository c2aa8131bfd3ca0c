-- A failure's own public number (issue 8, defect 10): "TF-2026-0004", unique
-- and gap-free per year like appeal numbers, never confusable with them
-- ("2026-000004"). Incidents that exist already are numbered in id order
-- within the year of their first appeal (the desk-zone year the appeal
-- number carries), else the Astana-time year of their first registration.
ALTER TABLE incidents ADD COLUMN number TEXT;

CREATE TABLE incident_counters (
    year INTEGER PRIMARY KEY,
    last BIGINT NOT NULL
);

CREATE TEMP TABLE incident_numbers ON COMMIT DROP AS
SELECT id, year, row_number() OVER (PARTITION BY year ORDER BY id) AS seq
FROM (SELECT i.id, COALESCE((SELECT min(a.year) FROM appeals a WHERE a.incident_id = i.id),
                            extract(year FROM i.first_registered_at AT TIME ZONE 'Asia/Almaty')::int) AS year
      FROM incidents i) y;

UPDATE incidents i SET number = 'TF-' || n.year || '-' || lpad(n.seq::text, 4, '0')
FROM incident_numbers n WHERE n.id = i.id;

INSERT INTO incident_counters (year, last) SELECT year, max(seq) FROM incident_numbers GROUP BY year;

CREATE UNIQUE INDEX incidents_number ON incidents(number);
