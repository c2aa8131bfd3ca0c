-- Q41 from the database (issue 14): the maintenance windows whose moves an
-- applied plan carries. Every later plan of those procedures must compose
-- with these windows again (the engine refuses applied actions of an event
-- it is not given), even after a window is withdrawn or ages out.
CREATE TABLE plan_windows (
    plan_id        INTEGER NOT NULL REFERENCES applied_plans(id),
    maintenance_id INTEGER NOT NULL REFERENCES maintenance(id),
    PRIMARY KEY (plan_id, maintenance_id)
);
CREATE INDEX plan_windows_maintenance ON plan_windows(maintenance_id);
